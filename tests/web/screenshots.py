"""The README's screenshots: a demo quarter in a fresh database, the web app served by a
real uvicorn, pages photographed by Debian's Chromium. `python -m tests.web.screenshots [DIR]`
(default docs/screenshots). Needs Chromium and, for Chinese text, fonts-noto-cjk."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.demo import fill
from bot.cli.web import web_app
from bot.config import Settings
from bot.wiring import build
from tests.fakes import FakeClock
from tests.serving import served
from tests.web.browser import FLAGS, chromium_path

PAGES = [
    ("overview", "/app/overview", 1200),
    ("team", "/app/team?channel=console%3Ademo-support-1", 1200),
    ("ledger", "/app/people/console%3Ademo-002", 1000),
    ("rubric-phone", "/app/rubric", 390),
]


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/demo.db", locale="en")
        clock = FakeClock(datetime(2026, 12, 7, 4, tzinfo=UTC))
        runtime = build(settings, clock=clock)
        fill(runtime.repo, runtime.rubric, clock, platform="console", admin="console:me",
             people=60, weeks=8, locale="en")  # fmt: skip
        with served(web_app(runtime, "http://127.0.0.1")) as base, sync_playwright() as p:
            runtime.service.signin.public_url = base
            browser = p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
            for locale in ("en", "zh"):
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(runtime.service.signin.link("console:me"))
                page.click("#signin")
                if locale == "zh":
                    page.click("#language")
                for name, path, width in PAGES:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{locale}.png"), full_page=width > 400)
                page.close()
            appraisal_shots(runtime, base, browser, out)
            browser.close()
        runtime.close()


def appraisal_shots(runtime: Any, base: str, browser: Any, out: Path) -> None:
    """ "Running an appraisal": twelve demo people on three reporting lines, a review opened,
    self and manager assessments, a refused form, calibration, a released result."""
    from datetime import date

    from bot.app.assessing import Entry
    from bot.app.people_import import import_people
    from bot.app.review_desk import Opening
    from bot.core.review import Kind

    people = [f"console:demo-{i:03d}" for i in range(1, 13)]
    names = runtime.repo.people.names(people)
    leads = people[:3]
    rows: list[list[object]] = [
        ["person", "name", "manager", "department"],
        ["console:me", "HR", "", "HR"],
    ]
    for i, person in enumerate(people):
        manager = "console:me" if person in leads else leads[i % 3]
        rows.append(
            [person, names.get(person, person), manager, ("Support", "Sales", "R&D")[i % 3]]
        )
    import_people(runtime.repo, runtime.clock, rows, None)
    appraisal = runtime.service.appraisal
    appraisal.reviews.open(
        "console:me",
        Opening("2026Q4", date(2026, 12, 11), date(2026, 12, 18), date(2026, 12, 24), 5),
    )

    def ceilings(actor: str, person: str, kind: Kind, bump: float = 0) -> list[Entry]:
        sheet = appraisal.assessing.sheet(actor, None, person, kind)
        cited = {
            k: tuple(c.id for c in sheet.cases if c.criterion_key.startswith(k + ":"))
            for k in sheet.ceilings
        }
        return [Entry(k, max(0.0, s + bump), "", cited[k]) for k, s in sheet.ceilings.items()]

    for person in people[3:]:
        appraisal.assessing.submit(
            person, None, person, Kind.SELF, ceilings(person, person, Kind.SELF, -1)
        )
    appraisal.reviews.advance("console:me", None)
    for i, person in enumerate(people):
        lead = "console:me" if person in leads else leads[i % 3]
        appraisal.assessing.submit(
            lead, None, person, Kind.MANAGER, ceilings(lead, person, Kind.MANAGER)
        )
    from bot.core.appraisal import Citation, Written

    star = Written(
        "Launch at risk", "Recover the date", "Rebuilt the plan overnight", "Shipped on time"
    )
    lead, person = leads[3 % 3], people[3]
    entries = ceilings(lead, person, Kind.MANAGER)
    first = entries[0]
    level = int(first.score) + 1
    entries[0] = Entry(first.value_key, level, "", first.case_ids, (Citation(level, written=star),))
    appraisal.assessing.submit(lead, None, person, Kind.MANAGER, entries)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(runtime.service.signin.link(leads[0]))
    page.click("#signin")
    page.goto(base + "/app/review")
    page.screenshot(path=str(out / "review-manager-en.png"), full_page=True)
    page.click("#reports a.assess >> nth=0")
    page.select_option("select[name='score:customer-first']", "5.0")
    page.click("#send-assessment")
    page.locator("#value-customer-first").screenshot(path=str(out / "review-refused-en.png"))
    page.close()
    appraisal.reviews.advance("console:me", None)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(runtime.service.signin.link("console:me"))
    page.click("#signin")
    page.goto(base + "/app/review/calibration")
    page.screenshot(path=str(out / "review-calibration-en.png"), full_page=True)
    appraisal.reviews.lock("console:me", None)
    appraisal.reviews.advance("console:me", None)
    page.close()
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(runtime.service.signin.link(people[4]))
    page.click("#signin")
    page.goto(base + "/app/review/result/" + people[4].replace(":", "%3A"))
    page.screenshot(path=str(out / "review-result-en.png"), full_page=True)
    page.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
