"""Reading cases for summaries: a selection (`EvidenceFilter`), counts per person and
criterion, and each person's newest cases, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, String, Table, and_, bindparam, false, func, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from bot.core.model import CaseState
from bot.core.summaries import Case
from storage.store import Store
from storage.tables import EvidenceRow

COUNT_BATCH = 10_000
EVIDENCE: Table = EvidenceRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EvidenceFilter:
    """Which evidence a read covers. `channels` are `PLATFORM:CHANNEL` keys; None = all."""

    starts_on: date
    ends_on: date
    channels: frozenset[str] | None = None
    nominee: str | None = None
    value_key: str | None = None

    def clauses(
        self, table: FromClause | None = None, states: tuple[CaseState, ...] = ()
    ) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this selection over `table` (the evidence table or an alias),
        of counted cases (or of cases in `states`)."""
        c = (EVIDENCE if table is None else table).c
        clauses: list[ColumnElement[bool]] = [
            c.state.in_([str(s) for s in states]) if states else c.state == CaseState.ACTIVE,
            c.nominated_on >= self.starts_on,
            c.nominated_on <= self.ends_on,
        ]
        if self.channels is not None:
            pairs = [key.split(":", 1) for key in sorted(self.channels)]
            clauses.append(
                or_(false(), *(and_(c.platform == p, c.channel == ch) for p, ch in pairs))
            )
        if self.nominee is not None:
            clauses.append(c.nominee == self.nominee)
        if self.value_key is not None:
            clauses.append(c.criterion_key.startswith(f"{self.value_key}:"))
        return clauses


class CaseReads(Store):
    """The summary reads of the evidence table (the `Evidence` store inherits them)."""

    def counts(self, selection: EvidenceFilter) -> Iterator[tuple[str, str, int]]:
        """(nominee, criterion key, cases) for every pair with a case in the selection.

        Streamed in batches: an organisation's cycle has 200,000 such rows, which are added
        up as they come rather than held.
        """
        c = EVIDENCE.c
        query = (
            sa_select(c.nominee, c.criterion_key, func.count().label("cases"))
            .where(*selection.clauses())
            .group_by(c.nominee, c.criterion_key)
        )
        with self.engine.connect() as connection:
            # Strings and a count need no conversion: read the driver's own cursor, in batches,
            # without building a Row per pair.
            cursor = connection.execute(query).cursor
            while batch := cursor.fetchmany(COUNT_BATCH):
                yield from batch

    def total(self, selection: EvidenceFilter) -> int:
        """How many counted cases the selection holds."""
        query = sa_select(func.count()).select_from(EVIDENCE).where(*selection.clauses())
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def took_part(self, selection: EvidenceFilter) -> set[str]:
        """Everyone who told a case in the selection, or was named in one (counted, asked
        about or hidden): the people a summary of it should not overlook."""
        c = EVIDENCE.c
        told = (CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN)
        query = (
            sa_select(c.nominator.label("person"))
            .where(*selection.clauses(states=told))
            .union(sa_select(c.nominee).where(*selection.clauses(states=told)))
        )
        with self.engine.connect() as connection:
            return {row[0] for row in connection.execute(query)}

    @contextmanager
    def newest_meanwhile(
        self, selection: EvidenceFilter, per_person: int
    ) -> Iterator[Callable[[Collection[str]], dict[str, list[Case]]]]:
        """Yields `cases_of(people)`: the `newest` cases, read while the caller reads counts.

        PostgreSQL works in its own processes, so the read starts at once, for everyone in
        the selection, on a second connection: an organisation's summary takes the longer of
        the two reads instead of their sum. SQLite would only compete for this process's
        interpreter, so it reads afterwards, for the people named.
        """
        if self.engine.dialect.name != "postgresql":
            yield lambda people: self.newest(selection, per_person, people)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="newest") as other:
            cases = other.submit(self.newest, selection, per_person, None)
            yield lambda _people: cases.result()

    def newest(
        self, selection: EvidenceFilter, per_person: int, people: Collection[str] | None
    ) -> dict[str, list[Case]]:
        """The newest `per_person` cases of each of `people` in the selection, newest first.

        Each person's cases are found with a few steps of the (nominee, date, id) index
        instead of ranking every case of the selection. `people` None: everyone in the
        selection (PostgreSQL only).
        """
        if people is not None and not people:
            return {}
        e, x = EVIDENCE, EVIDENCE.alias("x")
        newest_first = (x.c.nominated_on.desc(), x.c.id.desc())
        if self.engine.dialect.name == "postgresql":
            who: Any = (
                sa_select(e.c.nominee).where(*selection.clauses()).distinct().subquery("who")
                if people is None
                else func.unnest(bindparam("people", sorted(people), ARRAY(String)))
                .table_valued("nominee")
                .render_derived(name="who")
            )
            top = (
                sa_select(*(x.c[name] for name in Case._fields))
                .where(x.c.nominee == who.c.nominee, *selection.clauses(x))
                .order_by(*newest_first)
                .limit(per_person)
                .lateral("top")
            )
            query = (
                sa_select(*(top.c[name] for name in Case._fields))
                .select_from(who)
                .join(top, true())
                .order_by(top.c.nominee, top.c.nominated_on.desc(), top.c.id.desc())
            )
        else:  # SQLite has no LATERAL; a correlated IN (… LIMIT n) seeks the same index
            if people is None:
                raise ValueError("SQLite reads the newest cases of named people only")
            listed = func.json_each(json.dumps(sorted(people))).table_valued("value")
            ids = (
                sa_select(x.c.id)
                .where(x.c.nominee == listed.c.value, *selection.clauses(x))
                .order_by(*newest_first)
                .limit(per_person)
                .correlate(listed)
            )
            query = (
                sa_select(*(e.c[name] for name in Case._fields))
                .select_from(listed)
                .join(e, e.c.id.in_(ids))
                .order_by(e.c.nominee, e.c.nominated_on.desc(), e.c.id.desc())
            )
        cases: dict[str, list[Case]] = {}
        with self.engine.connect() as connection:
            rows = connection.execute(query).cursor.fetchall()  # the driver's rows, unconverted
        for nominee, nominator, criterion_key, story, on, link, number in rows:
            case = Case(nominee, nominator, criterion_key, story, _day(on), link, number)
            found = cases.get(nominee)
            if found is None:
                cases[nominee] = [case]
            else:
                found.append(case)
        return cases


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
