"""Slack requests, tried as an attacker would (issue 11): a signed request runs once, answers
go only to Slack's hooks, unsigned bodies are refused before they are parsed, and the HTTP
server does not let slow or numerous clients hold it. Real Bolt app, real uvicorn, real HTTP.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from bot.cli.run import web_app
from bot.ops.metrics import METRICS
from bot.ops.web import WebApp
from tests.fakes import settle
from tests.serving import served
from tests.slack.conftest import (
    ADMIN,
    MANAGER,
    MEMBER,
    TEAM,
    SlackWorld,
    sample,
    signed_headers,
)


def _command_fields(world: SlackWorld, user: str, text: str, **extra: str) -> dict[str, str]:
    fields = dict(parse_qsl(sample("slash_command_form_body.json")["body"]))
    return (
        fields
        | {
            "command": "/values",
            "text": text,
            "user_id": user,
            "channel_id": "C111",
            "team_id": TEAM,
            "response_url": f"{world.fake.url}respond/{user}-{time.monotonic_ns()}",
        }
        | extra
    )


def _post_form(world: SlackWorld, fields: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    raw = urlencode(fields)
    headers = headers or signed_headers(raw, kind="application/x-www-form-urlencoded")
    return world.http.post(world.url, content=raw, headers=headers), headers


def test_a_replayed_slash_command_runs_once(world: SlackWorld) -> None:
    fields = _command_fields(world, ADMIN, "subscribe 10:15")
    first, headers = _post_form(world, fields)
    assert first.status_code == 200 and "10:15" in first.text
    world.command(ADMIN, "unsubscribe")
    again, _ = _post_form(world, fields, headers)  # the captured request, sent again
    assert again.status_code == 200 and again.text == ""  # acknowledged, ignored
    sub = world.repo.subscriptions.get(platform="slack", workspace=TEAM, channel="C111")
    assert sub is not None and not sub.active  # the replay did not subscribe it again


def test_a_replay_is_refused_by_another_replica_too(world: SlackWorld) -> None:
    fields = _command_fields(world, MANAGER, "summary")
    first, headers = _post_form(world, fields)
    assert first.status_code == 200
    other = web_app(world.runtime, [world.bot])  # another process, the same database
    with served(other) as base:
        raw = urlencode(fields)
        again = httpx.post(f"{base}/slack/events", content=raw, headers=headers)
    assert again.status_code == 200 and again.text == ""
    settle(world.bot.work)
    assert len(world.fake.responses()) == 1  # one summary, not two


def test_an_answer_never_goes_to_a_response_url_off_slack(world: SlackWorld) -> None:
    with served(_Recorder()) as evil:
        fields = _command_fields(world, MANAGER, "summary", response_url=f"{evil}/steal")
        response, _ = _post_form(world, fields)
        assert response.status_code == 200
        settle(world.bot.work)
        assert _Recorder.hits == []
    assert world.command(MEMBER, "help").status_code == 200  # and the bot carries on


class _Recorder:
    hits: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        _Recorder.hits.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_the_word_payload_in_a_command_is_just_a_word(world: SlackWorld) -> None:
    response = world.command(MEMBER, "help payload")
    assert response.status_code == 200
    assert "don't know" in response.text or "/values" in response.text


@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
    ids=["deep-list", "deep-object"],
)
def test_json_nested_too_deep_is_400_signed_and_401_unsigned(world: SlackWorld, raw: str) -> None:
    signed = world.http.post(world.url, content=raw, headers=signed_headers(raw))
    unsigned = world.http.post(world.url, content=raw, headers={"content-type": "application/json"})
    assert (signed.status_code, unsigned.status_code) == (400, 401)


def test_unsigned_requests_are_refused_before_their_body_is_read(world: SlackWorld) -> None:
    form = urlencode({"payload": "{not json"})
    response = world.http.post(
        world.url, content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("stamp", ["１７００００００００", "٣", "²", "+17", "17.5"])
def test_a_timestamp_of_anything_but_ascii_digits_is_401(world: SlackWorld, stamp: str) -> None:
    raw = json.dumps({"type": "event_callback"})
    headers = signed_headers(raw)
    headers["x-slack-request-timestamp"] = stamp
    encoded = {k: v.encode("utf-8") for k, v in headers.items()}
    assert world.http.post(world.url, content=raw, headers=encoded).status_code == 401


def test_signed_interactivity_with_a_broken_payload_is_400(world: SlackWorld) -> None:
    raw = urlencode({"payload": "[1, 2"})
    headers = signed_headers(raw, kind="application/x-www-form-urlencoded")
    assert world.http.post(world.url, content=raw, headers=headers).status_code == 400


def _app() -> WebApp:
    return WebApp(health=lambda: {"ok": True}, metrics_token="s3cret-scrape")


def test_a_client_that_sends_its_headers_too_slowly_is_cut_off() -> None:
    with served(_app(), slow_seconds=0.5) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            started = time.monotonic()
            assert slow.recv(100) == b""  # closed by the server
            assert time.monotonic() - started < 3
        assert httpx.get(f"{base}/healthz").status_code == 200  # others are still served


def test_a_client_that_sends_its_body_too_slowly_is_cut_off(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import bot.ops.web

    monkeypatch.setattr(bot.ops.web, "SLOW_SECONDS", 0.5)
    with served(_app()) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
            reply = slow.recv(200)
    assert reply == b"" or b"408" in reply or b"404" in reply


def test_connections_are_capped() -> None:
    with served(_app(), max_connections=2, slow_seconds=5) as base:
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        for conn in idle:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)
        assert httpx.get(f"{base}/healthz").status_code == 503
        for conn in idle:
            conn.close()


def test_metrics_need_the_bearer_token_when_one_is_set() -> None:
    METRICS.posts.inc(platform="slack", outcome="posted")
    with served(_app()) as base:
        assert httpx.get(f"{base}/metrics").status_code == 401
        wrong = {"authorization": "Bearer guess"}
        assert httpx.get(f"{base}/metrics", headers=wrong).status_code == 401
        good = httpx.get(f"{base}/metrics", headers={"authorization": "Bearer s3cret-scrape"})
        assert good.status_code == 200 and "values_bot" in good.text


def test_metrics_can_live_on_their_own_address() -> None:
    from bot.ops.admin import AdminApp

    app = WebApp(health=lambda: {"ok": True}, metrics=False)
    with served(app) as base, served(AdminApp()) as metrics:
        assert httpx.get(f"{base}/metrics").status_code == 404
        assert httpx.get(f"{metrics}/metrics").status_code == 200
        assert httpx.get(f"{metrics}/healthz").status_code == 404


def test_a_slack_command_word_with_a_link_or_broadcast_stays_text(world: SlackWorld) -> None:
    response = world.command(MEMBER, "<http://x|bonus> <!channel>")
    text = response.json()["text"]
    assert "bonus" in text and "<http" not in text and "<!channel>" not in text


def test_the_edge_refuses_ids_longer_than_their_column() -> None:
    """The edge's limit is the column's size, so a long id is ignored, never a failed insert."""
    from bot.core.messages import MAX_ID
    from storage.tables import DailyPostRow, EvidenceRow, RetractionRow

    for table in (EvidenceRow, RetractionRow, DailyPostRow):
        columns = table.__table__.columns  # type: ignore[attr-defined]
        for name in ("workspace", "channel", "source_message_id", "message_id"):
            if name in columns:
                assert columns[name].type.length == MAX_ID, (table, name)
        for name in ("nominee", "nominator"):
            if name in columns:
                assert columns[name].type.length >= len("dingtalk:") + MAX_ID


def test_a_reply_in_a_channel_with_an_overlong_id_is_ignored_not_a_500(world: SlackWorld) -> None:
    post = world.post_today()
    body = world.reply_event(post, "<@W222> stayed late to walk a customer through it")
    body["event"]["channel"] = "C" + "X" * 64
    assert world.send_event(body).status_code == 200
    body = world.reply_event(post, "<@W222> stayed late to walk a customer through it")
    body["event"]["ts"] = "1" * 70
    assert world.send_event(body).status_code == 200
    assert world.evidence() == []


def test_an_admin_summary_of_a_channel_typed_without_its_platform(world: SlackWorld) -> None:
    """`/values summary #C111` typed by hand (not picked, so no <#C111|name>)."""
    world.command(ADMIN, "summary #C111")
    from tests.slack.test_commands import answer

    reply = answer(world)
    assert "#C111" in reply["text"] and "went wrong" not in reply["text"]


def test_a_known_word_the_service_does_not_route_is_unknown_not_a_subscription(
    world: SlackWorld,
) -> None:
    from bot.core.commands import Command
    from bot.core.messages import Place

    service = world.runtime.service
    [reply] = service._run(Place("slack", TEAM, "C999"), f"slack:{ADMIN}", Command("nonsense"))
    assert reply.key == "unknown_command"
    assert world.repo.subscriptions.get(platform="slack", workspace=TEAM, channel="C999") is None


def test_a_locked_sqlite_database_gets_slack_a_retryable_answer_in_time(
    fake_slack,
    sqlite_url,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    """Another process holds the write lock: Slack gets 503 (it redelivers) before its own
    3-second timeout, and /healthz says so at once rather than waiting out the lock."""
    import sqlite3

    from storage.repository import open_repository
    from tests.slack.conftest import slack_world

    repo = open_repository(sqlite_url)
    with slack_world(fake_slack, repo, clock) as world:
        post = world.post_today()
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            raw = json.dumps(world.reply_event(post, "<@W222> stayed late to help a customer"))
            as_slack = httpx.Client(timeout=3.0)  # Slack gives up after 3 s
            answer = as_slack.post(world.url, content=raw, headers=signed_headers(raw))
            assert answer.status_code == 503
            health = httpx.get(world.url.replace("/slack/events", "/healthz"), timeout=1.5)
            assert health.status_code == 503 and health.json()["database"] == "unreachable"
        finally:
            holder.execute("COMMIT")
            holder.close()
        health = httpx.get(world.url.replace("/slack/events", "/healthz"), timeout=1.5)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        assert world.send_event(json.loads(raw), retry=1).status_code == 200  # redelivered
        assert len(world.evidence()) == 1
    repo.close()
