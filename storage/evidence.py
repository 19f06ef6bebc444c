"""Evidence: one row per (platform, workspace, channel, source message, nominee) (invariant 2).

A deleted message leaves tombstones (state `deleted`, story wiped) so that a late retry of the
original delivery cannot bring the case back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, delete, false, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.core.messages import Place
from bot.core.model import EvidenceRecord
from bot.core.summaries import Case, CaseCount
from storage.store import Store, utc
from storage.tables import EvidenceRow, RetractionRow

ACTIVE, UNMENTIONED, DELETED = "active", "unmentioned", "deleted"
EXPORT_BATCH = 10_000


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
            pairs = [key.split(":", 1) for key in sorted(self.channels)]
            clauses.append(
                or_(
                    false(),
                    *(
                        and_(col(EvidenceRow.platform) == p, col(EvidenceRow.channel) == c)
                        for p, c in pairs
                    ),
                )
            )
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
        revised_at: datetime | None = None,
    ) -> list[str]:
        """Store a new nomination; returns the nominees stored now (a retry stores none).

        A message already stored (a retry, or its edit arrived first) or already deleted (its
        delete arrived first) stores nothing.
        """
        stored: list[str] = []
        table = EvidenceRow.__table__  # type: ignore[attr-defined]
        with self.writing() as session:
            key = (place.platform, place.workspace, place.channel, message_id)
            if session.get(RetractionRow, key) is not None:
                return stored
            if session.exec(select(EvidenceRow.id).where(*_message(place, message_id))).first():
                return stored  # stored already (perhaps from an edit that arrived first)
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
                        revised_at=revised_at,
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
        self,
        *,
        place: Place,
        message_id: str,
        nominees: Iterable[str],
        story: str,
        now: datetime,
        revised_at: datetime | None = None,
    ) -> list[str] | None:
        """Apply an edit: new story, dropped nominees set aside, added nominees stored.

        Returns the nominees newly added, or None when nothing changed: the message is deleted,
        or a later edit was applied already (edits may arrive out of order).
        """
        wanted = list(dict.fromkeys(nominees))
        with self.writing() as session:
            rows = list(session.exec(select(EvidenceRow).where(*_message(place, message_id))))
            if not rows or any(row.state == DELETED for row in rows):
                return None
            applied = [utc(row.revised_at) for row in rows if row.revised_at is not None]
            if applied and (revised_at is None or utc(revised_at) <= max(applied)):
                return None
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
                row.revised_at = revised_at
                session.add(row)
            for row in rows:
                if row.nominee not in wanted:
                    row.state, row.updated_at, row.revised_at = UNMENTIONED, now, revised_at
                    session.add(row)
            return added

    def delete(self, *, place: Place, message_id: str, now: datetime) -> int:
        """Retract every case from a deleted message; the story is wiped.

        The deletion itself is remembered, so a late or repeated delivery of the message (or
        of an edit) stores nothing.
        """
        with self.writing() as session:
            session.execute(
                self.insert(RetractionRow.__table__)  # type: ignore[attr-defined]
                .values(
                    platform=place.platform,
                    workspace=place.workspace,
                    channel=place.channel,
                    message_id=message_id,
                    at=now,
                )
                .on_conflict_do_nothing()
            )
            result = session.execute(
                update(EvidenceRow)
                .where(*_message(place, message_id))
                .values(state=DELETED, story="", updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def retracted(self, *, place: Place, message_id: str) -> bool:
        with self.reading() as session:
            key = (place.platform, place.workspace, place.channel, message_id)
            return session.get(RetractionRow, key) is not None

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
            sa_select(col(EvidenceRow.nominee), col(EvidenceRow.criterion_key), func.count())
            .where(*selection.clauses())
            .group_by(col(EvidenceRow.nominee), col(EvidenceRow.criterion_key))
        )
        with self.reading() as session:
            return list(map(CaseCount._make, session.execute(query)))

    def newest(self, selection: EvidenceFilter, per_person: int) -> dict[str, list[Case]]:
        """Each person's newest cases: ranked from an index, then only those rows are read."""
        rank = (
            func.row_number()
            .over(
                partition_by=col(EvidenceRow.nominee),
                order_by=(col(EvidenceRow.nominated_on).desc(), col(EvidenceRow.id).desc()),
            )
            .label("rank")
        )
        ranked = sa_select(col(EvidenceRow.id), rank).where(*selection.clauses()).subquery()
        query = (
            sa_select(
                col(EvidenceRow.nominee),
                col(EvidenceRow.nominator),
                col(EvidenceRow.criterion_key),
                col(EvidenceRow.story),
                col(EvidenceRow.nominated_on),
                col(EvidenceRow.link),
            )
            .join(ranked, ranked.c.id == col(EvidenceRow.id))
            .where(ranked.c.rank <= per_person)
            .order_by(col(EvidenceRow.nominee), ranked.c.rank)
        )
        cases: dict[str, list[Case]] = {}
        with self.reading() as session:
            for case in map(Case._make, session.execute(query)):
                cases.setdefault(case.nominee, []).append(case)
        return cases

    def export(self, selection: EvidenceFilter) -> Iterator[EvidenceRecord]:
        """Every case in the selection, oldest first, fetched in batches (constant memory)."""
        columns = [col(getattr(EvidenceRow, name)) for name in EvidenceRecord._fields]
        last_id = 0
        while True:
            query = (
                sa_select(col(EvidenceRow.id), *columns)
                .where(*selection.clauses(), col(EvidenceRow.id) > last_id)
                .order_by(col(EvidenceRow.id))
                .limit(EXPORT_BATCH)
            )
            with self.engine.connect() as connection:  # Core rows: no ORM loading per case
                rows = connection.execute(query).all()
            if not rows:
                return
            for row in rows:
                record = EvidenceRecord._make(row[1:])
                if record.created_at.tzinfo is None or record.updated_at.tzinfo is None:
                    record = record._replace(
                        created_at=utc(record.created_at), updated_at=utc(record.updated_at)
                    )
                yield record
            last_id = rows[-1][0]

    def purge(self, *, through: date) -> int:
        """Delete every case said on or before `through` (retention), and old retractions."""
        with self.writing() as session:
            result = session.execute(
                delete(EvidenceRow).where(col(EvidenceRow.nominated_on) <= through)
            )
            session.execute(
                delete(RetractionRow).where(
                    col(RetractionRow.at) < datetime.combine(through, datetime.min.time(), UTC)
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

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
