"""Fixtures: a fresh database per test, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bot.cli import main
from bot.config import Settings
from bot.core.rubric import Rubric
from bot.wiring import Runtime, build
from bot.words.packs import load_pack, pack_path
from storage import migrate
from storage.engine import make_engine
from storage.repository import Repository
from tests.fakes import FakeClock, shanghai

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = (
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_URL else ["sqlite"]
)


def pytest_report_header() -> str:
    where = (
        "SQLite and PostgreSQL"
        if POSTGRES_URL
        else "SQLite only (set TEST_DATABASE_URL for PostgreSQL)"
    )
    return f"storage tests run on {where}"


@pytest.fixture(autouse=True)
def _data_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """values-bot's default data folder (its SQLite file, the spool) is the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return load_pack(pack_path("alibaba-six-vein"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(shanghai(2026, 11, 23, 10, 0))  # a Monday


def _postgres_engine() -> Iterator[Engine]:
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:  # fails the test (never skips) if PostgreSQL is unreachable
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        yield from _postgres_engine()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine: Engine) -> Repository:
    migrate.upgrade(engine)
    return Repository.on(engine)


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'values-bot.db'}"


@pytest.fixture
def runtime(repo: Repository, clock: FakeClock) -> Runtime:
    return build(Settings(admins=frozenset({"console:boss"})), clock=clock, repo=repo)


@pytest.fixture
def cli(sqlite_url, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Run `values-bot ARGS` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "DINGTALK_CLIENT_ID", "BOT_LOCALE", "BOT_ADMINS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
