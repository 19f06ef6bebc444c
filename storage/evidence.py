"""Evidence: one row per (platform, workspace, channel, source message, nominee) (invariant 2).

A deleted message leaves tombstones (state `deleted`, story wiped) so that a late retry of the
original delivery cannot bring the case back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Select
from sqlmodel import col, select

from bot.core.messages import Place
from bot.core.model import CaseState, MessageCases, StoryMention
from storage.case_reads import EVIDENCE, CaseReads, EvidenceFilter
from storage.store import Store, utc
from storage.tables import EvidenceRow, RetractionRow

ACTIVE, UNMENTIONED, DELETED = CaseState.ACTIVE, CaseState.UNMENTIONED, CaseState.DELETED
PENDING = CaseState.PENDING
PURGE_BATCH = 5_000  # cases deleted per transaction by retention
__all__ = ["Evidence", "EvidenceFilter"]
RETRACTIONS: Table = RetractionRow.__table__  # type: ignore[attr-defined]


class Evidence(CaseReads):
    """The cases: stored once per nominee and message (a redelivery is a no-op), edited and
    deleted with their message, counted and read for summaries, erased for good on request.
    """

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
        rubric_key: str = "",
        state: CaseState = ACTIVE,
        moved_from: str = "",
    ) -> list[str]:
        """Store a new nomination; returns the nominees stored now (a retry stores none).

        A message already stored (a retry, or its edit arrived first) or already deleted (its
        delete arrived first) stores nothing. `state` PENDING: the author is asked first.
        """
        stored: list[str] = []
        key = _place_of(place, message_id)
        case_of = {
            "source_message_id": message_id, "nominator": nominator,
            "daily_post_id": daily_post_id, "criterion_key": criterion_key, "story": story,
            "link": link, "nominated_on": nominated_on, "created_at": now, "updated_at": now,
            "state": state, "revised_at": revised_at, "rubric_key": rubric_key,
            "moved_from": moved_from, "hidden_reason": "", "hidden_by": "", "flag_reason": "",
            "flagged_by": "",
        }  # fmt: skip
        with self.write_connection() as connection:
            if connection.execute(_RETRACTED, key).first() is not None:
                return stored
            if connection.execute(_STORED, key).first() is not None:
                return stored  # stored already (perhaps from an edit that arrived first)
            for nominee in nominees:
                row = key | case_of | {"nominee": nominee}
                if connection.execute(self._new_case, row).scalar_one_or_none() is not None:
                    stored.append(nominee)
        return stored

    @cached_property
    def _new_case(self) -> Any:  # INSERT … ON CONFLICT DO NOTHING RETURNING id, built once
        names = [c.name for c in EVIDENCE.columns if c.name != "id"]
        return (
            self.insert(EVIDENCE)
            .values({name: bindparam(name) for name in names})
            .on_conflict_do_nothing(
                index_elements=["platform", "workspace", "channel", "source_message_id", "nominee"]
            )
            .returning(EVIDENCE.c.id)
        )

    def message_cases(self, *, place: Place, message_id: str) -> MessageCases | None:
        """What a chat message recorded (None: nothing), for an edit or a deletion of it."""
        with self.reading() as session:
            rows = list(
                session.exec(select(EvidenceRow).where(*message_clauses(place, message_id)))
            )
        if not rows:
            return None
        return MessageCases(
            nominated_on=rows[0].nominated_on, deleted=any(r.state == DELETED for r in rows)
        )

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
            rows = list(
                session.exec(select(EvidenceRow).where(*message_clauses(place, message_id)))
            )
            if not rows or any(row.state == DELETED for row in rows):
                return None
            applied = [utc(row.revised_at) for row in rows if row.revised_at is not None]
            if applied and (revised_at is None or utc(revised_at) <= max(applied)):
                return None
            template = rows[0]
            by_nominee = {row.nominee: row for row in rows}
            # still awaiting its author's yes: a nominee named again is asked about too
            named = PENDING if any(row.state == PENDING for row in rows) else ACTIVE
            added = []
            for nominee in wanted:
                row = by_nominee.get(nominee)
                if row is None:
                    added.append(nominee)
                    row = EvidenceRow(
                        **template.model_dump(
                            exclude={"id", "nominee", "created_at", "hidden_reason", "hidden_by"}
                        ),
                        nominee=nominee,
                        created_at=now,
                    )
                    row.flag_reason = row.flagged_by = ""
                if row.state in (UNMENTIONED, ACTIVE) or row.id is None:
                    row.state = named  # a hidden case stays hidden, a pending one pending
                row.story, row.updated_at, row.revised_at = story, now, revised_at
                session.add(row)
            for row in rows:
                if row.nominee not in wanted and row.state in (ACTIVE, PENDING):
                    row.state, row.updated_at, row.revised_at = UNMENTIONED, now, revised_at
                    session.add(row)
            return added

    def delete(self, *, place: Place, message_id: str, now: datetime) -> int:
        """Retract every case from a deleted message; the story is wiped.

        The deletion itself is remembered, so a late or repeated delivery of the message (or
        of an edit) stores nothing.
        """
        with self.writing() as session:
            session.execute(retraction(self, place, message_id, now))
            result = session.execute(
                update(EvidenceRow)
                .where(*message_clauses(place, message_id))
                .values(state=DELETED, story="", updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def retracted(self, *, place: Place, message_id: str) -> bool:
        return self.first(_RETRACTED, _place_of(place, message_id)) is not None

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

    def purge(self, *, through: date, batch: int = PURGE_BATCH) -> int:
        """Delete every case said on or before `through` (retention), and old retractions.

        In batches, each its own short transaction: the tallies' triggers run per case, and a
        quarter's cases in one transaction would hold SQLite's write lock for seconds."""
        removed = 0
        while True:
            with self.writing() as session:
                ids = select(EvidenceRow.id).where(col(EvidenceRow.nominated_on) <= through)
                result = session.execute(
                    delete(EvidenceRow).where(col(EvidenceRow.id).in_(ids.limit(batch)))
                )
                done = int(result.rowcount)  # type: ignore[attr-defined]
            removed += done
            if done < batch:
                break
        with self.writing() as session:
            session.execute(
                delete(RetractionRow).where(
                    col(RetractionRow.at) < datetime.combine(through, datetime.min.time(), UTC)
                )
            )
        return removed

    def mentioning(self, needles: Iterable[str], *, limit: int = 200) -> list[StoryMention]:
        """Cases whose story names any of `needles` (an id, a mention, a name): after `forget`."""
        wanted = [n for n in dict.fromkeys(needles) if len(n) >= 2]
        if not wanted:
            return []
        with self.reading() as session:
            query = (
                select(EvidenceRow)
                .where(
                    col(EvidenceRow.state) != DELETED,
                    or_(*(col(EvidenceRow.story).contains(n, autoescape=True) for n in wanted)),
                )
                .order_by(col(EvidenceRow.id))
                .limit(limit)
            )
            return [StoryMention(r.id or 0, r.channel, r.story) for r in session.exec(query)]

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
            for column in ("hidden_by", "flagged_by"):  # their moderation of others' cases
                session.execute(
                    update(EvidenceRow)
                    .where(col(getattr(EvidenceRow, column)) == person)
                    .values({column: pseudonym})
                )
            return len(about), int(renamed.rowcount)  # type: ignore[attr-defined]


def retraction(store: Store, place: Place, message_id: str, now: datetime) -> Any:
    """The INSERT that remembers a message as taken back (deleted, or withdrawn): a late or
    repeated delivery of it, or of an edit, then stores nothing."""
    return (
        store.insert(RETRACTIONS)
        .values(
            platform=place.platform,
            workspace=place.workspace,
            channel=place.channel,
            message_id=message_id,
            at=now,
        )
        .on_conflict_do_nothing()
    )


def _place_of(place: Place, message_id: str) -> dict[str, str]:
    return {
        "platform": place.platform,
        "workspace": place.workspace,
        "channel": place.channel,
        "message_id": message_id,
    }


def _of_message(table: Table, message_column: str) -> Select[Any]:
    """The first column of `table`'s rows for one message, built once with bind parameters."""
    c = table.c
    return sa_select(c[message_column]).where(
        c.platform == bindparam("platform"),
        c.workspace == bindparam("workspace"),
        c.channel == bindparam("channel"),
        c[message_column] == bindparam("message_id"),
    )


_RETRACTED = _of_message(RETRACTIONS, "message_id")
_STORED = _of_message(EVIDENCE, "source_message_id")


def message_clauses(place: Place, message_id: str) -> list[ColumnElement[bool]]:
    """The WHERE clauses of one chat message's cases."""
    return [
        and_(
            col(EvidenceRow.platform) == place.platform,
            col(EvidenceRow.workspace) == place.workspace,
            col(EvidenceRow.channel) == place.channel,
            col(EvidenceRow.source_message_id) == message_id,
        )
    ]
