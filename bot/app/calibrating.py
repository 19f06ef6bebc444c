"""Calibration, results and appeals: HR reads the distribution of totals and the outliers,
adjusts a score with a reason and locks; once released each person reads their result and
confirms or appeals within the window; HR answers the appeal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.app.review_desk import Desk, Refused
from bot.core.appraisal import scale
from bot.core.calibration import (
    BandCount,
    Outlier,
    Scores,
    distribution,
    outliers_of,
    parse_guidance,
)
from bot.core.ceiling import evidence_ceiling
from bot.core.cycles import previous_cycle
from bot.core.directory import Member
from bot.core.messages import Reply
from bot.core.review import (
    Adjustment,
    Answer,
    Assessed,
    Kind,
    Outcome,
    Review,
    Stage,
    add_workdays,
    appeal_open,
)
from storage.evidence import EvidenceFilter

MAX_TEXT = 2000


@dataclass(frozen=True)
class Result:
    """One person's result in a review."""

    person: str
    member: Member
    self_scores: dict[str, Assessed]
    manager_scores: dict[str, Assessed]
    final: dict[str, float]
    adjustments: tuple[Adjustment, ...]
    outcome: Outcome | None
    appeal_until: date | None

    @property
    def total(self) -> float:
        return sum(self.final.values())

    @property
    def self_total(self) -> float:
        return sum(a.score for a in self.self_scores.values())


@dataclass(frozen=True)
class Calibration:
    review: Review
    results: list[Result]
    organisation: list[BandCount]
    departments: dict[str, list[BandCount]]
    outliers: list[Outlier]
    names: dict[str, str] = field(default_factory=dict)


