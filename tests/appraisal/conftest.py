"""An organisation for the appraisal: HR (boss), a manager (Mia) with two reports (Bob, Alice),
and Olga under Sam in sales; the cases of the web app's tests; a directory imported from CSV."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app.people_import import import_people
from bot.app.review_desk import Opening
from bot.wiring import Runtime
from tests.web.conftest import ADMIN, MANAGER, MEMBER, OTHER, populate

ALICE, SAM = "console:alice", "console:sam"
PEOPLE_CSV = [
    ["person", "email", "name", "manager", "department", "country"],
    [ADMIN, "boss@example.com", "Boss", "", "HR", "CN"],
    [MANAGER, "mia@example.com", "Mia", "boss@example.com", "Support", "CN"],
    [MEMBER, "bob@example.com", "Bob Li", MANAGER, "Support", "CN"],
    [ALICE, "alice@example.com", "Alice", "mia@example.com", "Support", ""],
    [SAM, "sam@example.com", "Sam", ADMIN, "Sales", "CN"],
    [OTHER, "olga@example.com", "Olga Wu", SAM, "Sales", "CN"],
]
OPENING = Opening("2026Q4", date(2026, 12, 4), date(2026, 12, 11), date(2026, 12, 18), 5)


@pytest.fixture
def org(runtime: Runtime) -> Runtime:
    populate(runtime)
    report = import_people(runtime.repo, runtime.clock, PEOPLE_CSV, None)
    assert report.unmatched == [] and report.added == 6
    return runtime
