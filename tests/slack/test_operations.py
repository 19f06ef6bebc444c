"""Operations: /healthz, /metrics and one log line per event (ids, never the story)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from bot.cli.run import health_report
from tests.fakes import settle
from tests.slack.conftest import NOMINEE, SlackWorld

STORY = "carried the customer's boxes up six floors"


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$" if labels else rf"^{name} (\S+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_nominations_refusals_and_acknowledgement_time(world: SlackWorld):
    base = world.url.replace("/slack/events", "")
    before = world.http.get(f"{base}/metrics").text
    thread = world.post_today()

    world.send_event(world.reply_event(thread, f"<@{NOMINEE}> {STORY}"))
    world.send_event(world.reply_event(thread, f"<@{NOMINEE}> short", ts="1795399999.000100"))
    settle(world.bot.work)
    response = world.http.get(f"{base}/metrics")
    after = response.text

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    nominations = "values_bot_nominations_total"
    refusals = "values_bot_refusals_total"
    assert (
        _metric(after, nominations, platform="slack")
        == _metric(before, nominations, platform="slack") + 1
    )
    assert (
        _metric(after, refusals, platform="slack", reason="story_too_short")
        == _metric(before, refusals, platform="slack", reason="story_too_short") + 1
    )
    assert _metric(after, "values_bot_daily_posts_total", outcome="posted", platform="slack") >= 1
    acks = "values_bot_ack_seconds_count"
    assert _metric(after, acks, platform="slack") >= _metric(before, acks, platform="slack") + 2
    assert "# TYPE values_bot_ack_seconds histogram" in after


def test_one_log_line_per_event_with_ids_and_never_the_story(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
):
    thread = world.post_today()
    event = world.reply_event(thread, f"<@{NOMINEE}> {STORY}")
    with caplog.at_level(logging.INFO):
        world.send_event(event)
        world.send_event(event, retry=1)
        settle(world.bot.work)

    lines = [r.getMessage() for r in caplog.records if r.name == "values_bot.events"]
    assert len(lines) == 2
    assert all(event["event"]["ts"] in line and "channel=C111" in line for line in lines)
    assert "outcome=nomination_ack" in lines[0] and "outcome=nothing_new" in lines[1]
    assert not any(STORY in r.getMessage() for r in caplog.records)
    assert not any("six floors" in (r.exc_text or "") for r in caplog.records)


def test_health_reports_a_scheduler_that_stopped_ticking(world: SlackWorld):
    runtime = world.runtime
    started = world.clock.now()

    assert health_report(runtime, ticking_since=started)["ok"]
    world.clock.advance(minutes=5)
    stale = health_report(runtime, ticking_since=started)
    runtime.posts.tick(world.bot.poster_for)
    fresh = health_report(runtime, ticking_since=started)

    assert stale["ok"] is False and stale["scheduler"] == "stale"
    assert fresh["ok"] is True and fresh["scheduler"] == "ok"
    assert fresh["last_tick"] == world.clock.now().isoformat()
    world.clock.advance(seconds=timedelta(minutes=1).total_seconds())
    assert health_report(runtime, ticking_since=started)["ok"]
