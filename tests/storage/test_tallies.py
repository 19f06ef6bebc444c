"""The tallies the overview reads are kept by database triggers; after any history of
nominations, edits, deletions, undos, confirmations, moves, hiding, erasure, retention, pack
migrations and posts, every tally equals a recount of the evidence by plain SQL.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.core.messages import Place
from bot.core.model import PostStatus
from storage.repository import Repository

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PEOPLE = ["console:a", "console:b", "console:c", "console:d"]
PLACES = [Place("console", "local", "one"), Place("console", "local", "two")]
DAYS = [date(2026, 9, 29) + timedelta(days=n) for n in range(5)]  # across 2026Q3 and 2026Q4
CRITERIA = ["customer-first:1", "customer-first:2", "teamwork:3"]
MESSAGES = ["m1", "m2", "m3"]

place = st.sampled_from(PLACES)
message = st.sampled_from(MESSAGES)
operation = st.one_of(
    st.tuples(
        st.just("record"),
        place,
        message,
        st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True),
        st.sampled_from(PEOPLE),
        st.sampled_from(CRITERIA),
        st.sampled_from(DAYS),
        st.booleans(),
    ),
    st.tuples(st.just("edit"), place, message, st.lists(st.sampled_from(PEOPLE), max_size=3)),
    st.tuples(st.sampled_from(["delete", "confirm", "withdraw"]), place, message),
    st.tuples(st.just("move"), place, message, st.sampled_from(CRITERIA)),
    st.tuples(st.sampled_from(["hide", "restore"]), st.integers(1, 12)),
    st.tuples(st.just("erase"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("purge"), st.sampled_from(DAYS)),
    st.tuples(st.just("remap"), st.sampled_from(CRITERIA), st.sampled_from(CRITERIA)),
    st.tuples(st.just("post"), place, st.sampled_from(DAYS), st.sampled_from(["posted", "missed"])),
)


def _post(repo: Repository, where: Place, day: date) -> int:
    found = repo.posts.on_date(
        platform=where.platform, workspace=where.workspace, channel=where.channel, local_date=day
    )
    if found is not None:
        return found.id
    sub = repo.subscriptions.get(
        platform=where.platform, workspace=where.workspace, channel=where.channel
    )
    assert sub is not None and sub.id is not None
    claimed = repo.posts.claim(
        subscription_id=sub.id,
        local_date=day,
        pick=lambda _cursor: CRITERIA[0],
        claimed_by="test",
        lease_until=NOW,
    )
    assert claimed is not None
    return claimed.id


def _apply(repo: Repository, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "record":
        _, where, msg, nominees, by, key, day, pending = op
        repo.evidence.record(
            place=where, message_id=msg, nominees=[p for p in nominees if p != by] or nominees,
            nominator=by, daily_post_id=_post(repo, where, day), criterion_key=key,
            story="a story long enough", link="", nominated_on=day, now=NOW,
            state="pending" if pending else "active",
        )  # fmt: skip
    elif kind == "edit":
        repo.evidence.edit(place=op[1], message_id=op[2], nominees=op[3], story="edited", now=NOW)
    elif kind == "delete":
        repo.evidence.delete(place=op[1], message_id=op[2], now=NOW)
    elif kind == "confirm":
        repo.cases.confirm(op[1], op[2], now=NOW)
    elif kind == "withdraw":
        repo.cases.withdraw(op[1], op[2], now=NOW)
    elif kind == "move":
        repo.cases.move_message(op[1], op[2], op[3], now=NOW)
    elif kind == "hide":
        repo.cases.hide(op[1], reason="r", by="console:boss", now=NOW)
    elif kind == "restore":
        repo.cases.restore(op[1], now=NOW)
    elif kind == "erase":
        repo.evidence.erase_person(person=op[1], pseudonym=f"erased:{op[1][-1]}", now=NOW)
    elif kind == "purge":
        repo.evidence.purge(through=op[1])
    elif kind == "remap":
        repo.cases.remap({op[1]: op[2]}, "another-pack", now=NOW)
    elif kind == "post":
        post_id = _post(repo, op[1], op[2])
        if op[3] == "posted":
            repo.posts.mark_posted(post_id=post_id, message_id=f"p{post_id}", at=NOW)
        else:
            repo.posts.settle(post_id=post_id, status=PostStatus.MISSED)


Q = {
    "sqlite": "(strftime('%Y', {c}) || 'Q' || ((CAST(strftime('%m', {c}) AS INTEGER) + 2) / 3))",
    "postgresql": "to_char({c}, 'YYYY\"Q\"Q')",
}


def recount(repo: Repository) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every tally, computed from the evidence and the posts by one plain query each."""
    q = Q[repo.engine.dialect.name].format(c="nominated_on")
    pq = Q[repo.engine.dialect.name].format(c="local_date")
    active = "FROM evidence WHERE state = 'active'"
    queries = {
        "day": f"SELECT nominated_on, count(*) {active} GROUP BY nominated_on",
        "person": f"SELECT {q}, 'e', nominee, count(*) {active} GROUP BY {q}, nominee "
        f"UNION ALL SELECT {q}, 'r', nominator, count(*) {active} GROUP BY {q}, nominator",
        "criterion": f"SELECT {q}, criterion_key, nominee, count(*) {active} "
        f"GROUP BY {q}, criterion_key, nominee",
        "level": f"SELECT {q}, criterion_key, count(DISTINCT nominee) {active} "
        f"GROUP BY {q}, criterion_key",
        "channel_cases": f"SELECT {q}, platform, channel, count(*) {active} "
        f"GROUP BY {q}, platform, channel",
        "channel_replies": f"SELECT {q}, platform, channel, "
        f"count(DISTINCT workspace || ' ' || source_message_id) {active} "
        f"GROUP BY {q}, platform, channel",
        "channel_posts": f"SELECT {pq}, platform, channel, count(*) FROM daily_post "
        f"WHERE status = 'posted' GROUP BY {pq}, platform, channel",
        "channel_day": f"SELECT platform, channel, nominated_on, count(*) {active} "
        "GROUP BY platform, channel, nominated_on",
    }
    return {name: _counted(repo, sql) for name, sql in queries.items()}


