"""A real `values-bot run --http` process as an operator watches it: /metrics that Prometheus
parses, exact to the second, with process metrics; liveness apart from readiness; JSON logs with
one line per event, a timestamp on each, and never the story."""

from __future__ import annotations

import json
import signal
from datetime import datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.admin import AdminApp
from tests.fake_slack import FakeSlack
from tests.serving import served
from tests.slack.test_done_when import CHANNEL, STORY, cli, env  # noqa: F401 (fixture)
from tests.slack.test_shutdown import _posted, http_bot, nominate


def test_metrics_parse_and_the_last_tick_is_the_real_time_to_the_second(
    env: dict[str, str],  # noqa: F811
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post_ts = _posted(fake_slack, capsys)
    bot, base = http_bot(env | {"LOG_LEVEL": "INFO", "LOG_FORMAT": "json"})
    try:
        assert nominate(base, post_ts).is_success
        ready = httpx.get(f"{base}/readyz").json()
        scraped = httpx.get(f"{base}/metrics")
        live = httpx.get(f"{base}/livez")
        assert bot.stop(signal.SIGTERM)[0] == 0
    finally:
        bot.kill()

    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    (tick,) = families["values_bot_scheduler_last_tick_timestamp_seconds"].samples
    assert tick.value == pytest.approx(
        datetime.fromisoformat(ready["last_tick"]).timestamp(), abs=1
    )
    assert int(tick.value) == int(datetime.fromisoformat(ready["last_tick"]).timestamp())
    nominations = families["values_bot_nominations"].samples
    assert [s.value for s in nominations if s.name == "values_bot_nominations_total"] == [1.0]
    assert families["process_resident_memory_bytes"].samples[0].value > 10_000_000
    assert "process_start_time_seconds" in families
    assert live.status_code == 200 and ready["ok"] is True

    records = [json.loads(line) for line in bot.lines if line.startswith("{")]
    events = [r for r in records if r["message"].startswith("event platform=slack")]
    assert len(events) == 1 and "outcome=nomination_ack" in events[0]["message"]
    assert all(datetime.fromisoformat(r["ts"]) for r in records)
    assert not any(STORY in line for line in bot.lines)
    assert not [line for line in bot.lines if not line.startswith(("{", "values-bot:"))]


def test_liveness_holds_while_readiness_reports_the_database_away() -> None:
    down = {"ok": False, "database": "unreachable", "scheduler": "ok"}
    with served(AdminApp(health=lambda: down)) as base:
        assert httpx.get(f"{base}/livez").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 503
        assert httpx.get(f"{base}/healthz").json() == down
        assert httpx.get(f"{base}/metrics").status_code == 200
        assert httpx.post(f"{base}/livez").status_code == 404
