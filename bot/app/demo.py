"""`values-bot demo`: a plausible quarter of made-up people, channels, posts and stories, so
a newcomer sees a populated web app at once. Everything it makes is marked as demo data: ids
start with `demo-`, names end with (demo) / （演示）, every story starts with [demo] / 【演示】.

The same seed gives the same quarter. It fills an empty database only: demo data never mixes
with real evidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app.clock import Clock
from bot.core.messages import Place
from bot.core.permissions import Role
from bot.core.rubric import Rubric
from storage.repository import Repository

DEMO = "demo-"
_OVERLOOKED = ("025", "050")  # they take part, and nobody ever names them
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = (
    "芳",
    "伟",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
)
_FIRST = ("Amy", "Ben", "Chen", "Dana", "Eli", "Fang", "Grace", "Hao", "Ivy", "Jun", "Kai", "Lin")
_LAST = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou")
_TEAMS = {
    "zh": ("客服", "销售", "产品", "研发", "运营", "市场", "财务", "人力", "供应链", "数据"),
    "en": (
        "support",
        "sales",
        "product",
        "eng",
        "ops",
        "marketing",
        "finance",
        "people",
        "supply",
        "data",
    ),
}
_TOLD = {
    "zh": (
        "{who}在客户投诉后当天回电，耐心解释并跟进到问题解决。",
        "{who}主动帮新同事梳理流程，连续三天午休时间陪他排查问题。",
        "{who}发现报表口径有误，第一时间说明并更正，没有隐瞒。",
        "{who}在需求变更后加班重排计划，按时交付没有抱怨。",
        "{who}把自己踩过的坑写成文档分享给全组，大家少走了弯路。",
        "{who}在跨部门会议上坦诚提出风险，并给出可行的替代方案。",
    ),
    "en": (
        "{who} called the customer back the same day after a complaint and followed it to the end.",
        "{who} walked a new colleague through the process over three lunch breaks.",
        "{who} spotted a wrong figure in the report, said so at once and corrected it.",
        "{who} re-planned the release after a late change and delivered on time.",
        "{who} wrote up a hard-won lesson for the whole team, saving everyone a detour.",
        "{who} raised a risk openly in the cross-team meeting, with a workable alternative.",
    ),
}


@dataclass(frozen=True)
class DemoQuarter:
    """What `fill` made."""

    people: int
    channels: int
    posts: int
    cases: int
    admin: str
    managers: tuple[str, ...]


class DemoRefused(Exception):
    """The database already holds evidence: demo data is never mixed with real cases."""


def fill(
    repo: Repository,
    rubric: Rubric,
    clock: Clock,
    *,
    platform: str,
    admin: str,
    people: int = 60,
    weeks: int = 8,
    locale: str = "zh",
    timezone: str = "Asia/Shanghai",
    seed: int = 15,
) -> DemoQuarter:
    if repo.exports.any(date(1970, 1, 1), date(9999, 12, 31)):
        raise DemoRefused()
    rng = random.Random(seed)
    now = clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    crowd = _people(rng, people, platform, locale)
    repo.people.remember(crowd, now=now)
    teams = _teams(list(crowd), max(1, people // 10))
    managers = []
    posts = cases = 0
    for number, members in enumerate(teams, start=1):
        names = _TEAMS[locale if locale in _TEAMS else "en"]
        place = Place(platform, "local", f"{DEMO}{names[(number - 1) % len(names)]}-{number}")
        sub = repo.subscriptions.save(
            platform=platform,
            workspace=place.workspace,
            channel=place.channel,
            post_at="09:30",
            timezone=timezone,
            country="CN",
            days_off=frozenset(),
            now=now,
        )
        repo.governance.grant(
            person=members[0], role=Role.MANAGER, channel=place.channel_key, by=admin, now=now
        )
        managers.append(members[0])
        made = _team_days(repo, rubric, rng, place, sub.id, members, crowd, today, weeks, locale)
        posts, cases = posts + made[0], cases + made[1]
    repo.governance.grant(person=admin, role=Role.ADMIN, channel="", by=admin, now=now)
    return DemoQuarter(len(crowd), len(teams), posts, cases, admin, tuple(managers))


def _people(rng: random.Random, count: int, platform: str, locale: str) -> dict[str, str]:
    crowd = {}
    for i in range(1, count + 1):
        if locale == "zh":
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", *_GIVEN))
            crowd[f"{platform}:{DEMO}{i:03d}"] = f"{name}（演示）"
        else:
            crowd[f"{platform}:{DEMO}{i:03d}"] = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} (demo)"
    return crowd


def _teams(people: list[str], count: int) -> list[list[str]]:
    return [people[i::count] for i in range(count) if people[i::count]]


def _team_days(
    repo: Repository,
    rubric: Rubric,
    rng: random.Random,
    place: Place,
    subscription: int | None,
    members: list[str],
    names: dict[str, str],
    today: date,
    weeks: int,
    locale: str,
) -> tuple[int, int]:
    """A team's workdays: a post each day, a few stories on most days; (posts, cases)."""
    criteria = rubric.criteria
    posts = cases = 0
    quiet = place.channel.endswith(("-4", "-8"))  # a team or two has gone quiet lately
    quiet_from = today - timedelta(days=20 if quiet else 0)
    day = today - timedelta(weeks=weeks)
    while day <= today:
        if day.weekday() < 5 and subscription is not None:
            post = repo.posts.claim(
                subscription_id=subscription,
                local_date=day,
                pick=lambda cursor: criteria[cursor % len(criteria)].key,
                claimed_by="demo",
                lease_until=_at(day, 10),
            )
            if post is not None:
                repo.posts.mark_posted(
                    post_id=post.id, message_id=f"{DEMO}post-{day}", at=_at(day, 9)
                )
                posts += 1
                told = 0 if day > quiet_from else rng.choice((0, 1, 2, 2, 3, 4))
                for n in range(told):
                    on_topic = rng.random() < 0.4
                    key = post.criterion_key if on_topic else rng.choice(criteria).key
                    cases += _story(
                        repo, rng, place, post.id, key, members, names, day, n, locale, rubric.key
                    )
            for person in rng.sample(members, k=min(len(members), 2)):
                repo.participants.seen(place, person, day)
        day += timedelta(days=1)
    return posts, cases


def _story(
    repo: Repository,
    rng: random.Random,
    place: Place,
    post_id: int,
    criterion_key: str,
    members: list[str],
    names: dict[str, str],
    day: date,
    n: int,
    locale: str,
    pack: str,
) -> int:
    nominator = rng.choice(members)
    named = [m for m in members if m != nominator and not m.endswith(_OVERLOOKED)]
    if not named:
        return 0
    nominee = rng.choice(named)
    who = names[nominee].split("（")[0].split(" (")[0]
    mark = "【演示】" if locale == "zh" else "[demo] "
    story = mark + rng.choice(_TOLD[locale]).format(who=who)
    stored = repo.evidence.record(
        place=place,
        message_id=f"{DEMO}{day}-{n}",
        nominees=[nominee],
        nominator=nominator,
        daily_post_id=post_id,
        criterion_key=criterion_key,
        story=story,
        link="",
        nominated_on=day,
        now=_at(day, 11),
        rubric_key=pack,
    )
    return len(stored)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo("UTC"))