class Calibrating:
    """Calibration, results, confirmations and appeals."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def results(self, review: Review, people: list[Member]) -> list[Result]:
        """Each person's scores, final scores, adjustments and answer (grouped once: a review
        of 20,000 people holds 240,000 scores)."""
        reviews = self.desk.repo.reviews
        wanted = None if len(people) > 500 else [m.person for m in people]
        assessed: dict[str, list[Assessed]] = {}
        for a in reviews.assessments(review, people=wanted):
            assessed.setdefault(a.person, []).append(a)
        adjusted: dict[str, list[Adjustment]] = {}
        for adjustment in reviews.adjustments(review, people=wanted):
            adjusted.setdefault(adjustment.person, []).append(adjustment)
        outcomes = reviews.outcomes(review, people=wanted)
        return [
            self._result(
                review, m, assessed.get(m.person, []), adjusted.get(m.person, []), outcomes
            )
            for m in people
        ]

    def _result(
        self,
        review: Review,
        member: Member,
        mine: list[Assessed],
        changed: list[Adjustment],
        outcomes: dict[str, Outcome],
    ) -> Result:
        manager = {a.value_key: a for a in mine if a.kind is Kind.MANAGER}
        final = {k: a.score for k, a in manager.items()}
        for adjustment in changed:
            final[adjustment.value_key] = adjustment.after
        until = None
        if review.released_on is not None:
            workday = self.desk.calendar(member.country)
            until = add_workdays(review.released_on, review.appeal_workdays, workday)
        return Result(
            member.person,
            member,
            {a.value_key: a for a in mine if a.kind is Kind.SELF},
            manager,
            final,
            tuple(changed),
            outcomes.get(member.person),
            until,
        )

    def calibration(
        self, actor: str, cycle_id: str | None, department: str | None = None
    ) -> Calibration:
        """The distribution of everyone; the outliers of one department when it is given (the
        evidence ceilings of 20,000 people cost seconds; a department's, little)."""
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        members = desk.members()
        results = [r for r in self.results(review, members) if r.manager_scores]
        bands = parse_guidance(review.guidance)
        totals = {r.person: r.total for r in results}
        by_department: dict[str, dict[str, float]] = {}
        for r in results:
            by_department.setdefault(r.member.department or "—", {})[r.person] = r.total
        calibration = Calibration(
            review=review,
            results=results,
            organisation=distribution(totals, bands),
            departments={d: distribution(t, bands) for d, t in sorted(by_department.items())},
            outliers=self._outliers(
                review,
                [
                    r
                    for r in results
                    if not department or (r.member.department or "—") == department
                ],
            ),
            names={m.person: m.name for m in members if m.name},
        )
        desk.audit(actor, "review_calibration", review, sorted(totals))
        return calibration

    def _outliers(self, review: Review, results: list[Result]) -> list[Outlier]:
        desk = self.desk
        ceilings = self._ceilings(review, [r.person for r in results])
        before = self._previous_finals(review, [r.member for r in results])
        found: list[Outlier] = []
        for r in results:
            for value in desk.rubric.values:
                manager = r.manager_scores.get(value.key)
                own = r.self_scores.get(value.key)
                scores = Scores(
                    manager=manager.score if manager else None,
                    self=own.score if own else None,
                    ceiling=ceilings.get(r.person, {}).get(value.key, 0.0),
                    previous=before.get(r.person, {}).get(value.key),
                )
                found += outliers_of(r.person, value.key, scores)
        return found

    def _ceilings(self, review: Review, people: list[str]) -> dict[str, dict[str, float]]:
        """The evidence ceiling of each person per value, non-conforming cases counted (the
        calibration itself is the audited read). People share a few patterns of levels with a
        case: each pattern's ceiling is worked out once."""
        desk = self.desk
        cycle = desk.cycle(review.cycle_id)
        selection = EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        levels: dict[str, dict[str, set[int]]] = {}
        for person, keys in desk.repo.insights.criteria_with_cases(selection, people).items():
            mine = levels.setdefault(person, {})
            for key in keys:
                value_key, _, level = key.rpartition(":")
                if level.isdigit():
                    mine.setdefault(value_key, set()).add(int(level))
        against: dict[tuple[str, str], dict[int, int]] = {}
        for case in desk.repo.reviews.nonconforming(review.cycle_id, people):
            counted = against.setdefault((case.person, case.value_key), {})
            counted[case.level] = counted.get(case.level, 0) + 1
        known: dict[tuple[str, frozenset[int]], float] = {}
        ceilings: dict[str, dict[str, float]] = {}
        for person in people:
            mine, found = levels.get(person, {}), {}
            for value in desk.rubric.values:
                held = frozenset(mine.get(value.key, ()))
                bad = against.get((person, value.key))
                if bad:  # rare: worked out on its own
                    found[value.key] = float(evidence_ceiling(value, dict.fromkeys(held, 1), bad))
                    continue
                if (value.key, held) not in known:
                    known[(value.key, held)] = float(
                        evidence_ceiling(value, dict.fromkeys(held, 1))
                    )
                found[value.key] = known[(value.key, held)]
            ceilings[person] = found
        return ceilings

    def _previous_finals(self, review: Review, people: list[Member]) -> dict[str, dict[str, float]]:
        desk = self.desk
        cycle = desk.cycle(review.cycle_id)
        earlier = desk.repo.reviews.get(previous_cycle(cycle, desk.repo.governance.cycles()).id)
        if earlier is None:
            return {}
        return {r.person: r.final for r in self.results(earlier, people) if r.final}

    def adjust(
        self,
        actor: str,
        cycle_id: str | None,
        person: str,
        value_key: str,
        after: float,
        reason: str,
    ) -> Adjustment:
        """HR changes one final score with a reason: in calibration before the lock, or in
        answer to an open appeal. Audited."""
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        appeal = desk.repo.reviews.outcomes(review, [person]).get(person)
        on_appeal = (
            review.stage is Stage.RELEASED
            and appeal is not None
            and appeal.answer is Answer.APPEALED
        )
        if not on_appeal and (review.stage is not Stage.CALIBRATION or review.locked):
            raise Refused(Reply("review_not_adjustable", {"cycle": review.cycle_id}), 400)
        value = desk.rubric.value(value_key)
        member = desk.repo.directory.member(person)
        if value is None or member is None:
            raise Refused(Reply("review_bad_adjustment"), 400)
        if after not in scale(value):
            raise Refused(Reply("review_bad_adjustment"), 400)
        reason = reason.strip()[:MAX_TEXT]
        if not reason:
            raise Refused(Reply("review_reason_needed"), 400)
        current = self.results(review, [member])[0].final.get(value.key)
        if current is None:
            raise Refused(Reply("review_not_scored", {"person": person}), 400)
        adjustment = Adjustment(
            person, value.key, current, after, reason, actor, on_appeal, desk.clock.now()
        )
        desk.repo.reviews.adjust(review, adjustment)
        desk.audit(
            actor,
            "review_adjust",
            review,
            [person],
            detail=f"{value.key} {current:g} -> {after:g}: {reason}",
        )
        return adjustment

    # ---- results, confirmation and appeal ---------------------------------------------------

    def result(self, actor: str, cycle_id: str | None, person: str) -> Result:
        desk = self.desk
        review, access = desk.review(cycle_id), desk.access(actor)
        if not desk.may_read_result(access, person, review):
            raise Refused(Reply("review_not_released" if person == actor else "review_not_yours"))
        member = desk.repo.directory.member(person)
        if member is None:
            raise Refused(Reply("review_not_in_directory", {"person": person}), 404)
        desk.audit(actor, "review_result", review, [person])
        return self.results(review, [member])[0]

    def answer(self, actor: str, cycle_id: str | None, appeal: str | None) -> Outcome:
        """The person confirms (appeal None) or appeals with a text, within the window."""
        desk = self.desk
        review = desk.review(cycle_id)
        if review.stage is not Stage.RELEASED:
            raise Refused(Reply("review_not_released"), 400)
        if not appeal_open(
            review.released_on, desk.today(), review.appeal_workdays, desk.workday(actor)
        ):
            raise Refused(Reply("review_appeal_window_over", {"cycle": review.cycle_id}), 400)
        mine = desk.repo.reviews.assessments(review, people=[actor], kind=Kind.MANAGER)
        if not mine:
            raise Refused(Reply("review_no_result", {"cycle": review.cycle_id}), 404)
        text = (appeal or "").strip()[:MAX_TEXT]
        if appeal is not None and not text:
            raise Refused(Reply("review_appeal_needs_text"), 400)
        kind = Answer.APPEALED if appeal is not None else Answer.CONFIRMED
        if not desk.repo.reviews.answer(review, actor, kind, text, now=desk.clock.now()):
            raise Refused(Reply("review_answered_already"), 400)
        desk.audit(actor, f"review_{kind.value}", review, [])
        if kind is Answer.APPEALED:
            for hr in desk.hr():
                desk.tell(hr, "review_appeal_arrived", cycle=review.cycle_id, who=actor)
        return desk.repo.reviews.outcomes(review, [actor])[actor]

    def resolve(
        self,
        actor: str,
        cycle_id: str | None,
        person: str,
        resolution: str,
        adjust: tuple[str, float] | None,
    ) -> Outcome:
        """HR answers an appeal: upholds, or adjusts one value; the person is told."""
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        text = resolution.strip()[:MAX_TEXT]
        if not text:
            raise Refused(Reply("review_reason_needed"), 400)
        open_appeal = desk.repo.reviews.outcomes(review, [person]).get(person)
        if open_appeal is None or open_appeal.answer is not Answer.APPEALED:
            raise Refused(Reply("review_no_appeal", {"person": person}), 400)
        if adjust is not None:
            self.adjust(actor, review.cycle_id, person, adjust[0], adjust[1], text)
        answer = Answer.ADJUSTED if adjust is not None else Answer.UPHELD
        if not desk.repo.reviews.resolve(
            review, person, answer, text, by=actor, now=desk.clock.now()
        ):
            raise Refused(Reply("review_no_appeal", {"person": person}), 400)
        desk.audit(actor, f"review_appeal_{answer.value}", review, [person], detail=text)
        desk.tell(person, f"review_appeal_{answer.value}", cycle=review.cycle_id)
        return desk.repo.reviews.outcomes(review, [person])[person]

    def appeals(self, actor: str, cycle_id: str | None) -> list[Outcome]:
        desk = self.desk
        desk.admin(actor)
        review = desk.review(cycle_id)
        found = [
            o
            for o in desk.repo.reviews.outcomes(review).values()
            if o.answer is not Answer.CONFIRMED
        ]
        desk.audit(actor, "review_appeals", review, [o.person for o in found])
        return found
