"""Engines: SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for writes) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 2_000  # a locked database costs a platform's acknowledgement at most ~2 s
PING_TIMEOUT_MS = 200  # /healthz says "busy" rather than wait
WRITE = {"sqlite_begin": "IMMEDIATE"}
# one SELECT needs no transaction of its own: SQLite runs it on a snapshot (autocommit)
SINGLE_READ = {"sqlite_begin": "NONE"}


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
    event.listen(engine, "handle_error", _as_unavailable)
    return engine


def _as_unavailable(context: Any) -> BaseException | None:
    """The database unreachable or busy: raised as storage's own StoreUnavailable."""
    from storage.store import StoreUnavailable, database_away

    error = context.sqlalchemy_exception
    if error is not None and database_away(error):
        return StoreUnavailable(unusable(error) or "database unavailable")
    return None


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
        if mode != "NONE":
            connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def database_problems(url: str) -> list[str]:
    """What is wrong with DATABASE_URL before anything connects: unparsable, or a driver
    that is not installed (reachability and roles are found when it connects)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return ["DATABASE_URL should look like sqlite:///PATH or postgresql://USER@HOST/DB"]
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        return [
            f"DATABASE_URL: {parsed.get_backend_name()} is not supported (SQLite or PostgreSQL)"
        ]
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError) as error:
        return [f"DATABASE_URL: the driver {parsed.drivername!r} is not installed ({error})"]
    return []


def shown_url(url: str) -> str:
    """DATABASE_URL as it may be printed: without its password."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite DATABASE_URL names (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def unusable(error: BaseException) -> str | None:
    """The driver's first line when `error` says the database cannot be used (unreachable,
    a role refused, a missing database), else None."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from storage.store import StoreUnavailable

    if isinstance(error, StoreUnavailable):
        return (str(error).strip().splitlines() or ["unknown error"])[0]
    if not isinstance(error, (OperationalError, InterfaceError)):
        return None
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or ["unknown error"])[0]
