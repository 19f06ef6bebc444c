"""Chromium for the browser tests: Debian's package, driven by Playwright for Python.

Playwright's own browser download cannot be reached here, so the tests launch the system's
Chromium through `executable_path`. Without one, the browser tests are skipped and say why;
with VALUES_BOT_BROWSER_TESTS=required (as .ci/run sets) they fail instead, so CI can never
pass with them silently skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the machine has no network: no calls home
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    wanted = os.environ.get("VALUES_BOT_CHROMIUM")
    if wanted:
        return wanted if os.path.exists(wanted) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launched() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        why = "no Chromium on this machine (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("VALUES_BOT_BROWSER_TESTS") == "required":
            pytest.fail(f"browser tests are required here, but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
