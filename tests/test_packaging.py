"""values-bot as an operator installs it: a wheel into a new virtual environment outside the
clone, with the locked dependencies, then the rubric commands and a console session from there."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORY = "stayed until midnight to restore the customer's orders after the outage"


def _packages_on_disk() -> set[str]:
    found = set()
    for top in ("bot", "storage"):
        for init in (ROOT / top).rglob("*.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_every_package_of_bot_and_storage_is_listed_for_the_wheel():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    assert _packages_on_disk() | {"bot.prompts"} == listed


@pytest.mark.slow
def test_the_wheel_installs_outside_the_clone_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("values_bot-*.whl")
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    python = str(home / "bin" / "python")
    lock = str(ROOT / "requirements.lock")
    subprocess.run(
        [python, "-m", "pip", "install", *quiet, "--require-hashes", "-r", lock], check=True
    )
    subprocess.run([python, "-m", "pip", "install", *quiet, "--no-deps", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DINGTALK_", "DATABASE_", "BOT_"))
    } | {"XDG_DATA_HOME": str(tmp_path / "data"), "BOT_LOCALE": "en", "PYTHONPATH": ""}

    def values_bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(home / "bin" / "values-bot"), *args],
            cwd=elsewhere, env=env, input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    shown = values_bot("rubric", "show")
    assert shown.returncode == 0, shown.stderr
    assert "客户第一" in shown.stdout and "Customer First" in shown.stdout
    for pack in ("alibaba-six-vein", "jd-customer-first"):
        checked = values_bot("rubric", "check", pack)
        assert checked.returncode == 0 and ": OK:" in checked.stdout, checked.stderr
        assert "site-packages" in checked.stdout  # read from the installed package
    session = values_bot("run", stdin=f"/as alice\n@bob {STORY}\n/values today\n/quit\n")
    assert session.returncode == 0, session.stderr
    assert "Recorded" in session.stdout and "Traceback" not in session.stderr
    assert (tmp_path / "data" / "values-bot" / "values-bot.db").exists()
    link = values_bot("web", "link", "--user", "console:alice")
    assert link.returncode == 0 and "/app/signin?t=" in link.stdout, link.stderr
    shipped = subprocess.run(
        [python, "-c", "from bot.web.app import HERE; print(HERE);"
         "print(*sorted(p.name for p in HERE.rglob('*.*') if p.suffix in ('.html', '.css')))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "site-packages" in shipped.stdout
    assert "app.css" in shipped.stdout and "overview.html" in shipped.stdout
    assert not list(elsewhere.iterdir())  # nothing written into the working directory


def test_the_env_example_lists_every_setting_values_bot_reads():
    import re

    # bot/config.py and each platform's own section (bot/platforms/<name>/) read through Reader
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    read = set(re.findall(r'(?:text|number|choice|address|url)\("([A-Z][A-Z_]+)"', source))
    assert len(read) > 25
    example = (ROOT / "deploy" / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z][A-Z_]+)=", example, re.MULTILINE))
    assert read == listed
    unit = (ROOT / "deploy" / "values-bot.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/values-bot/bin/values-bot run" in unit and "KillSignal=SIGTERM" in unit
