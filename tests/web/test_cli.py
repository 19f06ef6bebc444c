"""The web app from the shell: `values-bot web link`, `web sessions`, `demo`."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.cli.web import web_app
from bot.config import Settings
from bot.wiring import build
from tests.serving import served


def test_web_link_gives_the_operator_a_link_and_is_audited(cli, sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://values.example.com/")

    code, out, _ = cli("web", "link", "--user", "console:carol")
    with pytest.raises(SystemExit) as refused:
        cli("web", "link", "--user", "carol")

    assert code == 0
    assert re.fullmatch(r"https://values\.example\.com/app/signin\?t=[0-9a-f]{64}\n", out)
    assert refused.value.code == 2  # not PLATFORM:ID
    rt = build(Settings(database_url=sqlite_url))
    entry = rt.repo.governance.audit_log(limit=1)[0]
    assert (entry.action, entry.subjects) == ("web_link", ("console:carol",))


def test_web_sessions_lists_and_revokes(cli, sqlite_url):
    cli("web", "link", "--user", "console:carol")  # makes the database
    rt = build(Settings(database_url=sqlite_url))
    with served(web_app(rt, "http://127.0.0.1")) as base:
        rt.service.signin.public_url = base
        client = httpx.Client(base_url=base)
        token = rt.service.signin.link("console:carol").split("t=")[1]
        client.post("/app/signin", data={"t": token})
        assert client.get("/app/rubric").status_code == 200

        listed = cli("web", "sessions")
        revoked = cli("web", "sessions", "--revoke", "console:carol")
        after = client.get("/app/rubric").status_code
        empty = cli("web", "sessions")

    assert listed[0] == 0 and listed[1].startswith("console:carol\t")
    assert revoked[0] == 0 and "1" in revoked[1]
    assert after == 401
    assert empty[1].strip() in ("No one is signed in to the web app.", "现在没有人登录网页版。")


def test_demo_fills_an_empty_database_with_marked_data_once(cli, sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_LOCALE", "en")

    code, out, _ = cli("demo", "--people", "30", "--weeks", "4")
    again = cli("demo")

    assert code == 0 and "30 people" in out
    assert again[0] == 1 and "already holds cases" in again[2]
    rt = build(Settings(database_url=sqlite_url))
    names = rt.repo.people.every_name()
    assert len(names) == 30 and all(n.endswith("(demo)") for n in names.values())
    assert all(p.startswith("console:demo-") for p in names)
    records = list(rt.service.reading.export("test", rt.service.reading.cycle(None)))
    assert records and all(r.story.startswith("[demo] ") for r in records)
    access = rt.service.reading.access("console:me")
    assert access.is_admin  # the console's speaker reads the whole demo
