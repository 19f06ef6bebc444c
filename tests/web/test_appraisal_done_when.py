"""Issue 16's done-when: a whole review through the web app in Chromium, with the chat side
through the local fake Slack over real HTTP, on SQLite and PostgreSQL.

HR's file is imported (two rows matched by e-mail with users.lookupByEmail); HR opens the
review in the browser; each person gets a direct message with a sign-in link and follows it;
Bob self-assesses citing a case; Mia's score above what her citations support is refused, then
accepted with a written case; HR sees the outlier and the distribution, adjusts one score with a
reason and locks; release reaches each person in chat; Bob confirms, Alice appeals and HR
answers; the export holds every figure; the review closes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.app.notices import send_notices
from bot.app.people_import import import_people, read_table
from bot.cli.web import web_app
from bot.config import Settings
from bot.core.messages import Place
from bot.core.review import Answer, Stage
from bot.platforms.registry import PLATFORMS
from bot.platforms.slack.app import SlackBot
from bot.platforms.slack.settings import SlackSettings
from bot.wiring import Runtime, build
from storage.repository import Repository
from tests.fake_slack import FakeSlack
from tests.fakes import FakeClock
from tests.serving import served
from tests.web.browser import launched
from tests.web.conftest import record

HR, MIA, BOB, ALICE = "slack:UHR0001", "slack:UMIA001", "slack:UBOB001", "slack:UALI001"
TEAM = Place("slack", "T0001", "C0TEAM")
PEOPLE = """person,email,name,manager,department
slack:UHR0001,hr@example.com,Hana (HR),,People
,mia@example.com,Mia,hr@example.com,Support
slack:UBOB001,bob@example.com,Bob Li,mia@example.com,Support
,alice@example.com,Alice,slack:UMIA001,Support
,ghost@example.com,Ghost,mia@example.com,Support
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.fixture
def world(repo: Repository, clock: FakeClock, tmp_path: Path) -> Iterator[dict[str, Any]]:
    fake = FakeSlack().start()
    fake.emails = {"mia@example.com": "UMIA001", "alice@example.com": "UALI001"}
    section = SlackSettings(
        bot_token="xoxb-test-1234567890", signing_secret="s" * 32, api_url=fake.api_url
    )
    settings = Settings(locale="en", admins=frozenset({HR}), sections={"slack": section})
    runtime = build(settings, clock=clock, repo=repo)
    bot = SlackBot(runtime.chat, section)
    try:
        with served(web_app(runtime, "http://127.0.0.1")) as base:
            runtime.service.signin.public_url = base
            yield {
                "fake": fake,
                "runtime": runtime,
                "bot": bot,
                "base": base,
                "tmp": tmp_path,
                "section": section,
            }
    finally:
        bot.close()
        fake.stop()


def stories(rt: Runtime) -> None:
    rt.repo.subscriptions.save(
        platform="slack", workspace=TEAM.workspace, channel=TEAM.channel, post_at="09:30",
        timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=rt.clock.now(),
    )  # fmt: skip
    day = date(2026, 11, 16)
    record(
        rt, TEAM, day, ALICE, BOB, "customer-first:2", "Bob stayed until the outage was fixed", 1
    )
    record(rt, TEAM, day, MIA, BOB, "teamwork:1", "Bob shared his notes with the whole team", 2)
    record(rt, TEAM, day, BOB, ALICE, "integrity:1", "Alice corrected the report at once", 3)


def chat_links(world: dict[str, Any], person: str) -> list[str]:
    """Send the outbox through Slack; the sign-in links of the DMs `person` got, newest last."""
    rt: Runtime = world["runtime"]
    send_notices(rt.repo, rt.clock, {"slack": world["bot"].tell}, rt.service.signin.link_if_served)
    uid = person.split(":", 1)[1]
    texts = [
        m.get("text", "") + str(m.get("blocks") or "") for m in world["fake"].messages.get(uid, [])
    ]
    link = re.compile(r"http://127\.0\.0\.1:\d+/app/signin\?t=[\w-]+")
    found = [u for text in texts for u in link.findall(text)]
    return list(dict.fromkeys(found))  # a message's text and its blocks carry the same link


def follow(browser: Any, world: dict[str, Any], person: str) -> Any:
    """A new browser for `person`, signed in by the newest link they got in chat."""
    links = chat_links(world, person)
    assert links, f"{person} got no link in chat"
    page = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    page.set_default_timeout(10_000)
    page.goto(links[-1])
    page.click("#signin")
    page.wait_for_load_state()
    return page


