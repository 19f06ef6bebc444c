"""Evidence: one row per (platform, workspace, channel, source message, nominee) (invariant 2).

A deleted message leaves tombstones (state `deleted`, story wiped) so that a late retry of the
original delivery cannot bring the case back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.core.messages import Place
from bot.core.model import EvidenceRecord
from bot.core.summaries import Case, CaseCount
from storage.store import Store, utc
from storage.tables import EvidenceRow

ACTIVE, UNMENTIONED, DELETED = "active", "unmentioned", "deleted"
EXPORT_BATCH = 2_000


@dataclass(frozen=True)
class EvidenceFilter:
    """Which evidence a read covers. `channels` are `PLATFORM:CHANNEL` keys; None = all."""

    starts_on: date
    ends_on: date
    channels: frozenset[str] | None = None
    nominee: str | None = None
    value_key: str | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = [
            col(EvidenceRow.state) == ACTIVE,
            col(EvidenceRow.nominated_on) >= self.starts_on,
            col(EvidenceRow.nominated_on) <= self.ends_on,
        ]
        if self.channels is not None:
            pairs = [tuple(key.split(":", 1)) for key in sorted(self.channels)]
            clauses.append(tuple_(col(EvidenceRow.platform), col(EvidenceRow.channel)).in_(pairs))
        if self.nominee is not None:
            clauses.append(col(EvidenceRow.nominee) == self.nominee)
        if self.value_key is not None:
            clauses.append(col(EvidenceRow.criterion_key).startswith(f"{self.value_key}:"))
        return clauses


class Evidence(Store):
    def record(
        self,
        *,
        place: Place,
        message_id: str,
        nominees: Iterable[str],
        nominator: str,
        daily_post_id: int,
        criterion_key: str,
        story: str,
        link: str,
        nominated_on: date,
        now: datetime,
    ) -> list[str]:
        """Store a new nomination; returns the nominees stored now (a retry stores none)."""
        stored = []
        table = EvidenceRow.__table__  # type: ignore[attr-defined]
        with self.writing() as session:
            for nominee in nominees:
                statement = (
                    self.insert(table)
                    .values(
                        platform=place.platform,
                        workspace=place.workspace,
                        channel=place.channel,
                        source_message_id=message_id,
                        nominee=nominee,
                        nominator=nominator,
                        daily_post_id=daily_post_id,
                        criterion_key=criterion_key,
                        story=story,
                        link=link,
                        nominated_on=nominated_on,
                        created_at=now,
                        updated_at=now,
                        state=ACTIVE,
                    )
                    .on_conflict_do_nothing(
                        index_elements=[
                            "platform",
                            "workspace",
                            "channel",
                            "source_message_id",
                            "nominee",
                        ]
                    )
                    .returning(table.c.id)
                )
                if session.execute(statement).scalar_one_or_none() is not None:
                    stored.append(nominee)
        return stored

    def rows_for_message(self, *, place: Place, message_id: str) -> list[EvidenceRow]:
        with self.reading() as session:
            return list(session.exec(select(EvidenceRow).where(*_message(place, message_id))))

    def edit(
        self, *, place: Place, message_id: str, nominees: Iterable[str], story: str, now: datetime
    ) -> list[str]:
        """Apply an edit: new story, dropped nominees set aside, added nominees stored.

        Returns the nominees newly added. A deleted message stays deleted.
        """
        wanted = list(dict.fromkeys(nominees))
        with self.writing() as session:
            rows = list(session.exec(select(EvidenceRow).where(*_message(place, message_id))))
            if not rows or any(row.state == DELETED for row in rows):
                return []
            template = rows[0]
            by_nominee = {row.nominee: row for row in rows}
            added = []
            for nominee in wanted:
                row = by_nominee.get(nominee)
                if row is None:
                    added.append(nominee)
                    row = EvidenceRow(
                        **template.model_dump(exclude={"id", "nominee", "created_at"}),
                        nominee=nominee,
                        created_at=now,
                    )
                row.story, row.state, row.updated_at = story, ACTIVE, now
                session.add(row)
            for row in rows:
                if row.nominee not in wanted:
                    row.state, row.updated_at = UNMENTIONED, now
                    session.add(row)
            return added

    def delete(self, *, place: Place, message_id: str, now: datetime) -> int:
        """Retract every case from a deleted message; the story is wiped."""
        with self.writing() as session:
            result = session.execute(
                update(EvidenceRow)
                .where(*_message(place, message_id))
                .values(state=DELETED, story="", updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def last_message_by(self, *, place: Place, author: str) -> str | None:
        with self.reading() as session:
            row = session.exec(
                select(EvidenceRow)
                .where(
                    EvidenceRow.platform == place.platform,
                    EvidenceRow.workspace == place.workspace,
                    EvidenceRow.channel == place.channel,
                    EvidenceRow.nominator == author,
                    col(EvidenceRow.state) != DELETED,
                )
                .order_by(col(EvidenceRow.created_at).desc(), col(EvidenceRow.id).desc())
            ).first()
            return row.source_message_id if row else None

    def counts(self, selection: EvidenceFilter) -> list[CaseCount]:
        query = (
            select(EvidenceRow.nominee, EvidenceRow.criterion_key, func.count())
            .where(*selection.clauses())
            .group_by(col(EvidenceRow.nominee), col(EvidenceRow.criterion_key))
        )
        with self.reading() as session:
            return [CaseCount(n, c, k) for n, c, k in session.exec(query)]

    def newest(self, selection: EvidenceFilter, per_person: int) -> dict[str, list[Case]]:
        rank = (
            func.row_number()
            .over(
                partition_by=col(EvidenceRow.nominee),
                order_by=(col(EvidenceRow.nominated_on).desc(), col(EvidenceRow.id).desc()),
            )
            .label("rank")
        )
        inner = select(EvidenceRow, rank).where(*selection.clauses()).subquery()
        query = sa_select(inner).where(inner.c.rank <= per_person)
        cases: dict[str, list[Case]] = {}
        with self.reading() as session:
            for row in session.execute(query).mappings():
                cases.setdefault(row["nominee"], []).append(
                    Case(
                        nominee=row["nominee"],
                        nominator=row["nominator"],
                        criterion_key=row["criterion_key"],
                        story=row["story"],
                        nominated_on=row["nominated_on"],
                        link=row["link"],
                    )
                )
        for person_cases in cases.values():
            person_cases.sort(key=lambda c: c.nominated_on, reverse=True)
        return cases

    def export(self, selection: EvidenceFilter) -> Iterator[EvidenceRecord]:
        """Every case in the selection, oldest first, fetched in batches (constant memory)."""
        last_id = 0
        while True:
            query = (
                select(EvidenceRow)
                .where(*selection.clauses(), col(EvidenceRow.id) > last_id)
                .order_by(col(EvidenceRow.id))
                .limit(EXPORT_BATCH)
            )
            with self.reading() as session:
                rows = list(session.exec(query))
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last_id = rows[-1].id or last_id

    def erase_person(self, *, person: str, pseudonym: str, now: datetime) -> tuple[int, int]:
        """Delete every case about `person`; pseudonymise them where they nominated others."""
        with self.writing() as session:
            about = session.exec(select(EvidenceRow).where(EvidenceRow.nominee == person)).all()
            for row in about:
                session.delete(row)
            renamed = session.execute(
                update(EvidenceRow)
                .where(col(EvidenceRow.nominator) == person)
                .values(nominator=pseudonym, updated_at=now)
            )
            return len(about), int(renamed.rowcount)  # type: ignore[attr-defined]


def _message(place: Place, message_id: str) -> list[ColumnElement[bool]]:
    return [
        and_(
            col(EvidenceRow.platform) == place.platform,
            col(EvidenceRow.workspace) == place.workspace,
            col(EvidenceRow.channel) == place.channel,
            col(EvidenceRow.source_message_id) == message_id,
        )
    ]


def _record(row: EvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        source_message_id=row.source_message_id,
        nominee=row.nominee,
        nominator=row.nominator,
        criterion_key=row.criterion_key,
        story=row.story,
        link=row.link,
        nominated_on=row.nominated_on,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )
