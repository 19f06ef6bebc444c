"""Shared plumbing: short sessions, write transactions (BEGIN IMMEDIATE on SQLite), upserts."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from storage import engine as engines
from storage.engine import SINGLE_READ, WRITE


def utc(moment: datetime) -> datetime:
    """Stored datetimes are timezone-aware UTC; SQLite hands back naive ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class StoreUnavailable(Exception):
    """The database cannot be reached or is busy: try again later; the data is not at fault.

    Every engine made by `storage.engine.make_engine` raises this in place of the driver's
    error (the driver's stays its `__cause__`), so nothing above storage names SQLAlchemy."""


def database_away(error: BaseException) -> bool:
    """An error that says the database cannot be reached or is busy, not that the data is bad."""
    if isinstance(error, (StoreUnavailable, OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def _write_lock(engine: Engine) -> threading.Lock | None:
    """SQLite takes one writer at a time. Threads of one process queue on a lock (woken the
    moment it is free) instead of SQLite's busy handler, which sleeps in growing steps up to
    100 ms; other processes still wait on the busy timeout."""
    if engine.dialect.name != "sqlite":
        return None
    with _LOCKS_LOCK:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.Lock()
        return lock


class Store:
    """A store on the repository's engine: read sessions, and write sessions queued so that
    SQLite sees one writer at a time.
    """

    # how long a write waits for this process's SQLite writer slot: the busy timeout, so an
    # acknowledgement gets its retryable answer in time (stores off that path wait longer)
    queue_seconds: float | None = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)
        self._single = engine.execution_options(**SINGLE_READ)
        self._lock = _write_lock(engine)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _queued(self) -> Iterator[None]:
        """Wait for this process's SQLite writer slot for at most the busy timeout, then fail
        as a busy database does (the platform gets its retryable answer in time)."""
        if self._lock is None:
            yield
            return
        wait = engines.BUSY_TIMEOUT_MS / 1000 if self.queue_seconds is None else self.queue_seconds
        if not self._lock.acquire(timeout=wait):
            raise StoreUnavailable("database is locked (this process's writer slot is busy)")
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One short write transaction. Never call a chat platform inside it (invariant 3)."""
        with (
            self._queued(),
            Session(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def first(self, query: Executable, params: dict[str, Any] | None = None) -> Row[Any] | None:
        """The first row of a read, through a Core connection: for the reads every message
        makes (a few hundred microseconds cheaper than an ORM session). `query` may be built
        once with bind parameters, and `params` given per call."""
        with self._single.connect() as connection:
            return connection.execute(query, params).first()

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """One short write transaction on a Core connection (see `writing`)."""
        with self._queued(), self._writer.begin() as connection:
            yield connection

    def insert(self, table: Table) -> Any:
        """A dialect-aware INSERT that supports ON CONFLICT."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
