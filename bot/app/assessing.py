"""The assessment forms: a person's self-assessment and their manager's, each value's score
backed by citations that follow the pack's rules (通关制), and non-conforming cases.

A cited case must be about the person, counted, in the review's cycle and for that value: a
form cannot cite someone else's story, nor a level the case was not recorded for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app.reading import ReadError
from bot.app.review_desk import Desk, Refused
from bot.core.appraisal import Citation, Lack, Needs, Written, lacks, supported
from bot.core.messages import Reply
from bot.core.permissions import Access, Scope
from bot.core.review import Assessed, Kind, Nonconforming, Review, Stage
from bot.core.rubric import Value
from bot.core.summaries import Case

MAX_COMMENT = 4000
MAX_PART = 2000


@dataclass(frozen=True)
class Entry:
    """One value of a submitted form."""

    value_key: str
    score: float
    comment: str = ""
    case_ids: tuple[int, ...] = ()
    written: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Why a value's score was refused: the level and what it lacks."""

    value_key: str
    lack: Lack


@dataclass(frozen=True)
class Sheet:
    """What an assessment form shows."""

    review: Review
    person: str
    kind: Kind
    cases: tuple[Case, ...]
    ceilings: dict[str, float]  # the evidence ceiling per value: the starting point offered
    mine: dict[str, Assessed]
    self_scores: dict[str, Assessed]
    nonconforming: tuple[Nonconforming, ...]
    open: bool  # the form can still be sent
    names: dict[str, str] = field(default_factory=dict)


