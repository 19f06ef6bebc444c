"""Erasure sticks (issue 11): after `forget`, nothing brings a person's evidence back.

Through the real Bolt app and HTTP endpoint, on SQLite and PostgreSQL: Slack's retry of the
original event, an edit of an old message, a message the erased person wrote. Pseudonyms are
keyed, the audit log keeps no id, and other people's stories that still name them are listed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import text

from bot.core.cycles import quarter_of
from bot.core.messages import Place
from bot.wiring import build
from storage.evidence import EvidenceFilter
from tests.slack.conftest import ADMIN, MEMBER, NOMINEE, OTHER, SlackWorld, edit_event

STORY = "stayed late to walk a customer through the migration, step by step"


def _ts(world: SlackWorld, seconds: int) -> str:
    return f"{world.clock.now().timestamp() + seconds:.6f}"


def _records(world: SlackWorld) -> list[tuple[str, str, str]]:
    cycle = quarter_of(world.clock.now().date())
    return [
        (r.nominee, r.nominator, r.story)
        for r in world.repo.exports.records(EvidenceFilter(cycle.starts_on, cycle.ends_on))
    ]


def test_nothing_brings_an_erased_person_back(world: SlackWorld) -> None:
    post = world.post_today()
    about = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    by = world.reply_event(post, f"<@{OTHER}> {STORY}", user=NOMINEE, ts=_ts(world, 120))
    assert world.send_event(about).status_code == 200
    assert world.send_event(by).status_code == 200
    assert len(_records(world)) == 2

    done = world.runtime.service.reading.forget("cli:hr", f"slack:{NOMINEE}")
    assert (done.removed, done.renamed) == (1, 1)

    assert world.send_event(about, retry=1).status_code == 200  # Slack's retry
    assert world.send_event(by, retry=2).status_code == 200  # their own message, again
    edited = edit_event(
        "C111", about["event"]["ts"], post, MEMBER, f"<@{NOMINEE}> {STORY}, and again"
    )
    assert world.send_event(edited).status_code == 200  # an edit of the old message
    fresh = world.reply_event(post, f"<@{NOMINEE}> {STORY} once more", ts=_ts(world, 180))
    assert world.send_event(fresh).status_code == 200  # a new nomination of them
    records = _records(world)
    assert all(f"slack:{NOMINEE}" not in (nominee, nominator) for nominee, nominator, _ in records)
    assert [(n, s) for n, _, s in records] == [(f"slack:{OTHER}", STORY)]


def test_another_replica_and_a_restart_refuse_them_too(world: SlackWorld) -> None:
    post = world.post_today()
    about = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    world.send_event(about)
    world.runtime.service.reading.forget("cli:hr", f"slack:{NOMINEE}")
    other = build(
        world.runtime.settings, clock=world.clock, repo=type(world.repo).on(world.repo.engine)
    )
    from bot.platforms.slack.translate import incoming

    message = incoming(about)
    assert message is not None
    assert other.service.handle(message) == []
    assert _records(world) == []


def test_pseudonyms_are_keyed_and_the_audit_log_keeps_no_id(world: SlackWorld) -> None:
    post = world.post_today()
    world.send_event(world.reply_event(post, f"<@{OTHER}> {STORY}", user=NOMINEE))
    person = f"slack:{NOMINEE}"
    world.runtime.service.command(
        Place("slack", "T", "C111"), f"slack:{ADMIN}", f"summary @{person}"
    )  # an audited read naming them
    done = world.runtime.service.reading.forget("cli:hr", person)
    unsalted = hashlib.sha256(person.encode()).hexdigest()
    assert unsalted[:10] not in done.pseudonym and done.pseudonym.startswith("erased:")
    [(nominee, nominator, _)] = _records(world)
    assert nominator == done.pseudonym
    with world.repo.engine.connect() as connection:
        audit = connection.execute(
            text("SELECT actor, scope, subjects, detail FROM audit_log")
        ).all()
        erased = connection.execute(text("SELECT * FROM erased_person")).all()
    assert audit and all(person not in json.dumps(list(map(str, row))) for row in audit)
    assert any(done.pseudonym in row.subjects for row in audit)
    assert all(person not in json.dumps(list(map(str, row))) for row in erased)


def test_forget_lists_other_stories_that_still_name_them(world: SlackWorld) -> None:
    post = world.post_today()
    world.send_event(world.reply_event(post, f"<@{NOMINEE}> {STORY}"))
    world.send_event(
        world.reply_event(
            post, f"<@{OTHER}> covered for {NOMINEE} when the release slipped", ts=_ts(world, 240)
        )
    )
    done = world.runtime.service.reading.forget("cli:hr", f"slack:{NOMINEE}")
    assert [story for _, _, story in done.mentions] == [
        f"covered for {NOMINEE} when the release slipped"
    ]


def test_evidence_older_than_retention_cannot_come_back(
    fake_slack,
    repo,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    from tests.slack.conftest import slack_world

    with slack_world(fake_slack, repo, clock, retention_days=30) as world:
        post = world.post_today()
        old = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
        assert world.send_event(old).status_code == 200
        assert len(_records(world)) == 1
        clock.set(clock.now().replace(year=2027, month=3, day=1))  # Q4 closed > 30 days ago
        assert world.runtime.service.reading.apply_retention() is not None
        cycle = quarter_of(date(2026, 11, 23))
        assert (
            list(world.repo.exports.records(EvidenceFilter(cycle.starts_on, cycle.ends_on))) == []
        )
        assert world.send_event(old, retry=1).status_code == 200  # a redelivery, months later
        assert (
            list(world.repo.exports.records(EvidenceFilter(cycle.starts_on, cycle.ends_on))) == []
        )
