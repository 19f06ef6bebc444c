"""Signing in to the web app: one-time links, session cookies, CSRF, the brake on guessing,
sign-out, revocation and erasure; over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from bot.app.signin import Brake
from bot.cli.web import web_app
from tests.serving import served
from tests.web.conftest import ADMIN, MEMBER, Site, csrf_of

pytestmark = pytest.mark.postgres


def _token(link: str) -> str:
    return link.split("t=", 1)[1]


def test_a_link_signs_in_once_with_a_session_cookie_the_page_script_cannot_read(site: Site):
    client = site.client()
    link = site.link(MEMBER)

    shown = client.get(link.removeprefix(site.base))
    signed = client.post("/app/signin", data={"t": _token(link)})
    again = client.post("/app/signin", data={"t": _token(link)})

    assert shown.status_code == 200 and 'name="t"' in shown.text
    assert signed.status_code == 303 and signed.headers["location"] == "/app/"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/app" in cookie
    assert "secure" not in cookie  # the public address is http here
    assert again.status_code == 400
    assert "cannot be used" in again.text or "不能用" in again.text
    home = client.get("/app/")
    assert home.status_code == 303 and home.headers["location"].startswith("/app/people/")


def test_showing_a_link_does_not_use_it_up(site: Site):
    """Chat apps fetch links to preview them: only the button's POST spends the link."""
    client, link = site.client(), site.link(MEMBER)

    for _ in range(3):
        assert client.get(link.removeprefix(site.base)).status_code == 200

    assert client.post("/app/signin", data={"t": _token(link)}).status_code == 303


def test_an_expired_or_unknown_link_is_refused(site: Site):
    client = site.client()
    link = site.link(MEMBER)
    site.clock.advance(minutes=10, seconds=1)

    expired = client.post("/app/signin", data={"t": _token(link)})
    shown = client.get(link.removeprefix(site.base))
    unknown = client.post("/app/signin", data={"t": "x" * 43})
    hostile = client.post("/app/signin", data={"t": "\x00<script>" * 40})

    assert [expired.status_code, shown.status_code, unknown.status_code] == [400, 400, 400]
    assert hostile.status_code == 400
    assert "set-cookie" not in expired.headers
    assert client.get("/app/rubric").status_code == 401


def test_links_and_sessions_are_stored_only_as_digests(site: Site):
    link = site.link(MEMBER)
    client = site.client()
    client.post("/app/signin", data={"t": _token(link)})
    cookie = client.cookies.get("vb_session")
    assert cookie

    with site.runtime.repo.engine.connect() as connection:
        links = [r[0] for r in connection.execute(text("SELECT token_hash FROM web_link"))]
        sessions = [r[0] for r in connection.execute(text("SELECT token_hash FROM web_session"))]

    assert hashlib.sha256(_token(link).encode()).hexdigest() in links
    assert _token(link) not in links
    assert sessions == [hashlib.sha256(cookie.encode()).hexdigest()]


def test_a_session_ends_after_eight_idle_hours_not_while_used(site: Site):
    client = site.client(MEMBER)
    for _ in range(3):
        site.clock.advance(hours=7)
        assert client.get("/app/rubric").status_code == 200

    site.clock.advance(hours=8, seconds=1)

    assert client.get("/app/rubric").status_code == 401


def test_a_forged_or_garbage_cookie_is_signed_out_never_a_500(site: Site):
    for value in ("", "forged", "A" * 5000, "%00%ff"):
        client = site.client()
        client.cookies.set("vb_session", value, path="/app")

        assert client.get("/app/overview").status_code == 401


def test_sign_out_ends_the_session_and_needs_the_csrf_token(site: Site):
    client = site.client(MEMBER)
    page = client.get("/app/rubric")

    missing = client.post("/app/signout", data={})
    wrong = client.post("/app/signout", data={"csrf": "not-it"})
    still = client.get("/app/rubric")
    cookie = client.cookies.get("vb_session")
    out = client.post("/app/signout", data={"csrf": csrf_of(page.text)})

    assert [missing.status_code, wrong.status_code, still.status_code] == [403, 403, 200]
    assert out.status_code == 200
    client.cookies.set("vb_session", cookie or "", path="/app")  # a copy of the old cookie
    assert client.get("/app/rubric").status_code == 401


