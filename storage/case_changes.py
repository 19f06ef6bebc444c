"""Changing one stored case after the fact: its author confirms, withdraws or moves it; a
manager or admin hides, restores or moves it; its nominee flags it; an admin maps a pack's
criteria onto another's. Each change is one short write; the audit entry is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.messages import Place
from bot.core.model import CaseState, StoredCase
from storage.case_reads import EVIDENCE, EvidenceFilter
from storage.evidence import message_clauses, retraction
from storage.store import Store
from storage.tables import EvidenceRow

ACTIVE, PENDING, HIDDEN = CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN
WITHDRAWN = CaseState.WITHDRAWN
LISTED = (ACTIVE, PENDING, HIDDEN)


def _stored(row: EvidenceRow) -> StoredCase:
    return StoredCase(
        id=row.id or 0,
        place=Place(row.platform, row.workspace, row.channel),
        message_id=row.source_message_id,
        nominee=row.nominee,
        nominator=row.nominator,
        criterion_key=row.criterion_key,
        story=row.story,
        nominated_on=row.nominated_on,
        state=CaseState(row.state),
        link=row.link,
        rubric_key=row.rubric_key,
        moved_from=row.moved_from,
        hidden_reason=row.hidden_reason,
        hidden_by=row.hidden_by,
        flag_reason=row.flag_reason,
    )


class CaseChanges(Store):
    """One case (or one message's cases) found and changed, by its id or its message."""

    def case(self, case_id: int) -> StoredCase | None:
        with self.reading() as session:
            row = session.get(EvidenceRow, case_id)
        return _stored(row) if row is not None else None

    def of_message(self, place: Place, message_id: str) -> list[StoredCase]:
        with self.reading() as session:
            rows = session.exec(
                select(EvidenceRow).where(*message_clauses(place, message_id))
            ).all()
        return [_stored(r) for r in rows]

    def newest_by(self, place: Place, author: str, states: Iterable[CaseState]) -> list[StoredCase]:
        """The cases of the author's newest message in `place` holding a case in `states`."""
        wanted = [str(s) for s in states]
        with self.reading() as session:
            row = session.exec(
                select(EvidenceRow)
                .where(
                    EvidenceRow.platform == place.platform,
                    EvidenceRow.workspace == place.workspace,
                    EvidenceRow.channel == place.channel,
                    EvidenceRow.nominator == author,
                    col(EvidenceRow.state).in_(wanted),
                )
                .order_by(col(EvidenceRow.created_at).desc(), col(EvidenceRow.id).desc())
            ).first()
        if row is None:
            return []
        return [c for c in self.of_message(place, row.source_message_id) if c.state in wanted]

    def confirm(self, place: Place, message_id: str, *, now: datetime) -> list[str]:
        """A pending message's cases counted at last; returns their nominees."""
        return self._set_state(place, message_id, PENDING, ACTIVE, now)

    def withdraw(self, place: Place, message_id: str, *, now: datetime) -> list[str]:
        """Its author takes a message's cases back: withdrawn, story blanked, and the message
        remembered as retracted, so no redelivery or edit brings them back."""
        with self.writing() as session:
            session.execute(retraction(self, place, message_id, now))
            rows = session.exec(
                select(EvidenceRow).where(
                    *message_clauses(place, message_id),
                    col(EvidenceRow.state).in_([ACTIVE, PENDING]),
                )
            ).all()
            for row in rows:
                row.state, row.story, row.updated_at = WITHDRAWN, "", now
                session.add(row)
            return [r.nominee for r in rows]

    def move_message(self, place: Place, message_id: str, to_key: str, *, now: datetime) -> str:
        """Every open case of a message filed under `to_key`; returns the key they had."""
        with self.writing() as session:
            rows = session.exec(
                select(EvidenceRow).where(
                    *message_clauses(place, message_id), col(EvidenceRow.state).in_(LISTED)
                )
            ).all()
            return _move(session, rows, to_key, now)

    def move(self, case_id: int, to_key: str, *, now: datetime) -> str:
        """One case filed under `to_key`; returns the key it had ("" if it is not open)."""
        with self.writing() as session:
            row = session.get(EvidenceRow, case_id)
            rows = [row] if row is not None and row.state in LISTED else []
            return _move(session, rows, to_key, now)

    def hide(self, case_id: int, *, reason: str, by: str, now: datetime) -> bool:
        """Set a counted case aside from appraisal, with the reason (it stays readable)."""
        with self.writing() as session:
            row = session.get(EvidenceRow, case_id)
            if row is None or row.state != ACTIVE:
                return False
            row.state, row.hidden_reason, row.hidden_by, row.updated_at = HIDDEN, reason, by, now
            session.add(row)
            return True

    def restore(self, case_id: int, *, now: datetime) -> bool:
        with self.writing() as session:
            row = session.get(EvidenceRow, case_id)
            if row is None or row.state != HIDDEN:
                return False
            row.state, row.hidden_reason, row.hidden_by, row.updated_at = ACTIVE, "", "", now
            session.add(row)
            return True

    def flag(self, case_id: int, *, reason: str, by: str, now: datetime) -> bool:
        with self.writing() as session:
            row = session.get(EvidenceRow, case_id)
            if row is None or row.state not in LISTED:
                return False
            row.flag_reason, row.flagged_by, row.updated_at = reason, by, now
            session.add(row)
            return True

    def listing(
        self,
        *,
        starts_on: date,
        ends_on: date,
        nominee: str | None = None,
        channels: frozenset[str] | None = None,
        states: Iterable[CaseState] = LISTED,
        limit: int = 50,
        offset: int = 0,
    ) -> list[StoredCase]:
        """Cases in a period, newest first, a page at a time (hidden and pending included)."""
        selection = EvidenceFilter(starts_on, ends_on, channels=channels, nominee=nominee)
        query = select(EvidenceRow).where(*selection.clauses(states=tuple(states)))
        query = query.order_by(
            col(EvidenceRow.nominated_on).desc(), col(EvidenceRow.id).desc()
        ).offset(offset)
        with self.reading() as session:
            return [_stored(r) for r in session.exec(query.limit(limit))]

    # ---- the pack the cases were recorded under ------------------------------------------------

    def criteria_held(self) -> list[tuple[str, str, int]]:
        """(pack, criterion key, open cases) for every pair the evidence holds."""
        c = EVIDENCE.c
        query = (
            sa_select(c.rubric_key, c.criterion_key, func.count())
            .where(c.state.in_([str(s) for s in LISTED]))
            .group_by(c.rubric_key, c.criterion_key)
            .order_by(c.rubric_key, c.criterion_key)
        )
        with self.engine.connect() as connection:
            return [(r[0], r[1], int(r[2])) for r in connection.execute(query)]

    def adopt(self, rubric_key: str, known: Iterable[str]) -> int:
        """Cases from before packs were remembered ("") whose criterion the pack has: theirs."""
        with self.writing() as session:
            result = session.execute(
                update(EvidenceRow)
                .where(
                    col(EvidenceRow.rubric_key) == "",
                    col(EvidenceRow.criterion_key).in_(list(known)),
                )
                .values(rubric_key=rubric_key)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def remap(self, mapping: Mapping[str, str], rubric_key: str, *, now: datetime) -> int:
        """Cases under each OLD criterion (any pack, or none) moved to NEW in `rubric_key`."""
        moved = 0
        with self.writing() as session:
            for old, new in mapping.items():
                result = session.execute(
                    update(EvidenceRow)
                    .where(
                        col(EvidenceRow.criterion_key) == old,
                        col(EvidenceRow.rubric_key) != rubric_key,
                    )
                    .values(criterion_key=new, rubric_key=rubric_key, updated_at=now)
                )
                moved += int(result.rowcount)  # type: ignore[attr-defined]
        return moved

    def _set_state(
        self, place: Place, message_id: str, old: CaseState, new: CaseState, now: datetime
    ) -> list[str]:
        with self.writing() as session:
            rows = session.exec(
                select(EvidenceRow).where(
                    *message_clauses(place, message_id), col(EvidenceRow.state) == old
                )
            ).all()
            for row in rows:
                row.state, row.updated_at = new, now
                session.add(row)
            return [r.nominee for r in rows]


def _move(session: Session, rows: Iterable[EvidenceRow], to_key: str, now: datetime) -> str:
    had = ""
    for row in rows:
        had = row.criterion_key
        if row.criterion_key == to_key:
            continue
        row.moved_from = row.moved_from or row.criterion_key
        row.criterion_key, row.updated_at = to_key, now
        session.add(row)
    return had
