"""Storage contract, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import inspect

from bot.core.messages import Place
from bot.core.permissions import Role
from storage import migrate
from storage.evidence import EvidenceFilter
from storage.tables import metadata

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PLACE = Place("slack", "T1", "C1")
DAY = date(2026, 11, 23)
ALL = EvidenceFilter(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))


def subscribe(repo, channel="C1"):
    return repo.subscriptions.save(
        platform="slack", workspace="T1", channel=channel, post_at="09:30", timezone="Asia/Shanghai",
        country="CN", days_off=frozenset(), now=NOW,
    )  # fmt: skip


def claim(repo, sub, day=DAY, by="replica-a"):
    return repo.posts.claim(
        subscription_id=sub.id, local_date=day, pick=lambda cursor: f"customer-first:{cursor + 1}",
        claimed_by=by, lease_until=NOW + timedelta(minutes=5),
    )  # fmt: skip


def record(repo, post, message_id="m1", nominees=("slack:U2",), story="a concrete story here"):
    return repo.evidence.record(
        place=PLACE, message_id=message_id, nominees=nominees, nominator="slack:U1",
        daily_post_id=post.id, criterion_key=post.criterion_key, story=story, link="",
        nominated_on=DAY, now=NOW,
    )  # fmt: skip


def test_migrations_build_exactly_the_tables_the_code_declares(engine):
    """`db upgrade` reaches head and creates every table and column of the models."""
    migrate.upgrade(engine)

    tables = inspect(engine)
    assert migrate.is_up_to_date(engine)
    assert {name: {c.name for c in table.columns} for name, table in metadata.tables.items()} == {
        name: {c["name"] for c in tables.get_columns(name)} for name in metadata.tables
    }


def test_a_day_is_claimed_once_and_the_cursor_moves_once(repo):
    """Invariant 1: the second claim of the same channel and date gets nothing."""
    sub = subscribe(repo)

    first, second = claim(repo, sub), claim(repo, sub, by="replica-b")

    assert first.criterion_key == "customer-first:1"
    assert second is None
    assert (
        repo.subscriptions.get(platform="slack", workspace="T1", channel="C1").rotation_cursor == 1
    )


def test_racing_claims_produce_exactly_one_winner(repo):
    """Eight threads claiming the same day: one post, no database errors."""
    sub = subscribe(repo)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: claim(repo, sub, by=f"r{i}"), range(8)))

    assert sum(r is not None for r in results) == 1


def test_the_next_day_shows_the_next_criterion(repo):
    sub = subscribe(repo)
    claim(repo, sub)

    assert claim(repo, sub, day=DAY + timedelta(days=1)).criterion_key == "customer-first:2"


def test_a_retried_nomination_is_stored_once(repo):
    """Invariant 2: the same message twice changes nothing."""
    post = claim(repo, subscribe(repo))

    assert record(repo, post) == ["slack:U2"]
    assert record(repo, post) == []
    assert sum(cases for _nominee, _key, cases in repo.evidence.counts(ALL)) == 1


def test_edits_update_and_deletes_retract(repo):
    post = claim(repo, subscribe(repo))
    record(repo, post, nominees=("slack:U2", "slack:U3"))

    repo.evidence.edit(
        place=PLACE,
        message_id="m1",
        nominees=["slack:U2", "slack:U4"],
        story="the edited story",
        now=NOW,
    )
    after_edit = sorted((nominee, cases) for nominee, _key, cases in repo.evidence.counts(ALL))
    stories = {
        c.story
        for cases in repo.evidence.newest(
            ALL, 3, {n for n, _k, _c in repo.evidence.counts(ALL)}
        ).values()
        for c in cases
    }
    repo.evidence.delete(place=PLACE, message_id="m1", now=NOW)

    assert after_edit == [("slack:U2", 1), ("slack:U4", 1)]
    assert {"the edited story"} == stories
    assert list(repo.evidence.counts(ALL)) == []
    assert record(repo, post) == []  # a late retry of the original does not bring it back
    assert (
        repo.evidence.edit(
            place=PLACE, message_id="m1", nominees=["slack:U2"], story="again", now=NOW
        )
        is None
    )
    assert list(repo.evidence.counts(ALL)) == []


def test_filters_select_by_channel_person_value_and_dates(repo):
    post = claim(repo, subscribe(repo))
    other = claim(repo, subscribe(repo, channel="C2"))
    record(repo, post, message_id="a")
    repo.evidence.record(
        place=Place("slack", "T1", "C2"), message_id="b", nominees=["slack:U3"], nominator="slack:U1",
        daily_post_id=other.id, criterion_key="teamwork:3", story="x" * 20, link="", nominated_on=DAY, now=NOW,
    )  # fmt: skip

    def people(**kw):
        selection = EvidenceFilter(starts_on=DAY, ends_on=DAY, **kw)
        return sorted(nominee for nominee, _key, _cases in repo.evidence.counts(selection))

    assert people(channels=frozenset({"slack:C1"})) == ["slack:U2"]
    assert people(value_key="teamwork") == ["slack:U3"]
    assert people(nominee="slack:U3") == ["slack:U3"]
    later = EvidenceFilter(starts_on=DAY + timedelta(days=1), ends_on=DAY + timedelta(days=9))
    assert list(repo.evidence.counts(later)) == []


def test_erasing_a_person_removes_their_cases_and_hides_their_name(repo):
    post = claim(repo, subscribe(repo))
    record(repo, post, message_id="about-u2")
    repo.evidence.record(
        place=PLACE, message_id="by-u2", nominees=["slack:U3"], nominator="slack:U2", daily_post_id=post.id,
        criterion_key=post.criterion_key, story="y" * 20, link="", nominated_on=DAY, now=NOW,
    )  # fmt: skip

    removed, renamed = repo.evidence.erase_person(person="slack:U2", pseudonym="erased:x", now=NOW)

    records = list(repo.exports.records(ALL))
    assert (removed, renamed) == (1, 1)
    assert [(r.nominee, r.nominator) for r in records] == [("slack:U3", "erased:x")]


def test_roles_and_audit(repo):
    repo.governance.grant(
        person="slack:M", role=Role.MANAGER, channel="slack:C1", by="cli:root", now=NOW
    )
    repo.governance.grant(
        person="slack:M", role=Role.MANAGER, channel="slack:C1", by="cli:root", now=NOW
    )
    repo.governance.audit(
        actor="slack:M", action="summary", at=NOW, scope="all", subjects=["slack:U2"]
    )

    access = repo.governance.access("slack:M")
    assert frozenset({"slack:C1"}) == access.managed_channels
    assert not access.is_admin
    assert repo.governance.access("slack:A", admins=["slack:A"]).is_admin
    assert repo.governance.audit_log()[0].subjects == ("slack:U2",)


def test_names_are_remembered_refreshed_and_forgotten(repo):
    now = datetime(2026, 11, 23, tzinfo=UTC)
    repo.people.remember({"dingtalk:1": "王五", "dingtalk:2": "  ", "dingtalk:3": "赵六"}, now=now)
    repo.people.remember({"dingtalk:1": "王小五"}, now=now)
    assert repo.people.names(["dingtalk:1", "dingtalk:2", "dingtalk:3", "dingtalk:4"]) == {
        "dingtalk:1": "王小五",
        "dingtalk:3": "赵六",
    }
    repo.people.forget(person="dingtalk:1")
    assert repo.people.names(["dingtalk:1"]) == {}


def test_exported_moments_are_the_iso_text_python_writes(repo):
    """The database writes export dates; they must read exactly as datetime.isoformat()."""
    post = claim(repo, subscribe(repo))
    moments = [
        datetime(2026, 11, 23, 2, 0, tzinfo=UTC),  # no microseconds: none shown
        datetime(2026, 11, 23, 2, 0, 5, 123000, tzinfo=UTC),
        datetime(2026, 11, 23, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 24, 1, 30, 0, 7, tzinfo=timezone(timedelta(hours=8))),  # not UTC
    ]
    for n, moment in enumerate(moments):
        repo.evidence.record(
            place=PLACE, message_id=f"m{n}", nominees=["slack:U2"], nominator="slack:U1",
            daily_post_id=post.id, criterion_key=post.criterion_key, story="a concrete story",
            link="", nominated_on=DAY, now=moment,
        )  # fmt: skip
    edited = datetime(2026, 11, 25, 8, 15, 30, 500, tzinfo=UTC)
    repo.evidence.edit(place=PLACE, message_id="m0", nominees=["slack:U2"], story="new", now=edited)

    records = list(repo.exports.records(ALL))

    assert [(r.nominated_on, r.created_at) for r in records] == [
        ("2026-11-23", m.astimezone(UTC).isoformat()) for m in moments
    ]
    assert records[0].updated_at == edited.isoformat() == "2026-11-25T08:15:30.000500+00:00"
    assert records[1].updated_at == "2026-11-23T02:00:05.123000+00:00"


def test_newest_cases_read_meanwhile_are_the_same_as_read_after(repo):
    """PostgreSQL reads the newest cases on a second connection while the counts are read."""
    post = claim(repo, subscribe(repo))
    for n in range(5):
        record(repo, post, message_id=f"m{n}", nominees=("slack:U2", f"slack:U{n + 3}"))
    people = {nominee for nominee, _key, _cases in repo.evidence.counts(ALL)}

    with repo.evidence.newest_meanwhile(ALL, 3) as newest_of:
        meanwhile = newest_of(people)

    assert meanwhile == repo.evidence.newest(ALL, 3, people)
    assert len(meanwhile["slack:U2"]) == 3
    assert set(meanwhile) == people


def test_a_database_error_names_no_value_so_no_story_reaches_a_log(repo) -> None:  # type: ignore[no-untyped-def]
    """The engine hides bound parameters: a failed statement's message carries no story."""
    import pytest
    from sqlalchemy import insert
    from sqlalchemy.exc import SQLAlchemyError

    from storage.tables import EvidenceRow

    secret_story = "a confidential story about a colleague's appraisal"
    with pytest.raises(SQLAlchemyError) as failed, repo.engine.begin() as connection:
        connection.execute(
            insert(EvidenceRow.__table__).values(story=secret_story)  # type: ignore[attr-defined]
        )  # every other column is missing: NOT NULL fails
    import traceback

    logged = "".join(traceback.format_exception(failed.value))  # what log.exception writes
    assert secret_story not in logged
    assert "hidden" in str(failed.value).lower()
