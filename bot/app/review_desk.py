"""The appraisal's shared desk, and a review's life: opened on a cycle, moved on by admins, each
person concerned told in chat when their part opens and reminded two workdays before it is due.

Who may do what (DESIGN.md, Roles): admins (HR) open, move, calibrate and answer appeals; a
person writes their own self-assessment; their reporting-line manager writes theirs; results are
read by the person (once released), their manager chain and HR. Every cross-person read is
audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.app.calendars import Calendars
from bot.app.reading import ReadError, Reading
from bot.core.calibration import default_guidance, parse_guidance
from bot.core.cycles import Cycle
from bot.core.directory import Member
from bot.core.messages import Reply
from bot.core.permissions import Access
from bot.core.review import (
    Kind,
    Review,
    ReviewError,
    Stage,
    add_workdays,
    check_dates,
    next_stage,
    workdays_before,
)
from storage.trust import ERASED_PREFIX

OPERATOR = "cli:"  # `values-bot review …` from the shell (no platform has this prefix)
REMIND_WORKDAYS = 2  # a reminder goes out this many workdays before a stage is due
FAR_OFF = timedelta(days=21)  # more than two workdays before anything, Golden Week included


class Refused(Exception):
    """What a reader or form is told instead (403 for a role, 400 for the input)."""

    def __init__(self, reply: Reply, status: int = 403) -> None:
        super().__init__(reply.key)
        self.reply = reply
        self.status = status


def refused(error: ReviewError) -> Refused:
    return Refused(Reply(error.key, dict(error.context)), 400)


@dataclass(frozen=True)
class Opening:
    """What `review open` asks for."""

    cycle: str
    self_due: date
    manager_due: date
    calibration_due: date
    appeal_workdays: int = 5
    guidance: str = ""


class Desk:
    """What every part of the appraisal reads: the review, people, roles, days."""

    def __init__(self, reading: Reading, calendars: Calendars | None = None) -> None:
        self.reading = reading
        self.repo = reading.repo
        self.rubric = reading.rubric
        self.clock = reading.clock
        self.calendars = calendars or Calendars(warn=False)

    def today(self) -> date:
        return self.clock.now().astimezone(ZoneInfo(self.reading.timezone)).date()

    def access(self, person: str) -> Access:
        if person.startswith(OPERATOR):  # the shell's operator: they hold the database itself
            return Access(person, is_admin=True)
        return self.reading.access(person)

    def admin(self, person: str) -> Access:
        access = self.access(person)
        if not access.is_admin:
            raise Refused(Reply("not_allowed_admin"))
        return access

    def cycle(self, cycle_id: str) -> Cycle:
        try:
            return self.reading.cycle(cycle_id or None)
        except ReadError as error:
            raise Refused(error.reply, 404) from None

    def review(self, cycle_id: str | None) -> Review:
        """The review of a cycle (the newest open one when not said)."""
        if not cycle_id:
            found = self.repo.reviews.every()
            if not found:
                raise Refused(Reply("review_none"), 404)
            return found[0]
        review = self.repo.reviews.get(self.cycle(cycle_id).id)
        if review is None:
            raise Refused(Reply("review_none_for", {"cycle": cycle_id[:32]}), 404)
        return review

    def members(self) -> list[Member]:
        return [m for m in self.repo.directory.members() if not m.person.startswith(ERASED_PREFIX)]

    def chain(self, person: str) -> list[str]:
        return self.repo.directory.chain(person)

    def workday(self, person: str) -> Callable[[date], bool]:
        member = self.repo.directory.member(person)
        return self.calendar(member.country if member else "")

    def calendar(self, country: str) -> Callable[[date], bool]:
        """Whether a day is a workday in a country's calendar (CN when not said)."""
        country = country or "CN"
        return lambda day: self.calendars.is_workday(day, country)

    def hr(self) -> list[str]:
        """The admins: from configuration and from grants."""
        granted = {p for p, role, _ in self.repo.governance.grants() if role == "admin"}
        return sorted(set(self.reading.admins) | granted)

    def may_read_result(self, access: Access, person: str, review: Review) -> bool:
        if access.is_admin or person in access.reports:
            return True
        return person == access.person and review.stage in (Stage.RELEASED, Stage.CLOSED)

    def tell(self, to: str, key: str, **context: object) -> None:
        """A chat message to one person, sent by the next tick with a fresh sign-in link."""
        self.repo.outbox.add(to, key, {**context, "sign_in": True}, now=self.clock.now())

    def audit(
        self, actor: str, action: str, review: Review, subjects: list[str], detail: str = ""
    ) -> None:
        self.repo.governance.audit(
            actor=actor,
            action=action,
            at=self.clock.now(),
            scope=f"review:{review.cycle_id}",
            subjects=[p for p in subjects if p != actor],
            detail=detail,
        )