class Assessing:
    """The self and manager assessment forms, and non-conforming cases."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _may_write(self, actor: str, person: str, kind: Kind) -> bool:
        if kind is Kind.SELF:
            return actor == person
        return bool(self.desk.chain(person)[:1] == [actor])

    def _may_see(self, access: Access, person: str, kind: Kind) -> bool:
        return (
            self._may_write(access.person, person, kind)
            or access.is_admin
            or (person in access.reports)
        )

    def sheet(self, actor: str, cycle_id: str | None, person: str, kind: Kind) -> Sheet:
        desk = self.desk
        review, access = desk.review(cycle_id), desk.access(actor)
        if not self._may_see(access, person, kind):
            raise Refused(Reply("review_not_yours"))
        cases = self._cases(access, review, person)
        against = self._against(review, person)
        stored = desk.repo.reviews.assessments(review, people=[person])
        nonconforming = desk.repo.reviews.nonconforming(review.cycle_id, [person])
        if kind is Kind.SELF and not (access.is_admin or person in access.reports):
            nonconforming = []  # the person reads them with their released result
        return Sheet(
            review=review,
            person=person,
            kind=kind,
            cases=cases,
            ceilings={v.key: self._ceiling(v, cases, against) for v in desk.rubric.values},
            mine={a.value_key: a for a in stored if a.kind is kind},
            self_scores={a.value_key: a for a in stored if a.kind is Kind.SELF},
            nonconforming=tuple(nonconforming),
            open=self._may_write(actor, person, kind) and review.stage.value == kind.value,
            names=desk.repo.people.names([person, *(c.nominator for c in cases)]),
        )

    def cases_of(self, actor: str, cycle_id: str | None, person: str) -> dict[int, Case]:
        """The counted cases about `person` in the review's cycle, by number, as `actor` may
        read them (their own, or a report's, or everyone's for HR; audited)."""
        review = self.desk.review(cycle_id)
        return {c.id: c for c in self._cases(self.desk.access(actor), review, person)}

    def _cases(self, access: Access, review: Review, person: str) -> tuple[Case, ...]:
        """Every counted case about `person` in the cycle (a read of another person: audited)."""
        try:
            summary = self.desk.reading.summary(
                access, Scope(person=person), cycle_id=review.cycle_id, action="review_evidence"
            )
        except ReadError as error:
            raise Refused(error.reply) from None
        found = next((p for p in summary.people if p.person == person), None)
        return found.newest if found else ()

    def _against(self, review: Review, person: str) -> dict[str, dict[int, int]]:
        """Non-conforming cases per value and level, recorded in the review's cycle."""
        counted: dict[str, dict[int, int]] = {}
        for case in self.desk.repo.reviews.nonconforming(review.cycle_id, [person]):
            levels = counted.setdefault(case.value_key, {})
            levels[case.level] = levels.get(case.level, 0) + 1
        return counted

    def _ceiling(
        self, value: Value, cases: tuple[Case, ...], against: dict[str, dict[int, int]]
    ) -> float:
        cited = [Citation(_level(c), case_id=c.id) for c in cases if _value(c) == value.key]
        return supported(value, cited, against.get(value.key, {}))

    def submit(
        self, actor: str, cycle_id: str | None, person: str, kind: Kind, entries: list[Entry]
    ) -> list[Problem]:
        """Store the form when every value's score holds; else the problems, nothing stored."""
        desk = self.desk
        review = desk.review(cycle_id)
        if not self._may_write(actor, person, kind):
            raise Refused(Reply("review_not_yours"))
        if review.stage.value != kind.value:
            raise Refused(Reply(f"review_closed_{kind.value}", {"cycle": review.cycle_id}), 400)
        if desk.repo.directory.member(person) is None:  # nobody's report: no result to hold it
            raise Refused(Reply("review_not_in_directory", {"person": person}), 400)
        cases = {c.id: c for c in self._cases(desk.access(actor), review, person)}
        against = self._against(review, person)
        given = {e.value_key: e for e in entries}
        problems, scored = [], []
        for value in desk.rubric.values:
            entry = given.get(value.key)
            if entry is None:
                problems.append(Problem(value.key, Lack(0, Needs.OFF_SCALE)))
                continue
            citations = self._citations(entry, value, cases)
            problems += [
                Problem(value.key, lack)
                for lack in lacks(value, entry.score, citations, against.get(value.key, {}))
            ]
            scored.append(
                Assessed(
                    person,
                    kind,
                    value.key,
                    entry.score,
                    entry.comment[:MAX_COMMENT],
                    citations,
                    actor,
                )
            )
        if not problems:
            desk.repo.reviews.assess(review, scored, now=desk.clock.now())
            desk.audit(actor, f"assessment_{kind.value}", review, [person])
        return problems

    def _citations(
        self, entry: Entry, value: Value, cases: dict[int, Case]
    ) -> tuple[Citation, ...]:
        """The entry's citations that may count: its own cases for this value, complete STARs."""
        found = []
        for case_id in entry.case_ids:
            case = cases.get(case_id)
            if case is None or _value(case) != value.key:
                raise Refused(Reply("review_case_not_theirs", {"case": f"c{case_id}"}), 400)
            found.append(Citation(_level(case), case_id=case.id))
        levels = {c.level for c in value.criteria}
        for citation in entry.written:
            if citation.level in levels and citation.written is not None:
                found.append(Citation(citation.level, written=_clipped(citation.written)))
        return tuple(found)

    def record_nonconforming(
        self,
        actor: str,
        cycle_id: str | None,
        person: str,
        value_key: str,
        level: int,
        case: Written,
    ) -> Nonconforming:
        """A manager in the person's chain, or HR, records a non-conforming case (audited)."""
        desk = self.desk
        review, access = desk.review(cycle_id), desk.access(actor)
        if not (access.is_admin or person in access.reports):
            raise Refused(Reply("review_not_yours"))
        value = desk.rubric.value(value_key)
        if value is None or level not in {c.level for c in value.criteria}:
            raise Refused(Reply("review_bad_level"), 400)
        if not case.complete:
            raise Refused(Reply("review_star_incomplete"), 400)
        if review.stage in (Stage.RELEASED, Stage.CLOSED):
            raise Refused(Reply("review_released_already", {"cycle": review.cycle_id}), 400)
        recorded = Nonconforming(
            0, person, review.cycle_id, value.key, level, _clipped(case), actor, desk.clock.now()
        )
        number = desk.repo.reviews.record_nonconforming(recorded)
        desk.audit(actor, "nonconforming_recorded", review, [person], detail=f"{value.key}:{level}")
        return Nonconforming(number, *list(recorded.__dict__.values())[1:])


def _value(case: Case) -> str:
    return case.criterion_key.rsplit(":", 1)[0]


def _level(case: Case) -> int:
    tail = case.criterion_key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _clipped(case: Written) -> Written:
    return Written(
        *(part.strip()[:MAX_PART] for part in (case.situation, case.task, case.action, case.result))
    )
