"""The repository: one engine, one object per noun. `open_repository(url)` is the way in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from storage import engine as engines
from storage import migrate
from storage.case_changes import CaseChanges
from storage.directory import Directory
from storage.engine import PING_TIMEOUT_MS, WRITE, make_engine
from storage.evidence import Evidence
from storage.exports import Exports
from storage.governance import Governance
from storage.held import HeldStories
from storage.insights import Insights
from storage.outbox import Outbox
from storage.participants import Participants
from storage.people import People
from storage.posts import Posts
from storage.reviews import Reviews
from storage.signins import SignIns
from storage.store import StoreUnavailable
from storage.subscriptions import Subscriptions
from storage.trust import Trust


class SchemaOutdated(RuntimeError):
    """The database schema is behind this version; run `values-bot db upgrade`."""


@dataclass
class Repository:
    """One engine and one store per noun: the only way values-bot reads or writes data."""

    engine: Engine
    subscriptions: Subscriptions
    posts: Posts
    evidence: Evidence
    cases: CaseChanges
    exports: Exports
    governance: Governance
    people: People
    trust: Trust
    outbox: Outbox
    held: HeldStories
    participants: Participants
    signins: SignIns
    insights: Insights
    directory: Directory
    reviews: Reviews

    @classmethod
    def on(cls, engine: Engine) -> Repository:
        return cls(
            engine=engine,
            subscriptions=Subscriptions(engine),
            posts=Posts(engine),
            evidence=Evidence(engine),
            cases=CaseChanges(engine),
            exports=Exports(engine),
            governance=Governance(engine),
            people=People(engine),
            trust=Trust(engine),
            outbox=Outbox(engine),
            held=HeldStories(engine),
            participants=Participants(engine),
            signins=SignIns(engine),
            insights=Insights(engine),
            directory=Directory(engine),
            reviews=Reviews(engine),
        )

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers and would take a write right now.

        On SQLite the probe begins a write transaction (BEGIN IMMEDIATE), so a write lock held
        elsewhere past the busy timeout shows up here too; nothing is written.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as connection:
                if sqlite:  # answer at once: a health check must not wait out the busy timeout
                    _busy_timeout(connection, PING_TIMEOUT_MS)
                try:
                    with connection.execution_options(**WRITE).begin():
                        connection.execute(text("SELECT 1"))
                finally:
                    if sqlite:
                        _busy_timeout(connection, engines.BUSY_TIMEOUT_MS)
            return True
        except (SQLAlchemyError, StoreUnavailable):
            return False


def _busy_timeout(connection: Connection, milliseconds: int) -> None:
    """Set SQLite's busy timeout on the driver's connection, outside any transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
    finally:
        cursor.close()


def open_repository(url: str, *, upgrade: bool | None = None) -> Repository:
    """Open the database. SQLite upgrades itself; PostgreSQL must be upgraded by `db upgrade`."""
    engine = make_engine(url)
    if upgrade is None:
        upgrade = engine.dialect.name == "sqlite"
    if upgrade:
        if not migrate.is_up_to_date(engine):
            migrate.upgrade(engine)
    elif not migrate.is_up_to_date(engine):
        engine.dispose()
        raise SchemaOutdated(url)
    return Repository.on(engine)
