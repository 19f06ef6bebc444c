"""The DingTalk directory for `values-bot people sync`: every member's direct manager and
department, walked from the root department (topapi/v2/department/listsubid, user/listid,
v2/user/get's manager_userid, v2/department/get's name)."""

from __future__ import annotations

from bot.core.directory import Member
from bot.platforms.dingtalk.app import credentials
from bot.platforms.dingtalk.openapi import OpenApi
from bot.platforms.dingtalk.settings import DingTalkSettings

ROOT = 1
MAX_DEPARTMENTS = 10_000


class DingTalkPeople:
    """The directory walked from the root department: managers and departments."""

    def __init__(self, api: OpenApi) -> None:
        self.api = api

    def by_email(self, email: str) -> str | None:
        return None  # DingTalk has no lookup by e-mail for an internal app: use the sync

    def members(self) -> list[Member]:
        departments = self._departments()
        names = {
            d: str(self.api.legacy("/topapi/v2/department/get", {"dept_id": d}).get("name", ""))
            for d in departments
        }
        names[ROOT] = names.get(ROOT, "")
        seen: dict[str, Member] = {}
        for department in departments:
            ids = (
                self.api.legacy("/topapi/user/listid", {"dept_id": department}).get("userid_list")
                or []
            )
            for staff in (str(i) for i in ids if i):
                if f"dingtalk:{staff}" not in seen:
                    seen[f"dingtalk:{staff}"] = self._member(staff, names)
        return sorted(seen.values(), key=lambda m: m.person)

    def _departments(self) -> list[int]:
        found, todo = [ROOT], [ROOT]
        while todo and len(found) < MAX_DEPARTMENTS:
            below = self.api.legacy("/topapi/v2/department/listsubid", {"dept_id": todo.pop()})
            for child in below.get("dept_id_list") or []:
                if isinstance(child, int) and child not in found:
                    found.append(child)
                    todo.append(child)
        return found

    def _member(self, staff: str, departments: dict[int, str]) -> Member:
        user = self.api.legacy("/topapi/v2/user/get", {"userid": staff, "language": "zh_CN"})
        manager = str(user.get("manager_userid") or "")
        in_departments = [d for d in user.get("dept_id_list") or [] if isinstance(d, int)]
        department = next(
            (departments.get(d, "") for d in in_departments if departments.get(d)), ""
        )
        return Member(
            person=f"dingtalk:{staff}",
            name=str(user.get("name") or "")[:200],
            email=str(user.get("org_email") or user.get("email") or "").casefold()[:254],
            manager=f"dingtalk:{manager}" if manager else "",
            department=department[:200],
        )


def people(settings: DingTalkSettings) -> DingTalkPeople:
    return DingTalkPeople(OpenApi(credentials(settings)))
