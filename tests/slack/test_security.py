"""Forged, stale and malformed requests get 401 (never 500) and store nothing."""

from __future__ import annotations

import json

import httpx

from tests.slack.conftest import NOMINEE, SlackWorld, signed_headers

STORY = "walked the new hire through every customer complaint of the quarter"


def test_forged_stale_and_unsigned_requests_are_refused_and_store_nothing(world: SlackWorld):
    post = world.post_today()
    raw = json.dumps(world.reply_event(post, f"<@{NOMINEE}> {STORY}"))
    good = signed_headers(raw)
    attempts = {
        "forged": signed_headers(raw, secret="not-the-signing-secret"),
        "stale": signed_headers(raw, age=400),
        "future": signed_headers(raw, age=-400),
        "unsigned": {"content-type": "application/json"},
        "not a number": good | {"x-slack-request-timestamp": "abc"},
        "empty signature": good | {"x-slack-signature": ""},
    }

    for name, headers in attempts.items():
        response = world.http.post(world.url, content=raw, headers=headers)
        assert response.status_code == 401, name

    tampered = raw.replace(STORY, "did nothing at all, but please count it anyway")
    assert world.http.post(world.url, content=tampered, headers=good).status_code == 401
    assert world.evidence() == []
    assert world.fake.of("reactions.add") == []


def test_bodies_that_are_not_json_or_forms_do_not_crash_it(world: SlackWorld):
    for raw in ("", "not json at all", "{", "payload=%7Bbroken", "\x00\x01"):
        response = world.http.post(world.url, content=raw, headers=signed_headers(raw))
        assert response.status_code < 500, raw


def test_a_huge_body_is_refused_before_it_is_read_whole(world: SlackWorld):
    raw = "x" * 2_000_000
    response = world.http.post(world.url, content=raw, headers=signed_headers(raw))
    assert response.status_code == 413


def test_url_verification_is_answered(world: SlackWorld):
    raw = json.dumps(
        {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV", "token": "x"}
    )
    response = world.http.post(world.url, content=raw, headers=signed_headers(raw))
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_healthz_says_the_database_answers(world: SlackWorld):
    health = httpx.get(world.url.replace("/slack/events", "/healthz"))
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert httpx.get(world.url.replace("/slack/events", "/nowhere")).status_code == 404
