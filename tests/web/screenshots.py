"""The README's screenshots: a demo quarter in a fresh database, the web app served by a
real uvicorn, pages photographed by Debian's Chromium. `python -m tests.web.screenshots [DIR]`
(default docs/screenshots). Needs Chromium and, for Chinese text, fonts-noto-cjk."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

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
            browser.close()
        runtime.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
