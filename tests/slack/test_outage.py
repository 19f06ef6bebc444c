"""The database briefly away: the bot keeps answering, says it will retry, stores the case once.

Two real outages: PostgreSQL behind a proxy that drops every connection (the server restarts,
the network fails), and SQLite with another process holding the write lock past the busy
timeout (a backup, a long migration).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from storage import engine as engines
from storage import migrate
from storage.repository import Repository
from tests.conftest import POSTGRES_URL
from tests.fake_slack import FakeSlack
from tests.fakes import FakeClock, settle
from tests.faults import TcpProxy
from tests.slack.conftest import MANAGER, NOMINEE, SlackWorld, slack_world


@dataclass
class Outage:
    repo: Repository
    begin: Callable[[], None]
    end: Callable[[], None]


def _postgres() -> Iterator[Outage]:
    assert POSTGRES_URL is not None
    parts = urlsplit(POSTGRES_URL)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxied = POSTGRES_URL.replace(
        parts.netloc, f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = engines.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = engines.make_engine(proxied, connect_args={"options": f"-csearch_path={schema}"})
    migrate.upgrade(engine)
    try:
        yield Outage(Repository.on(engine), proxy.cut, proxy.restore)
    finally:
        proxy.restore()
        engine.dispose()
        proxy.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite(path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outage]:
    monkeypatch.setattr(engines, "BUSY_TIMEOUT_MS", 300)
    engine = engines.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    holder: list[sqlite3.Connection] = []

    def lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        holder.append(other)

    def unlock() -> None:
        while holder:
            other = holder.pop()
            other.execute("COMMIT")
            other.close()

    try:
        yield Outage(Repository.on(engine), lock, unlock)
    finally:
        unlock()
        engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    if POSTGRES_URL
    else ["sqlite"]
)
def outage(request, tmp_path, monkeypatch) -> Iterator[Outage]:  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        yield from _postgres()
    else:
        yield from _sqlite(str(tmp_path / "values-bot.db"), monkeypatch)


@pytest.fixture
def down_world(fake_slack: FakeSlack, outage: Outage, clock: FakeClock) -> Iterator[SlackWorld]:
    with slack_world(fake_slack, outage.repo, clock) as built:
        yield built


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_nomination_during_an_outage_is_stored_once_the_database_is_back(
    down_world: SlackWorld, outage: Outage
):
    world = down_world
    thread = world.post_today()
    event = world.reply_event(thread, f"<@{NOMINEE}> stayed late to fix the customer's order")

    outage.begin()
    try:
        first = world.send_event(event)
        health = world.http.get(world.url.replace("/slack/events", "/healthz"))
        helped = world.command("U333", "help")
        settle(world.bot.work)
        told = [c.params.get("text", "") for c in world.fake.of("chat.postEphemeral")]
    finally:
        outage.end()

    assert first.status_code == 503  # not acknowledged: Slack will deliver it again
    assert health.status_code == 503 and health.json()["database"] == "unreachable"
    assert helped.status_code == 200 and "/values" in helped.text  # the bot keeps answering
    assert any("database" in t and "save" in t for t in told), told

    _wait(lambda: len(world.evidence()) == 1)  # the bot's own retry, once the database answers
    world.fake.wait_for("reactions.add")
    again = world.send_event(event, retry=1)  # …and Slack's redelivery a minute later
    settle(world.bot.work)

    assert again.status_code == 200
    assert world.evidence() == [
        (f"slack:{NOMINEE}", "slack:U333", "stayed late to fix the customer's order")
    ]
    assert len(world.fake.of("reactions.add")) == 1
    assert world.bot.retry.pending() == 0


def test_a_summary_during_an_outage_says_to_try_again(down_world: SlackWorld, outage: Outage):
    """A manager's summary must be audited; with no database to log it, nothing is shown."""
    world = down_world
    world.post_today()
    outage.begin()
    try:
        answer = world.command(MANAGER, "summary")
        settle(world.bot.work)
    finally:
        outage.end()

    assert answer.status_code == 200
    said = [c.params.get("text", "") for c in world.fake.responses()]
    assert any("try again" in t for t in said), said