class Reviews:
    """Opening a review, moving it on, and the nudges in chat."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def open(self, actor: str, opening: Opening) -> Review:
        desk = self.desk
        desk.admin(actor)
        cycle = desk.cycle(opening.cycle)
        most = sum(max(c.level for c in v.criteria) for v in desk.rubric.values)
        guidance = opening.guidance.strip() or default_guidance(most)
        try:
            check_dates(
                opening.self_due, opening.manager_due, opening.calibration_due, desk.today()
            )
            parse_guidance(guidance)
        except ReviewError as error:
            raise refused(error) from None
        if not 1 <= opening.appeal_workdays <= 30:
            raise Refused(Reply("review_bad_appeal_days"), 400)
        wanted = Review(
            0,
            cycle.id,
            Stage.SELF,
            opening.self_due,
            opening.manager_due,
            opening.calibration_due,
            opening.appeal_workdays,
            guidance,
        )
        review = desk.repo.reviews.open(wanted, by=actor, now=desk.clock.now())
        if review is None:
            raise Refused(Reply("review_exists", {"cycle": cycle.id}), 400)
        desk.audit(actor, "review_open", review, [], detail=f"guidance {guidance}")
        self.nudge(review)
        return review

    def advance(self, actor: str, cycle_id: str | None) -> Review:
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        try:
            stage = next_stage(review)
        except ReviewError as error:
            raise refused(error) from None
        if stage is Stage.CLOSED and any(
            o.answer.value == "appealed" for o in desk.repo.reviews.outcomes(review).values()
        ):
            raise Refused(Reply("review_appeals_open", {"cycle": review.cycle_id}), 400)
        released = desk.today() if stage is Stage.RELEASED else None
        if not desk.repo.reviews.move(review, stage, released_on=released):
            raise Refused(Reply("review_moved_meanwhile", {"cycle": review.cycle_id}), 409)
        moved = desk.review(review.cycle_id)
        desk.audit(actor, "review_stage", moved, [], detail=f"{review.stage} -> {stage}")
        self.nudge(moved)
        return moved

    def lock(self, actor: str, cycle_id: str | None) -> Review:
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        if review.stage is not Stage.CALIBRATION:
            raise Refused(Reply("review_not_calibrating", {"cycle": review.cycle_id}), 400)
        desk.repo.reviews.lock(review)
        desk.audit(actor, "review_lock", review, [])
        return desk.review(review.cycle_id)

    # ---- who has a part, and the nudges -----------------------------------------------------

    def concerned(self, review: Review) -> list[str]:
        """Who has work in the open stage and has not done it (self, manager), or everyone with
        a result (released); HR in calibration."""
        desk = self.desk
        if review.stage is Stage.CALIBRATION:
            return self.desk.hr()
        members = desk.members()
        if review.stage is Stage.SELF:
            done = {a.person for a in desk.repo.reviews.assessments(review, kind=Kind.SELF)}
            return [m.person for m in members if m.person not in done]
        if review.stage is Stage.MANAGER:
            done = {a.person for a in desk.repo.reviews.assessments(review, kind=Kind.MANAGER)}
            return sorted({m.manager for m in members if m.manager and m.person not in done})
        if review.stage is Stage.RELEASED:
            scored = {a.person for a in desk.repo.reviews.assessments(review, kind=Kind.MANAGER)}
            return sorted(scored)
        return []

    def nudge(self, review: Review) -> int:
        """Tell each person concerned that their part is open (once per stage)."""
        return self._tell_once(review, self.concerned(review), "open")

    def remind(self) -> int:
        """Remind those who have not finished, two workdays before the open stage is due (each
        person once per stage, by their own calendar); run by every scheduler tick, it reads
        who was reminded first and writes only the new ones."""
        told, today = 0, self.desk.today()
        for review in self.desk.repo.reviews.every():
            due = review.due()
            if due is None or review.stage is Stage.CALIBRATION or today > due:
                continue
            if today < due - FAR_OFF:
                continue  # two workdays before it lie later than this by any calendar
            countries = {m.person: m.country for m in self.desk.members()}
            due_soon = [
                p
                for p in self.concerned(review)
                if today
                >= workdays_before(due, REMIND_WORKDAYS, self.desk.calendar(countries.get(p, "")))
            ]
            told += self._tell_once(review, due_soon, "remind")
        return told

    def _tell_once(self, review: Review, people: list[str], kind: str) -> int:
        reviews = self.desk.repo.reviews
        already = reviews.noticed(review, review.stage, kind)
        countries = {m.person: m.country for m in self.desk.members()}
        messages = {
            p: self._message(review, countries.get(p, ""), kind) for p in people if p not in already
        }
        if not messages:
            return 0
        return len(reviews.announce(review, kind, messages, now=self.desk.clock.now()))

    def _message(self, review: Review, country: str, kind: str) -> tuple[str, dict[str, object]]:
        """The template and context of a nudge; the sign-in link is made when it is sent."""
        due = review.due()
        context: dict[str, object] = {
            "cycle": review.cycle_id,
            "due": due.isoformat() if due else "",
        }
        if review.stage is Stage.RELEASED:
            released = review.released_on or self.desk.today()
            ends = add_workdays(released, review.appeal_workdays, self.desk.calendar(country))
            context["due"] = ends.isoformat()
        return f"review_{kind}_{review.stage.value}", {**context, "sign_in": True}
