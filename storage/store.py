"""Shared plumbing: short sessions, write transactions (BEGIN IMMEDIATE on SQLite), upserts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.engine import WRITE


def utc(moment: datetime) -> datetime:
    """Stored datetimes are timezone-aware UTC; SQLite hands back naive ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One short write transaction. Never call a chat platform inside it (invariant 3)."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    def insert(self, table: Table) -> Any:
        """A dialect-aware INSERT that supports ON CONFLICT."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