def test_a_whole_review_through_the_browser_and_chat(browser: Any, world: dict[str, Any]) -> None:
    rt: Runtime = world["runtime"]
    stories(rt)
    people_file = world["tmp"] / "people.csv"
    people_file.write_text(PEOPLE, encoding="utf-8")
    source = PLATFORMS["slack"].directory
    assert source is not None
    report = import_people(
        rt.repo, rt.clock, read_table(people_file), source(world["section"]).by_email
    )
    assert (report.added, [u.said for u in report.unmatched]) == (4, ["ghost@example.com"])
    assert rt.repo.directory.member(ALICE).manager == MIA  # matched by e-mail on Slack

    hr = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    hr.set_default_timeout(10_000)
    hr.goto(rt.service.signin.link(HR))
    hr.click("#signin")
    hr.goto(world["base"] + "/app/review")
    hr.select_option("select[name=cycle]", "2026Q4")
    hr.fill("input[name=self_due]", "2026-12-04")
    hr.fill("input[name=manager_due]", "2026-12-11")
    hr.fill("input[name=calibration_due]", "2026-12-18")
    hr.click("#open-review-button")
    assert hr.locator("#stage").inner_text() == "self-assessment"

    bob = follow(browser, world, BOB)  # the review's first DM
    bob.goto(world["base"] + "/app/review")
    bob.click("#self-link")
    bob.check("input[name^='cite:customer-first:']")
    bob.select_option("select[name='score:customer-first']", "2.0")
    bob.fill("textarea[name='comment:customer-first']", "I stayed for the outage")
    bob.click("#send-assessment")
    assert bob.locator("#saved").is_visible()

    hr.click("#next-stage")
    assert hr.locator("#stage").inner_text() == "manager assessment"
    mia = follow(browser, world, MIA)
    mia.goto(world["base"] + "/app/review")
    mia.click("#reports a.assess[href$='UBOB001']")
    mia.select_option("select[name='score:customer-first']", "3.0")
    mia.click("#send-assessment")
    assert "Level 3 needs a cited case" in mia.locator("#problems").inner_text()
    mia.select_option("select[name='star_level:customer-first']", "3")
    for part, text in zip(
        "star",
        ("Launch slipped", "Recover it", "Rebuilt the plan overnight", "Shipped on time"),
        strict=False,
    ):
        mia.fill(f"textarea[name='star_{part}:customer-first']", text)
    mia.click("#send-assessment")
    assert mia.locator("#saved").is_visible()
    mia.goto(world["base"] + "/app/review")
    mia.click("#reports a.assess[href$='UALI001']")
    mia.click("#send-assessment")  # the evidence ceiling as offered
    assert mia.locator("#saved").is_visible()

    hr.click("#next-stage")
    hr.click("#calibration-link")
    outliers = hr.locator("#outliers").inner_text()
    assert "Bob Li" in outliers and "above the evidence ceiling" in outliers
    assert "two points or more from the self-assessment" not in outliers
    organisation = hr.locator("#distribution tr.organisation").inner_text()
    assert "0 · 0%" in organisation and "2 · 100%" in organisation
    hr.select_option("#adjust select[name=person]", ALICE)
    hr.select_option("#adjust select[name=value]", "teamwork")
    hr.fill("#adjust input[name=score]", "3")
    hr.fill("#adjust textarea[name=reason]", "Ran the team retrospective all quarter")
    hr.click("#adjust-button")
    assert "Ran the team retrospective" in hr.locator("#adjustments").inner_text()
    hr.click("#lock")
    hr.goto(world["base"] + "/app/review")
    hr.click("#next-stage")
    assert hr.locator("#stage").inner_text() == "released"

    bob = follow(browser, world, BOB)  # the release DM
    bob.goto(world["base"] + "/app/review")
    bob.click("#result-link")
    assert bob.locator("#total").inner_text() == "13"
    bob.click("#confirm")
    alice = follow(browser, world, ALICE)
    alice.goto(world["base"] + "/app/review")
    alice.click("#result-link")
    assert "Ran the team retrospective" in alice.locator("#adjustments").inner_text()
    alice.fill("textarea[name=appeal]", "My integrity case was the team's mistake, not mine")
    alice.click("#appeal")
    assert "Appealed" in alice.locator("#answer").inner_text()

    assert chat_links(world, HR), "HR is told of the appeal in chat"
    hr.goto(world["base"] + "/app/review")
    hr.fill("#appeal-1 textarea[name=reason]", "Checked with Mia: the score stands")
    hr.click("#appeal-1 button.resolve")
    assert len(chat_links(world, ALICE)) == 3  # opened, released, answered

    with hr.expect_download() as download:
        hr.select_option("#hr select[name=format]", "csv")
        hr.click("#export-review")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    by = {r["person"]: r for r in rows}
    assert by[BOB]["self:customer-first"] == "2.0" and by[BOB]["final:customer-first"] == "3.0"
    assert by[BOB]["total"] == "13.0" and by[BOB]["answer"] == "confirmed"
    assert "customer-first:L3 STAR" in by[BOB]["cited_cases"]
    assert by[ALICE]["final:teamwork"] == "3.0" and by[ALICE]["total"] == "13.0"
    assert "Ran the team retrospective" in by[ALICE]["adjustments"]
    assert by[ALICE]["answer"] == Answer.UPHELD.value and "score stands" in by[ALICE]["outcome"]
    assert by[ALICE]["department"] == "Support" and by[ALICE]["manager"] == MIA

    hr.click("#next-stage")
    assert rt.repo.reviews.get("2026Q4").stage is Stage.CLOSED
    actions = {e.action for e in rt.repo.governance.audit_log(limit=500)}
    assert {
        "review_open",
        "assessment_self",
        "assessment_manager",
        "review_adjust",
        "review_appealed",
        "review_export",
    } <= actions
