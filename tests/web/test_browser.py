"""The web app in a real browser: Debian's Chromium driven by Playwright, against the app
served by a real uvicorn (and, for the done-when, by a real `values-bot run`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.serving import Spawned, free_port
from tests.web.browser import launched
from tests.web.conftest import ADMIN, MANAGER, MEMBER, Site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, site: Site, person: str) -> None:
    page.goto(site.link(person))
    page.click("#signin")
    page.wait_for_load_state()


def test_signing_in_by_link_opens_the_overview_with_its_chart_and_tables(page: Any, site: Site):
    sign_in(page, site, ADMIN)

    assert page.url.endswith("/app/overview")
    assert page.locator("#weekly-chart rect.bar").count() >= 13  # one bar per week of Q4
    assert page.locator("#heatmap rect").count() == 30  # six values × five levels
    assert page.locator("#figures tbody tr").count() == 4
    assert page.locator("#channels tbody tr").count() == 2
    page.click("text=以表格查看 >> nth=0")
    assert page.locator("#weekly-table").is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["vb_session"]["httpOnly"] and cookies["vb_session"]["sameSite"] == "Lax"


def test_each_page_renders_with_its_table(page: Any, site: Site):
    sign_in(page, site, ADMIN)
    for path, table in [
        ("/app/team", "#teams li"),
        ("/app/team?channel=console%3Ateam", "#team tbody tr"),
        ("/app/people/console%3Abob", "section.value"),
        ("/app/channels/console%3Ateam", "#posts tbody tr"),
        ("/app/rubric", "article.criterion"),
        ("/app/audit", "#audit tbody tr"),
    ]:
        answer = page.goto(site.base + path)

        assert answer.status == 200, path
        assert page.locator(table).count() > 0, path
    page.goto(site.base + "/app/people/console%3Abob")
    assert page.locator("blockquote", has_text="Bob called the customer back").is_visible()


def test_a_used_or_expired_link_is_refused(page: Any, site: Site):
    link = site.link(MEMBER)
    page.goto(link)
    page.click("#signin")
    page.context.clear_cookies()

    page.goto(link)
    used = page.locator(".refusal").inner_text()
    stale = site.link(MEMBER)
    site.clock.advance(minutes=11)
    answer = page.goto(stale)

    assert "不能用" in used
    assert answer.status == 400 and page.locator("#signin").count() == 0


def test_a_member_gets_403_on_someone_else_s_ledger(page: Any, site: Site):
    sign_in(page, site, MEMBER)
    assert page.url.endswith("/app/people/console%3Abob")

    answer = page.goto(site.base + "/app/people/console%3Aolga")

    assert answer.status == 403
    assert "Olga" not in page.content()
    assert page.locator("nav >> text=总览").count() == 0  # no admin pages offered


def test_a_post_without_the_csrf_token_is_refused(page: Any, site: Site):
    sign_in(page, site, MANAGER)

    forged = page.request.post(site.base + "/app/signout", form={"x": "1"})
    export = page.request.post(site.base + "/app/export", form={"format": "xlsx"})

    assert forged.status == 403 and export.status == 403
    other = page.request.post(
        site.base + "/app/signout", form={"x": "1"}, headers={"origin": "null"}
    )
    assert other.status == 403
    assert page.goto(site.base + "/app/team").status == 200  # still signed in


def test_the_language_switch_turns_the_pages_to_english_and_stays(page: Any, site: Site):
    sign_in(page, site, MANAGER)
    assert page.locator("h1").inner_text().startswith("团队")

    page.click("#language")

    assert page.url.endswith("/app/team")
    assert page.locator("h1").inner_text().startswith("Team")
    page.goto(site.base + "/app/rubric")
    assert page.locator("h1").inner_text().startswith("Rubric")


def test_sign_out_ends_the_session(page: Any, site: Site):
    sign_in(page, site, MEMBER)

    page.click("#signout")
    assert page.locator("#goodbye").is_visible()
    answer = page.goto(site.base + "/app/rubric")

    assert answer.status == 401


def test_the_rubric_reads_on_a_phone(browser: Any, site: Site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, site, MEMBER)
    page.goto(site.base + "/app/rubric")

    widest = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    assert widest <= 390  # nothing makes the page scroll sideways


def test_values_web_in_the_console_gives_a_link_that_opens_the_overview(page: Any, tmp_path):
    """The done-when: `values-bot run` says where the web app is; /values web in the console
    answers a link; Chromium opens it, signs in and shows the overview."""
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "BOT_WEB_PORT": str(port),
        "BOT_ADMINS": "console:me",
        "BOT_LOCALE": "en",
        "SLACK_BOT_TOKEN": "",
        "DINGTALK_CLIENT_ID": "",
    }
    bot = Spawned(["run"], env, stdin=True)
    try:
        where = bot.wait_for("the web app is at")
        assert f"http://127.0.0.1:{port}/app/" in where
        assert bot.process.stdin is not None
        bot.process.stdin.write("/values web\n")
        bot.process.stdin.flush()
        said = bot.wait_for("/app/signin?t=")
        link = re.search(r"https?://\S+", said)
        assert link is not None

        page.goto(link[0])
        page.click("#signin")

        assert page.url == f"http://127.0.0.1:{port}/app/overview"
        assert page.locator("#weekly-chart").is_visible()
        assert page.locator("h1").inner_text().startswith("Overview")
    finally:
        if bot.process.stdin:
            bot.process.stdin.write("/quit\n")
            bot.process.stdin.close()
        bot.process.wait(timeout=20)
    assert os.path.exists(tmp_path / "console.db")
