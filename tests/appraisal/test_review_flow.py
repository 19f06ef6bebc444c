"""A whole review through the service, on SQLite and PostgreSQL: each rule the issue names."""

from __future__ import annotations

import pytest

from bot.app.assessing import Entry, Problem
from bot.app.review_desk import Opening, Refused
from bot.core.appraisal import Citation, Lack, Needs, Written
from bot.core.calibration import Why
from bot.core.review import Answer, Kind, Stage
from bot.wiring import Runtime
from tests.appraisal.conftest import ALICE, OPENING
from tests.web.conftest import ADMIN, MANAGER, MEMBER, OTHER

STAR = Written(
    "A customer's launch slipped",
    "Recover it",
    "Bob rebuilt the plan overnight",
    "It shipped on time",
)


def values(rt: Runtime) -> list[str]:
    return [v.key for v in rt.rubric.values]


def entries(rt: Runtime, score: float = 2, **special: Entry) -> list[Entry]:
    return [special.get(k.replace("-", "_")) or Entry(k, score) for k in values(rt)]


def outbox(rt: Runtime) -> list[tuple[str, str]]:
    from sqlmodel import Session, select

    from storage.tables import NoticeRow

    with Session(rt.repo.engine) as session:
        return [(r.person, r.key) for r in session.exec(select(NoticeRow).order_by(NoticeRow.id))]


def bob_case(rt: Runtime, key: str) -> int:
    sheet = rt.service.appraisal.assessing.sheet(MEMBER, None, MEMBER, Kind.SELF)
    return next(c.id for c in sheet.cases if c.criterion_key == key)


def test_only_hr_opens_a_review_and_everyone_in_the_directory_is_told(org: Runtime) -> None:
    reviews = org.service.appraisal.reviews
    with pytest.raises(Refused) as refused:
        reviews.open(MANAGER, OPENING)
    assert refused.value.reply.key == "not_allowed_admin"

    review = reviews.open(ADMIN, OPENING)

    assert review.stage is Stage.SELF and review.guidance == "A>=24:20,B>=15:70,C>=0:10"
    told = {p for p, key in outbox(org) if key == "review_open_self"}
    assert told == {ADMIN, MANAGER, MEMBER, ALICE, "console:sam", OTHER}
    with pytest.raises(Refused) as again:
        reviews.open(ADMIN, OPENING)
    assert again.value.reply.key == "review_exists"
    with pytest.raises(Refused) as backwards:
        reviews.open(
            ADMIN, Opening("2026Q3", OPENING.manager_due, OPENING.self_due, OPENING.calibration_due)
        )
    assert backwards.value.reply.key == "review_dates_order"


def test_a_score_above_its_citations_is_refused_then_accepted_with_a_written_case(
    org: Runtime,
) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    level_two = bob_case(org, "customer-first:2")

    assert (
        appraisal.assessing.submit(
            MEMBER,
            None,
            MEMBER,
            Kind.SELF,
            entries(org, customer_first=Entry("customer-first", 2, "", (level_two,))),
        )
        == []
    )
    with pytest.raises(Refused):  # Mia may not write Bob's self-assessment, nor yet his score
        appraisal.assessing.submit(MANAGER, None, MEMBER, Kind.SELF, entries(org))
    appraisal.reviews.advance(ADMIN, None)

    too_high = appraisal.assessing.submit(
        MANAGER, None, MEMBER, Kind.MANAGER, entries(org, customer_first=Entry("customer-first", 3))
    )
    assert too_high == [Problem("customer-first", Lack(3, Needs.CASE))]
    assert (
        appraisal.desk.repo.reviews.assessments(appraisal.desk.review(None), kind=Kind.MANAGER)
        == []
    )

    written = Entry("customer-first", 3, "strong quarter", written=(Citation(3, written=STAR),))
    assert (
        appraisal.assessing.submit(
            MANAGER, None, MEMBER, Kind.MANAGER, entries(org, customer_first=written)
        )
        == []
    )
    stored = appraisal.desk.repo.reviews.assessments(appraisal.desk.review(None), people=[MEMBER])
    mine = {(a.kind, a.value_key): a for a in stored}
    assert mine[(Kind.MANAGER, "customer-first")].citations == (Citation(3, written=STAR),)
    assert mine[(Kind.SELF, "customer-first")].citations[0].case_id == level_two