def test_the_language_switch_is_kept_with_the_session_and_needs_csrf(site: Site):
    client = site.client(ADMIN)
    page = client.get("/app/rubric")
    assert "考核细则" in page.text  # the default locale is zh

    refused = client.post("/app/lang", data={"locale": "en", "back": "/app/rubric"})
    switched = client.post(
        "/app/lang", data={"locale": "en", "back": "/app/rubric", "csrf": csrf_of(page.text)}
    )
    elsewhere = client.post(
        "/app/lang",
        data={"locale": "en", "back": "https://evil.example/", "csrf": csrf_of(page.text)},
    )

    assert refused.status_code == 403
    assert switched.status_code == 303 and switched.headers["location"] == "/app/rubric"
    assert elsewhere.headers["location"] == "/app/"  # never sent off the site
    assert "Rubric" in client.get("/app/rubric").text


def test_repeated_bad_links_are_slowed_down_per_client(site: Site):
    client = site.client()
    for _ in range(10):
        assert client.post("/app/signin", data={"t": "wrong"}).status_code == 400

    blocked = client.post("/app/signin", data={"t": _token(site.link(MEMBER))})

    assert blocked.status_code == 429
    assert "set-cookie" not in blocked.headers


def test_the_brake_forgets_a_client_once_its_window_passes():
    now = [0.0]
    brake = Brake(limit=2, window=60, now=lambda: now[0])
    brake.failed("a")
    brake.failed("a")

    assert brake.blocked("a") and not brake.blocked("b")
    now[0] = 61
    assert not brake.blocked("a")


def test_revoking_a_person_ends_their_sessions_and_voids_their_links(site: Site):
    client = site.client(MEMBER)
    unused = site.link(MEMBER)

    ended = site.runtime.service.signin.revoke("cli:root", MEMBER)

    assert ended == 1
    assert client.get("/app/rubric").status_code == 401
    assert site.client().post("/app/signin", data={"t": _token(unused)}).status_code == 400
    entry = site.runtime.repo.governance.audit_log(limit=1)[0]
    assert (entry.action, entry.subjects) == ("web_revoke", (MEMBER,))


def test_erasing_a_person_ends_their_sessions(site: Site):
    client = site.client(MEMBER)

    site.runtime.service.reading.forget("cli:root", MEMBER)

    assert client.get("/app/rubric").status_code == 401
    with site.runtime.repo.engine.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM web_link WHERE person = :p"), {"p": MEMBER}
        ).scalar_one()
    assert left == 0


def test_pages_forbid_framing_inline_script_and_referrers(site: Site):
    page = site.client(MEMBER).get("/app/rubric")

    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script is allowed at all
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


def test_an_https_public_address_marks_the_cookie_secure(runtime):
    app = web_app(runtime, "https://values.example.com")
    with served(app) as base:
        import httpx

        token = _token(runtime.service.signin.link(MEMBER))
        signed = httpx.post(f"{base}/app/signin", data={"t": token})

    assert "secure" in signed.headers["set-cookie"].lower()
    assert runtime.service.signin.link(MEMBER).startswith(
        "https://values.example.com/app/signin?t="
    )


def test_a_post_from_another_site_is_refused_even_with_a_valid_token(site: Site):
    """Login CSRF and cross-site forms: the browser's Origin header names the other site."""
    link = site.link(MEMBER)
    client = site.client(ADMIN)
    token = csrf_of(client.get("/app/rubric").text)
    evil = {"origin": "https://evil.example"}

    signin = site.client().post("/app/signin", data={"t": _token(link)}, headers=evil)
    signout = client.post("/app/signout", data={"csrf": token}, headers=evil)
    same = client.post(
        "/app/lang", data={"csrf": token, "locale": "en"}, headers={"origin": site.base}
    )

    assert signin.status_code == 403 and "set-cookie" not in signin.headers
    assert signout.status_code == 403 and client.get("/app/rubric").status_code == 200
    assert same.status_code == 303
    assert site.client().post("/app/signin", data={"t": _token(link)}).status_code == 303
