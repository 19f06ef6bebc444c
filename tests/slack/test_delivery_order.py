"""Slack delivers at least once and in no promised order (R6): the evidence must not care."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fakes import settle
from tests.slack.conftest import CHANNEL, MEMBER, SlackWorld, delete_event, edit_event

PEOPLE = ["U500", "U501", "U502", "U503", "U504", "W222"]


@dataclass
class Message:
    ts: str
    author: str
    versions: list[tuple[list[str], str]]  # (nominees, story), the original first
    deleted: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    def expected(self) -> set[tuple[str, str, str]]:
        if self.deleted:
            return set()
        nominees, story = self.versions[-1]
        return {(f"slack:{n}", f"slack:{self.author}", story) for n in nominees}


def _text(nominees: list[str], story: str) -> str:
    return " ".join(f"<@{n}>" for n in nominees) + " " + story


def _conversation(world: SlackWorld, thread: str, rng: random.Random, count: int) -> list[Message]:
    base = world.clock.now().timestamp() + 60
    messages = []
    for i in range(count):
        author = rng.choice([MEMBER, *PEOPLE[:3]])
        others = [p for p in PEOPLE if p != author]
        ts = f"{base + i:.6f}"
        versions = []
        for v in range(1 + rng.choice([0, 0, 1, 2])):
            story = f"case {i} version {v}: stayed late to fix the customer's order"
            versions.append((rng.sample(others, rng.randint(1, 2)), story))
        message = Message(ts=ts, author=author, versions=versions, deleted=rng.random() < 0.25)
        nominees, story = versions[0]
        message.events.append(world.reply_event(thread, _text(nominees, story), user=author, ts=ts))
        for v, (nominees, story) in enumerate(versions[1:], start=1):
            body = edit_event(CHANNEL, ts, thread, author, _text(nominees, story))
            body["event"]["message"]["edited"] = {"user": author, "ts": f"{base + 500 + i + v:.6f}"}
            body["event_id"] = f"EvEdit{i}x{v}"
            message.events.append(body)
        if message.deleted:
            body = delete_event(CHANNEL, ts)
            body["event"]["previous_message"] |= {"user": author, "thread_ts": thread}
            body["event_id"] = f"EvDel{i}"
            message.events.append(body)
        messages.append(message)
    return messages


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_repeated_one_to_four_times_in_any_order_give_exactly_the_final_evidence(
    world: SlackWorld, seed: int
):
    rng = random.Random(seed)
    thread = world.post_today()
    messages = _conversation(world, thread, rng, count=24)
    deliveries = [
        (event, attempt)
        for message in messages
        for event in message.events
        for attempt in range(rng.randint(1, 4))
    ]
    rng.shuffle(deliveries)
    # the hardest order for one deleted message: its delete before the message and its edits
    gone = next(m for m in messages if m.deleted)
    deliveries = [(e, 0) for e in [gone.events[-1], *gone.events[:-1]]] + [
        d for d in deliveries if d[0] not in gone.events
    ]

    statuses = {
        world.send_event(event, retry=attempt or None).status_code for event, attempt in deliveries
    }
    settle(world.bot.work)

    assert statuses == {200}
    expected = set().union(*(m.expected() for m in messages))
    stored = world.evidence()
    assert len(stored) == len(set(stored))  # no case twice
    assert set(stored) == expected
    assert any(m.deleted for m in messages) and any(len(m.versions) > 1 for m in messages)