def test_a_form_cannot_cite_someone_else_s_case(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    sheet = appraisal.assessing.sheet(ADMIN, None, OTHER, Kind.SELF)
    olga_case = sheet.cases[0].id

    with pytest.raises(Refused) as refused:
        appraisal.assessing.submit(
            MEMBER,
            None,
            MEMBER,
            Kind.SELF,
            entries(org, customer_first=Entry("customer-first", 1, "", (olga_case,))),
        )
    assert refused.value.reply.key == "review_case_not_theirs"


def test_a_non_conforming_case_lowers_what_a_score_may_be_and_is_private(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    with pytest.raises(Refused):  # a peer cannot record one
        appraisal.assessing.record_nonconforming(MEMBER, None, ALICE, "integrity", 1, STAR)
    appraisal.assessing.record_nonconforming(MANAGER, None, ALICE, "integrity", 1, STAR)
    appraisal.reviews.advance(ADMIN, None)

    problems = appraisal.assessing.submit(MANAGER, None, ALICE, Kind.MANAGER, entries(org))
    assert problems == [Problem("integrity", Lack(1, Needs.NO_NONCONFORMING))]
    assert appraisal.assessing.sheet(MANAGER, None, ALICE, Kind.MANAGER).ceilings["integrity"] == 0
    own = appraisal.assessing.sheet(ALICE, None, ALICE, Kind.SELF)
    assert own.nonconforming == ()  # not before release


def test_calibration_adjust_lock_release_confirm_appeal_answer_close(org: Runtime) -> None:
    appraisal = org.service.appraisal
    reviews, assessing, calibrating = appraisal.reviews, appraisal.assessing, appraisal.calibrating
    reviews.open(ADMIN, OPENING)
    assessing.submit(MEMBER, None, MEMBER, Kind.SELF, entries(org, score=0))
    reviews.advance(ADMIN, None)
    star = Entry("customer-first", 3, written=(Citation(3, written=STAR),))
    assert (
        assessing.submit(MANAGER, None, MEMBER, Kind.MANAGER, entries(org, customer_first=star))
        == []
    )
    assert assessing.submit(MANAGER, None, ALICE, Kind.MANAGER, entries(org)) == []
    reviews.advance(ADMIN, None)

    calibration = calibrating.calibration(ADMIN, None)
    why = {(o.person, o.value_key, o.why) for o in calibration.outliers}
    assert (MEMBER, "customer-first", Why.ABOVE_CEILING) in why
    assert (MEMBER, "teamwork", Why.FAR_FROM_SELF) in why
    assert [(b.band.name, b.people) for b in calibration.organisation] == [
        ("A", 0),
        ("B", 0),
        ("C", 2),
    ]
    assert set(calibration.departments) == {"Support"}
    with pytest.raises(Refused) as no_reason:
        calibrating.adjust(ADMIN, None, MEMBER, "teamwork", 3, "  ")
    assert no_reason.value.reply.key == "review_reason_needed"
    calibrating.adjust(ADMIN, None, MEMBER, "teamwork", 3, "led the incident review")
    with pytest.raises(Refused):
        reviews.advance(ADMIN, None)  # not locked
    reviews.lock(ADMIN, None)
    with pytest.raises(Refused):
        calibrating.adjust(ADMIN, None, MEMBER, "teamwork", 4, "after the lock")
    released = reviews.advance(ADMIN, None)

    assert released.stage is Stage.RELEASED and released.released_on == org.clock.now().date()
    told = {p for p, key in outbox(org) if key == "review_open_released"}
    assert told == {MEMBER, ALICE}
    bob = calibrating.result(MEMBER, None, MEMBER)
    assert bob.final["teamwork"] == 3 and bob.final["customer-first"] == 3
    with pytest.raises(Refused):
        calibrating.result(ALICE, None, MEMBER)  # a peer never reads it
    assert calibrating.answer(MEMBER, None, None).answer is Answer.CONFIRMED
    assert (
        calibrating.answer(ALICE, None, "My integrity case was about a team mistake").answer
        is Answer.APPEALED
    )
    with pytest.raises(Refused):
        calibrating.answer(ALICE, None, "again")
    assert (ADMIN, "review_appeal_arrived") in outbox(org)
    with pytest.raises(Refused):
        reviews.advance(ADMIN, None)  # an appeal is open

    resolved = calibrating.resolve(
        ADMIN, None, ALICE, "Agreed: the case was the team's", ("integrity", 3)
    )
    assert resolved.answer is Answer.ADJUSTED
    assert (ALICE, "review_appeal_adjusted") in outbox(org)
    assert calibrating.result(ALICE, None, ALICE).final["integrity"] == 3
    assert reviews.advance(ADMIN, None).stage is Stage.CLOSED


def test_the_appeal_window_counts_workdays_of_the_person_s_calendar(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    appraisal.reviews.advance(ADMIN, None)
    appraisal.assessing.submit(MANAGER, None, MEMBER, Kind.MANAGER, entries(org))
    appraisal.reviews.advance(ADMIN, None)
    appraisal.reviews.lock(ADMIN, None)
    appraisal.reviews.advance(ADMIN, None)  # released Monday 2026-11-23: 5 workdays → Nov 30

    org.clock.advance(days=8)  # Tuesday Dec 1

    with pytest.raises(Refused) as late:
        appraisal.calibrating.answer(MEMBER, None, "too late")
    assert late.value.reply.key == "review_appeal_window_over"


def test_reminders_go_two_workdays_before_the_due_date_once_to_those_not_done(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)  # self due Friday Dec 4
    appraisal.assessing.submit(MEMBER, None, MEMBER, Kind.SELF, entries(org))
    assert appraisal.reviews.remind() == 0  # Monday Nov 23: too early

    org.clock.advance(days=8)  # Tuesday Dec 1: still early (reminders from Wed Dec 2)
    assert appraisal.reviews.remind() == 0
    org.clock.advance(days=1)
    reminded = appraisal.reviews.remind()

    told = {p for p, key in outbox(org) if key == "review_remind_self"}
    assert reminded == 5 and MEMBER not in told and ALICE in told
    assert appraisal.reviews.remind() == 0  # once


def test_forgetting_a_person_erases_their_review_and_keeps_what_they_scored_under_a_pseudonym(
    org: Runtime,
) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    appraisal.reviews.advance(ADMIN, None)
    appraisal.assessing.submit(MANAGER, None, MEMBER, Kind.MANAGER, entries(org))

    org.service.reading.forget(ADMIN, MANAGER)

    review = appraisal.desk.review(None)
    stored = appraisal.desk.repo.reviews.assessments(review)
    assert stored and all(a.by.startswith("erased:") for a in stored)
    assert org.repo.directory.member(MANAGER) is None
    assert org.repo.directory.member(MEMBER).manager == ""
    org.service.reading.forget(ADMIN, MEMBER)
    assert appraisal.desk.repo.reviews.assessments(review) == []


def test_a_reporting_line_manager_reads_their_reports_evidence_anywhere_audited(
    org: Runtime,
) -> None:
    from bot.app.reading import ReadError
    from bot.core.permissions import Scope

    reading = org.service.reading
    sam = reading.access("console:sam")  # manages Olga on the reporting line, no channel
    assert sam.managed_channels == frozenset() and OTHER in sam.reports

    summary = reading.summary(sam, Scope(person=OTHER), cycle_id="2026Q4")

    assert summary.people[0].total == 2  # both of Olga's cases, in a channel Sam does not manage
    entry = org.repo.governance.audit_log(limit=1)[0]
    assert entry.actor == "console:sam" and entry.subjects == (OTHER,)
    mia = reading.summary(reading.access(MANAGER), Scope(person=OTHER), cycle_id="2026Q4")
    assert mia.people[0].total == 0  # Mia reads only her channel's cases about Olga: none
    with pytest.raises(ReadError):  # Bob manages nobody
        reading.summary(reading.access(MEMBER), Scope(person=OTHER), cycle_id="2026Q4")
    boss = reading.access(ADMIN)  # indirect reports count too
    assert {MEMBER, ALICE, MANAGER, OTHER} <= boss.reports


def test_retention_deletes_a_review_with_its_cycle(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)
    appraisal.assessing.submit(MEMBER, None, MEMBER, Kind.SELF, entries(org))
    appraisal.assessing.record_nonconforming(MANAGER, None, ALICE, "integrity", 1, STAR)
    org.service.reading.retention_days = 30

    org.clock.advance(days=60)  # 2027-01-22: Q4 closed 22 days ago, kept
    org.service.reading.apply_retention()
    assert org.repo.reviews.get("2026Q4") is not None
    org.clock.advance(days=30)
    org.service.reading.apply_retention()

    assert org.repo.reviews.get("2026Q4") is None
    assert org.repo.reviews.nonconforming("2026Q4") == []


def test_someone_outside_the_directory_cannot_file_an_assessment(org: Runtime) -> None:
    appraisal = org.service.appraisal
    appraisal.reviews.open(ADMIN, OPENING)

    with pytest.raises(Refused) as refused:
        appraisal.assessing.submit(
            "console:stranger", None, "console:stranger", Kind.SELF, entries(org)
        )

    assert refused.value.reply.key == "review_not_in_directory"
    assert org.repo.reviews.assessments(appraisal.desk.review(None)) == []


def test_the_database_walks_reporting_lines_as_the_core_does(repo) -> None:  # type: ignore[no-untyped-def]
    """The recursive read (every page asks who is below its reader) against the core's walk,
    on lines with a loop and a self-manager."""
    import random
    from datetime import UTC, datetime

    from bot.core.directory import Member, chain, reports
    from storage import migrate

    migrate.upgrade(repo.engine)
    rng = random.Random(7)
    people = [f"console:p{i}" for i in range(60)]
    managers = {p: rng.choice(["", *people[: max(1, i)]]) for i, p in enumerate(people)}
    managers[people[5]], managers[people[6]] = people[6], people[5]  # a loop
    managers[people[7]] = people[7]
    repo.directory.save(
        [Member(p, manager=m) for p, m in managers.items()], source="file", now=datetime.now(UTC)
    )

    for person in people:
        assert repo.directory.reports(person) == reports(person, managers) - {person}, person
        assert repo.directory.chain(person) == chain(person, managers), person