def tallied(repo: Repository) -> dict[str, Counter[tuple[Any, ...]]]:
    queries = {
        "day": "SELECT day, cases FROM tally_day",
        "person": "SELECT quarter, role, person, cases FROM tally_person",
        "criterion": "SELECT quarter, criterion_key, nominee, cases FROM tally_criterion",
        "level": "SELECT quarter, criterion_key, people FROM tally_level",
        "channel_cases": "SELECT quarter, platform, channel, cases FROM tally_channel",
        "channel_replies": "SELECT quarter, platform, channel, replies FROM tally_channel",
        "channel_posts": "SELECT quarter, platform, channel, posts FROM tally_channel",
        "channel_day": "SELECT platform, channel, day, cases FROM tally_channel_day",
    }
    return {name: _counted(repo, sql) for name, sql in queries.items()}


def _counted(repo: Repository, sql: str) -> Counter[tuple[Any, ...]]:
    with repo.engine.connect() as connection:
        rows = connection.execute(text(sql)).all()
    return Counter({tuple(str(v) for v in row[:-1]): int(row[-1]) for row in rows if row[-1]})


def _start(repo: Repository) -> None:
    with repo.engine.begin() as connection:
        for table in ("evidence", "retraction", "daily_post"):
            connection.execute(text(f"DELETE FROM {table}"))
        for table in ("day", "person", "criterion", "level", "channel", "channel_day"):
            connection.execute(text(f"DELETE FROM tally_{table}"))
    for where in PLACES:
        repo.subscriptions.save(
            platform=where.platform, workspace=where.workspace, channel=where.channel,
            post_at="09:30", timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=NOW,
        )  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(operation, min_size=1, max_size=25))
def test_every_tally_equals_a_recount_after_any_history(repo: Repository, history):
    _start(repo)

    for op in history:
        _apply(repo, op)

    assert tallied(repo) == recount(repo)
    assert newest_days(repo, tallied=True) == newest_days(repo, tallied=False)


def newest_days(repo: Repository, *, tallied: bool) -> dict[tuple[str, ...], str]:
    """Each channel's newest day with a counted case per quarter: kept, or recounted."""
    q = Q[repo.engine.dialect.name].format(c="nominated_on")
    sql = (
        "SELECT quarter, platform, channel, last_day FROM tally_channel"
        if tallied
        else f"SELECT {q}, platform, channel, max(nominated_on) FROM evidence "
        f"WHERE state = 'active' GROUP BY {q}, platform, channel"
    )
    with repo.engine.connect() as connection:
        rows = connection.execute(text(sql)).all()
    return {tuple(str(v) for v in row[:-1]): str(row[-1]) for row in rows if row[-1] is not None}


def test_a_database_with_cases_gets_its_tallies_when_it_upgrades(engine):
    """Migration 0011 counts what is stored already; the triggers carry on from there."""
    from storage import migrate

    migrate.upgrade(engine, "0010")
    repo = Repository.on(engine)
    _start_without_tallies(repo)
    _apply(
        repo, ("record", PLACES[0], "m1", ["console:b"], "console:a", CRITERIA[0], DAYS[4], False)
    )
    _apply(repo, ("post", PLACES[0], DAYS[4], "posted"))

    migrate.upgrade(engine)
    _apply(
        repo, ("record", PLACES[1], "m2", ["console:c"], "console:a", CRITERIA[1], DAYS[0], False)
    )

    assert tallied(repo) == recount(repo)
    assert newest_days(repo, tallied=True) == newest_days(repo, tallied=False)
    assert sum(tallied(repo)["day"].values()) == 2


def _start_without_tallies(repo: Repository) -> None:
    for where in PLACES:
        repo.subscriptions.save(
            platform=where.platform, workspace=where.workspace, channel=where.channel,
            post_at="09:30", timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=NOW,
        )  # fmt: skip


def test_retention_deletes_in_small_transactions_and_the_tallies_follow(repo: Repository):
    _start(repo)
    for n, day in enumerate(DAYS):
        _apply(
            repo,
            ("record", PLACES[n % 2], f"m{n}", ["console:b"], "console:a", CRITERIA[0], day, False),
        )

    removed = repo.evidence.purge(through=DAYS[3], batch=2)

    assert removed == 4
    assert tallied(repo) == recount(repo)
    assert newest_days(repo, tallied=True) == newest_days(repo, tallied=False)
    assert sum(tallied(repo)["day"].values()) == 1


@pytest.mark.parametrize(
    "then",
    [("purge", DAYS[0]), ("delete", PLACES[0], "m1"), ("erase", "console:b"), ("hide", 1)],
)
def test_a_reply_with_several_cases_is_counted_once_whatever_a_statement_takes(repo, then):
    """Hypothesis found it: one message naming three people, then retention (one DELETE of
    all three rows) took the reply off three times on PostgreSQL."""
    _start(repo)
    nominees = ["console:a", "console:b", "console:c"]
    _apply(repo, ("record", PLACES[0], "m1", nominees, "console:d", CRITERIA[0], DAYS[0], False))

    _apply(repo, then)

    assert tallied(repo) == recount(repo)
