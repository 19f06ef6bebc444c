"""Reviews: their stages, assessments with citations, adjustments, non-conforming cases,
people's answers, and the nudges already sent."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core.appraisal import Citation, Written
from bot.core.review import (
    Adjustment,
    Answer,
    Assessed,
    Kind,
    Nonconforming,
    Outcome,
    Review,
    Stage,
)
from storage.store import Store, utc
from storage.tables import (
    AdjustmentRow,
    AssessmentRow,
    NonconformingRow,
    NoticeRow,
    ReviewAnswerRow,
    ReviewNoticeRow,
    ReviewRow,
)

ASSESSMENT: Table = AssessmentRow.__table__  # type: ignore[attr-defined]
KINDS = {k.value: k for k in Kind}


class Reviews(Store):
    """One review per cycle, and everything said in it."""

    def open(self, review: Review, *, by: str, now: datetime) -> Review | None:
        """Store a new review; None when the cycle has one already."""
        row = ReviewRow(
            cycle_id=review.cycle_id,
            stage=review.stage.value,
            self_due=review.self_due,
            manager_due=review.manager_due,
            calibration_due=review.calibration_due,
            appeal_workdays=review.appeal_workdays,
            guidance=review.guidance,
            opened_by=by,
            opened_at=now,
        )
        try:
            with self.writing() as session:
                session.add(row)
                session.flush()
                return _review(row)
        except IntegrityError:
            return None

    def get(self, cycle_id: str) -> Review | None:
        with self.reading() as session:
            row = session.exec(select(ReviewRow).where(col(ReviewRow.cycle_id) == cycle_id)).first()
            return _review(row) if row else None

    def every(self) -> list[Review]:
        with self.reading() as session:
            rows = session.exec(select(ReviewRow).order_by(col(ReviewRow.id).desc())).all()
            return [_review(row) for row in rows]

    def move(self, review: Review, stage: Stage, *, released_on: date | None = None) -> bool:
        """Move a review on from the stage it was read at; False when someone else did first."""
        values: dict[str, Any] = {"stage": stage.value}
        if released_on is not None:
            values["released_on"] = released_on
        with self.writing() as session:
            moved = session.execute(
                update(ReviewRow)
                .where(col(ReviewRow.id) == review.id, col(ReviewRow.stage) == review.stage.value)
                .values(**values)
            )
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    def lock(self, review: Review) -> None:
        with self.writing() as session:
            session.execute(
                update(ReviewRow).where(col(ReviewRow.id) == review.id).values(locked=True)
            )

    # ---- assessments ------------------------------------------------------------------

    def assess(self, review: Review, scores: Sequence[Assessed], *, now: datetime) -> None:
        """Replace one person's assessment of one kind by `scores` (one per value)."""
        with self.writing() as session:
            for scored in scores:
                session.execute(
                    delete(AssessmentRow).where(
                        col(AssessmentRow.review_id) == review.id,
                        col(AssessmentRow.person) == scored.person,
                        col(AssessmentRow.kind) == scored.kind.value,
                        col(AssessmentRow.value_key) == scored.value_key,
                    )
                )
                session.add(
                    AssessmentRow(
                        review_id=review.id,
                        person=scored.person,
                        kind=scored.kind.value,
                        value_key=scored.value_key,
                        score=scored.score,
                        comment=scored.comment,
                        citations=_dump(scored.citations),
                        by=scored.by,
                        at=now,
                    )
                )

    def assessments(
        self, review: Review, *, people: Iterable[str] | None = None, kind: Kind | None = None
    ) -> list[Assessed]:
        """Scores as plain rows through the driver (a review of 20,000 people holds 240,000:
        ORM objects would cost seconds), oldest first."""
        a = ASSESSMENT.c
        query = sa_select(
            a.person, a.kind, a.value_key, a.score, a.comment, a.citations, a.by
        ).where(a.review_id == review.id)
        if kind is not None:
            query = query.where(a.kind == kind.value)
        wanted = None if people is None else sorted(set(people))
        found: list[Assessed] = []
        with self.engine.connect() as connection:
            for start in range(0, len(wanted) if wanted is not None else 1, 500):
                chunk = (
                    query
                    if wanted is None
                    else query.where(a.person.in_(wanted[start : start + 500]))
                )
                rows = connection.execute(chunk.order_by(a.id)).cursor.fetchall()
                found += [
                    Assessed(person, KINDS[k], key, float(score), comment, _citations(cited), by)
                    for person, k, key, score, comment, cited, by in rows
                ]
        return found

    def adjust(self, review: Review, adjustment: Adjustment) -> None:
        with self.writing() as session:
            session.add(
                AdjustmentRow(
                    review_id=review.id,
                    person=adjustment.person,
                    value_key=adjustment.value_key,
                    before=adjustment.before,
                    after=adjustment.after,
                    reason=adjustment.reason,
                    on_appeal=adjustment.on_appeal,
                    by=adjustment.by,
                    at=adjustment.at,
                )
            )

    def adjustments(
        self, review: Review, *, people: Iterable[str] | None = None
    ) -> list[Adjustment]:
        query = select(AdjustmentRow).where(col(AdjustmentRow.review_id) == review.id)
        if people is not None:
            query = query.where(col(AdjustmentRow.person).in_(sorted(set(people))))
        with self.reading() as session:
            rows = session.exec(query.order_by(col(AdjustmentRow.id))).all()
            return [
                Adjustment(
                    r.person, r.value_key, r.before, r.after, r.reason, r.by, r.on_appeal, utc(r.at)
                )
                for r in rows
            ]

    # ---- non-conforming cases ---------------------------------------------------------

    def record_nonconforming(self, case: Nonconforming) -> int:
        row = NonconformingRow(
            person=case.person,
            cycle_id=case.cycle_id,
            value_key=case.value_key,
            level=case.level,
            situation=case.case.situation,
            task=case.case.task,
            action=case.case.action,
            result=case.case.result,
            by=case.by,
            at=case.at,
        )
        with self.writing() as session:
            session.add(row)
            session.flush()
            return row.id or 0

    def nonconforming(
        self, cycle_id: str, people: Iterable[str] | None = None
    ) -> list[Nonconforming]:
        query = select(NonconformingRow).where(col(NonconformingRow.cycle_id) == cycle_id)
        if people is not None:
            query = query.where(col(NonconformingRow.person).in_(sorted(set(people))))
        with self.reading() as session:
            rows = session.exec(query.order_by(col(NonconformingRow.id))).all()
            return [
                Nonconforming(
                    r.id or 0,
                    r.person,
                    r.cycle_id,
                    r.value_key,
                    r.level,
                    Written(r.situation, r.task, r.action, r.result),
                    r.by,
                    utc(r.at),
                )
                for r in rows
            ]

    # ---- answers and nudges -----------------------------------------------------------

    def answer(
        self, review: Review, person: str, answer: Answer, appeal: str, *, now: datetime
    ) -> bool:
        """A person's confirmation or appeal: once (False when they answered already)."""
        try:
            with self.writing() as session:
                session.add(
                    ReviewAnswerRow(
                        review_id=review.id or 0,
                        person=person,
                        answer=answer.value,
                        appeal=appeal,
                        answered_at=now,
                    )
                )
            return True
        except IntegrityError:
            return False

    def resolve(
        self,
        review: Review,
        person: str,
        answer: Answer,
        resolution: str,
        *,
        by: str,
        now: datetime,
    ) -> bool:
        """HR's answer to an open appeal; False when there is none to answer."""
        with self.writing() as session:
            done = session.execute(
                update(ReviewAnswerRow)
                .where(
                    col(ReviewAnswerRow.review_id) == review.id,
                    col(ReviewAnswerRow.person) == person,
                    col(ReviewAnswerRow.answer) == Answer.APPEALED.value,
                )
                .values(answer=answer.value, resolution=resolution, resolved_by=by, resolved_at=now)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def outcomes(self, review: Review, people: Iterable[str] | None = None) -> dict[str, Outcome]:
        query = select(ReviewAnswerRow).where(col(ReviewAnswerRow.review_id) == review.id)
        if people is not None:
            query = query.where(col(ReviewAnswerRow.person).in_(sorted(set(people))))
        with self.reading() as session:
            return {
                r.person: Outcome(
                    r.person,
                    Answer(r.answer),
                    r.appeal,
                    utc(r.answered_at),
                    r.resolution,
                    r.resolved_by,
                )
                for r in session.exec(query)
            }

    def noticed(self, review: Review, stage: Stage, kind: str) -> set[str]:
        """Who has had this nudge already (read first, so a tick writes only new ones)."""
        query = select(ReviewNoticeRow.person).where(
            col(ReviewNoticeRow.review_id) == review.id,
            col(ReviewNoticeRow.stage) == stage.value,
            col(ReviewNoticeRow.kind) == kind,
        )
        with self.reading() as session:
            return set(session.exec(query).all())

    def announce(
        self,
        review: Review,
        kind: str,
        messages: Mapping[str, tuple[str, Mapping[str, Any]]],
        *,
        now: datetime,
    ) -> list[str]:
        """Queue each person's message (template key, context) in the outbox, once per review,
        stage and kind: the nudge taken and the message queued in one transaction, so a crash
        loses neither and a second replica sends nothing twice. Returns who was new."""
        table = ReviewNoticeRow.__table__  # type: ignore[attr-defined]
        people, new = sorted(messages), []
        with self.writing() as session:
            for start in range(0, len(people), 1_000):
                rows = [
                    {
                        "review_id": review.id,
                        "person": p,
                        "stage": review.stage.value,
                        "kind": kind,
                        "at": now,
                    }
                    for p in people[start : start + 1_000]
                ]
                taken = session.execute(
                    self.insert(table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(table.c.person)
                )
                new += list(taken.scalars())
            for person in new:
                key, context = messages[person]
                text = json.dumps(dict(context), ensure_ascii=False, default=list)
                session.add(NoticeRow(person=person, key=key, context=text, created_at=now))
        return new

    # ---- erasure and retention --------------------------------------------------------

    def forget(self, *, person: str, pseudonym: str) -> None:
        """Everything about `person` goes; what they wrote about others stays under a pseudonym."""
        about = (AssessmentRow, AdjustmentRow, NonconformingRow, ReviewAnswerRow, ReviewNoticeRow)
        with self.writing() as session:
            for table in about:
                session.execute(delete(table).where(col(table.person) == person))
            for table, column in (
                (AssessmentRow, "by"),
                (AdjustmentRow, "by"),
                (NonconformingRow, "by"),
                (ReviewAnswerRow, "resolved_by"),
            ):
                session.execute(
                    update(table)
                    .where(getattr(table, column) == person)
                    .values({column: pseudonym})
                )

    def purge(self, cycle_ids: Iterable[str]) -> int:
        """Delete the reviews of these cycles and all said in them (retention); how many."""
        wanted = sorted(set(cycle_ids))
        if not wanted:
            return 0
        with self.writing() as session:
            ids = list(
                session.exec(select(ReviewRow.id).where(col(ReviewRow.cycle_id).in_(wanted)))
            )
            for table in (AssessmentRow, AdjustmentRow, ReviewAnswerRow, ReviewNoticeRow):
                session.execute(delete(table).where(col(table.review_id).in_(ids)))
            session.execute(
                delete(NonconformingRow).where(col(NonconformingRow.cycle_id).in_(wanted))
            )
            session.execute(delete(ReviewRow).where(col(ReviewRow.id).in_(ids)))
            return len(ids)


def _review(row: ReviewRow) -> Review:
    return Review(
        id=row.id or 0,
        cycle_id=row.cycle_id,
        stage=Stage(row.stage),
        self_due=row.self_due,
        manager_due=row.manager_due,
        calibration_due=row.calibration_due,
        appeal_workdays=row.appeal_workdays,
        guidance=row.guidance,
        locked=row.locked,
        released_on=row.released_on,
    )


def _dump(citations: Iterable[Citation]) -> str:
    out: list[dict[str, Any]] = []
    for c in citations:
        if c.case_id is not None:
            out.append({"level": c.level, "case": c.case_id})
        elif c.written is not None:
            w = c.written
            out.append({"level": c.level, "star": [w.situation, w.task, w.action, w.result]})
    return json.dumps(out, ensure_ascii=False)


def _citations(text: str) -> tuple[Citation, ...]:
    if not text or text == "[]":
        return ()
    citations = []
    for item in json.loads(text):
        if "case" in item:
            citations.append(Citation(int(item["level"]), case_id=int(item["case"])))
        else:
            citations.append(Citation(int(item["level"]), written=Written(*item["star"])))
    return tuple(citations)
