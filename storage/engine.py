"""Engines: SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for writes) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 2_000  # a locked database costs a platform's acknowledgement at most ~2 s
PING_TIMEOUT_MS = 200  # /healthz says "busy" rather than wait
WRITE = {"sqlite_begin": "IMMEDIATE"}


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url, **kwargs)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)
    event.listen(engine, "handle_error", _without_values)
    return engine


def _without_values(context: Any) -> None:
    """Errors name no stored value: bound parameters are hidden (hide_parameters), and the
    lines a server adds that quote a row (PostgreSQL's `DETAIL: Failing row contains (…)`,
    `Key (…)=(…)`) are dropped, so no story reaches a log or a traceback."""
    for error in (context.sqlalchemy_exception, context.original_exception):
        if error is not None:
            error.args = tuple(
                _drop_detail(arg) if isinstance(arg, str) else arg for arg in error.args
            )


def _drop_detail(message: str) -> str:
    kept = [line for line in message.split("\n") if not line.lstrip().startswith("DETAIL:")]
    return "\n".join(kept)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("pool_size", 16)  # SQLite connections are cheap; threads never queue
    kwargs.setdefault("max_overflow", 16)
    if database in (None, "", ":memory:"):
        kwargs.pop("pool_size"), kwargs.pop("max_overflow")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # errors are logged without their values: no story in a log
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
