"""Closed cycles are frozen (issue 11), on SQLite and PostgreSQL.

A case belongs to the cycle of the moment it was told (the message's own time, in the
channel's time zone). Once that cycle has ended plus BOT_CYCLE_GRACE_DAYS workdays (default
3), an edit, a delete or a late nomination that would change its evidence is refused with a
reply to its author, and nothing changes.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.cycles import quarter
from bot.core.messages import Incoming, Place
from bot.core.nominations import Mention
from bot.wiring import Runtime
from storage.evidence import EvidenceFilter
from tests.fakes import shanghai

PLACE = Place("slack", "T1", "C1")
ALICE, BOB = "slack:UALICE", "slack:UBOB"
Q4, Q1 = quarter(2026, 4), quarter(2027, 1)


def _post(runtime: Runtime, day: datetime) -> str:
    runtime.clock.set(day)  # type: ignore[attr-defined]
    sub = runtime.repo.subscriptions.save(
        platform="slack", workspace="T1", channel="C1", post_at="09:30",
        timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=day,
    )  # fmt: skip
    runtime.posts.post_now(sub, lambda *_: f"{day.timestamp():.6f}")
    post = runtime.repo.posts.on_date(
        platform="slack", workspace="T1", channel="C1", local_date=day.date()
    )
    assert post is not None and post.message_id
    return post.message_id


def _reply(post: str, message: str, at: datetime, story: str, kind: str = "message") -> Incoming:
    text = f"<@UBOB> {story}"
    return Incoming(
        place=PLACE, author=ALICE, message_id=message, text=text, at=at,
        mentions=[Mention(BOB, 0, 7)], kind=kind, thread_of=post,
        revised=at if kind == "edit" else None,
    )  # fmt: skip


def _stories(runtime: Runtime, cycle) -> list[str]:  # type: ignore[no-untyped-def]
    selection = EvidenceFilter(cycle.starts_on, cycle.ends_on)
    return [r.story for r in runtime.repo.exports.records(selection)]


def test_the_last_day_of_a_quarter_and_a_reply_the_next_morning(runtime: Runtime) -> None:
    post = _post(runtime, shanghai(2026, 12, 31, 9, 30))
    late_night = _reply(post, "m1", shanghai(2026, 12, 31, 23, 50), "fixed the outage at night")
    next_morning = _reply(post, "m2", shanghai(2027, 1, 1, 8, 30), "wrote the incident review")
    runtime.clock.set(shanghai(2027, 1, 1, 9, 0))  # type: ignore[attr-defined]
    assert runtime.service.handle(late_night)[0].key == "nomination_ack"
    assert runtime.service.handle(next_morning)[0].key == "nomination_ack"
    assert _stories(runtime, Q4) == ["fixed the outage at night"]
    assert _stories(runtime, Q1) == ["wrote the incident review"]


def test_an_edit_within_the_grace_days_counts_and_after_them_is_refused(
    runtime: Runtime,
) -> None:
    post = _post(runtime, shanghai(2026, 12, 31, 9, 30))
    told = shanghai(2026, 12, 31, 10, 0)
    assert runtime.service.handle(_reply(post, "m1", told, "fixed the outage at night"))
    # three workdays after Dec 31: through Jan 5 (or Jan 6 once New Year is a holiday in the
    # calendar; `holidays` does not cover 2027 yet), never Jan 7
    runtime.clock.set(shanghai(2027, 1, 5, 18, 0))  # type: ignore[attr-defined]
    edit = _reply(post, "m1", shanghai(2027, 1, 5, 18, 0), "fixed the outage, all night", "edit")
    assert runtime.service.handle(edit)[0].key == "nomination_updated"
    runtime.clock.set(shanghai(2027, 1, 7, 9, 0))  # type: ignore[attr-defined]
    late = _reply(post, "m1", shanghai(2027, 1, 7, 9, 0), "rewritten after the close", "edit")
    [refusal] = runtime.service.handle(late)
    assert refusal.key == "refusal_cycle_closed" and refusal.context["cycle"] == "2026Q4"
    assert "2026Q4" in runtime.text.render(refusal)
    assert _stories(runtime, Q4) == ["fixed the outage, all night"]


def test_a_delete_after_the_close_is_refused_and_changes_nothing(runtime: Runtime) -> None:
    post = _post(runtime, shanghai(2026, 12, 30, 9, 30))
    runtime.service.handle(_reply(post, "m1", shanghai(2026, 12, 30, 10, 0), "a real story here"))
    runtime.clock.set(shanghai(2027, 2, 1, 9, 0))  # type: ignore[attr-defined]
    delete = _reply(post, "m1", shanghai(2027, 2, 1, 9, 0), "", "delete")
    [refusal] = runtime.service.handle(delete)
    assert refusal.key == "refusal_cycle_closed"
    assert _stories(runtime, Q4) == ["a real story here"]
    assert not runtime.repo.evidence.retracted(place=PLACE, message_id="m1")


def test_a_late_nomination_into_a_closed_cycle_is_refused(runtime: Runtime) -> None:
    post = _post(runtime, shanghai(2026, 12, 31, 9, 30))
    told = shanghai(2026, 12, 31, 11, 0)  # told in Q4, delivered (a backlog) in February
    runtime.clock.set(shanghai(2027, 2, 1, 9, 0))  # type: ignore[attr-defined]
    [refusal] = runtime.service.handle(_reply(post, "m9", told, "a story told on the last day"))
    assert refusal.key == "refusal_cycle_closed"
    assert _stories(runtime, Q4) == []


def test_the_grace_is_configurable(runtime: Runtime) -> None:
    from dataclasses import replace

    runtime.service.options = replace(runtime.service.options, cycle_grace_days=0)
    post = _post(runtime, shanghai(2026, 12, 31, 9, 30))
    runtime.clock.set(shanghai(2027, 1, 1, 9, 0))  # type: ignore[attr-defined]
    told = shanghai(2026, 12, 31, 11, 0)
    [refusal] = runtime.service.handle(_reply(post, "m3", told, "a story told on the last day"))
    assert refusal.key == "refusal_cycle_closed"
