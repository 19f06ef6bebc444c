"""The web app under a real uvicorn on 127.0.0.1, over a runtime on SQLite and PostgreSQL, with
a small organisation: two channels with managers, members, cases, posts and an admin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest

from bot.cli.web import web_app
from bot.core.messages import Place
from bot.core.permissions import Role
from bot.wiring import Runtime
from tests.fakes import FakeClock
from tests.serving import served

ADMIN, MANAGER, MEMBER = "console:boss", "console:mia", "console:bob"
OTHER = "console:olga"  # nominated in a channel Mia does not manage
TEAM = Place("console", "local", "team")
SALES = Place("console", "local", "sales")


@dataclass
class Site:
    """The served web app, its runtime and clock, and a way to sign people in."""

    base: str
    runtime: Runtime
    clock: FakeClock

    def link(self, person: str) -> str:
        return self.runtime.service.signin.link(person)

    def client(self, person: str | None = None) -> httpx.Client:
        """A browser-like client; signed in as `person` when given."""
        client = httpx.Client(base_url=self.base, follow_redirects=False, timeout=10)
        if person is not None:
            token = self.link(person).split("t=", 1)[1]
            signed = client.post("/app/signin", data={"t": token})
            assert signed.status_code == 303, signed.text
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]


def record(
    rt: Runtime, place: Place, day: date, nominator: str, nominee: str, key: str, story: str, n: int
) -> None:
    sub = rt.repo.subscriptions.get(
        platform=place.platform, workspace=place.workspace, channel=place.channel
    )
    assert sub is not None and sub.id is not None
    post = rt.repo.posts.on_date(
        platform=place.platform, workspace=place.workspace, channel=place.channel, local_date=day
    )
    if post is None:
        post = rt.repo.posts.claim(
            subscription_id=sub.id,
            local_date=day,
            pick=lambda _cursor: key,
            claimed_by="test",
            lease_until=rt.clock.now(),
        )
        assert post is not None
        rt.repo.posts.mark_posted(post_id=post.id, message_id=f"p-{day}", at=rt.clock.now())
    rt.repo.evidence.record(
        place=place,
        message_id=f"m{n}",
        nominees=[nominee],
        nominator=nominator,
        daily_post_id=post.id,
        criterion_key=key,
        story=story,
        link=f"https://example.slack.com/archives/C1/p{n}",
        nominated_on=day,
        now=rt.clock.now(),
        rubric_key=rt.rubric.key,
    )


def populate(rt: Runtime) -> None:
    """Two channels. team (Mia manages): Bob has three cases, Alice one. sales: Olga two."""
    now = rt.clock.now()
    for place in (TEAM, SALES):
        rt.repo.subscriptions.save(
            platform=place.platform,
            workspace=place.workspace,
            channel=place.channel,
            post_at="09:30",
            timezone="Asia/Shanghai",
            country="CN",
            days_off=frozenset(),
            now=now,
        )
    rt.repo.governance.grant(
        person=MANAGER, role=Role.MANAGER, channel=TEAM.channel_key, by="test", now=now
    )
    rt.repo.people.remember({MEMBER: "Bob Li", OTHER: "Olga Wu", MANAGER: "Mia"}, now=now)
    day = date(2026, 11, 16)
    stories = [
        (
            TEAM,
            "console:alice",
            MEMBER,
            "customer-first:1",
            "Bob called the customer back the same day",
        ),
        (
            TEAM,
            "console:alice",
            MEMBER,
            "customer-first:2",
            "Bob stayed until the outage was fixed",
        ),
        (TEAM, MANAGER, MEMBER, "teamwork:1", "Bob shared his notes with the whole team"),
        (TEAM, MEMBER, "console:alice", "integrity:1", "Alice corrected the report at once"),
        (SALES, "console:sam", OTHER, "customer-first:1", "Olga kept her word to the client"),
        (SALES, "console:sam", OTHER, "passion:1", "Olga took on the hardest account"),
    ]
    for n, (place, by, about, key, story) in enumerate(stories, start=1):
        record(rt, place, day + timedelta(days=n % 3), by, about, key, story, n)
    rt.repo.participants.seen(TEAM, "console:quiet-quinn", day)


@pytest.fixture
def site(runtime: Runtime, clock: FakeClock) -> Iterator[Site]:
    populate(runtime)
    app = web_app(runtime, "http://127.0.0.1")
    with served(app) as base:
        runtime.service.signin.public_url = base
        yield Site(base, runtime, clock)
