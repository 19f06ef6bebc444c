"""Who sees whose evidence: member, manager, admin × own, another person's, another channel's,
all; through chat commands, the CLI and export. Zero leaks, every cross-person read audited,
and `forget` removes a person everywhere while the audit log keeps its entries."""

from __future__ import annotations

import gc
import json
import threading
from datetime import date

import pytest

from bot.core.messages import Place, Reply
from bot.core.permissions import Role, Scope
from bot.wiring import Runtime
from tests.fakes import add_case

C1, C2 = Place("slack", "T1", "C1"), Place("slack", "T1", "C2")
ANN, BEN, XIA = "slack:UANN", "slack:UBEN", "slack:UXIA"  # Ann and Ben in C1; Ben and Xia in C2
MEMBER, MANAGER, ADMIN = ANN, "slack:UMGR", "slack:UADMIN"
CASES = {  # story: (place, nominee, nominator)
    "ann helped a customer in C1": (C1, ANN, BEN),
    "ben fixed an order in C1": (C1, BEN, ANN),
    "ben answered a call in C2": (C2, BEN, XIA),
    "xia shipped a release in C2": (C2, XIA, BEN),
}


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    runtime.service.reading.admins = frozenset({ADMIN})
    runtime.repo.governance.grant(
        person=MANAGER, role=Role.MANAGER, channel="slack:C1", by="test", now=runtime.clock.now()
    )
    day = runtime.clock.now().date()
    for n, (story, (place, nominee, nominator)) in enumerate(CASES.items()):
        add_case(
            runtime.repo, place, message=f"m{n}", nominee=nominee, nominator=nominator,
            story=story, day=day, now=runtime.clock.now(),
        )  # fmt: skip
    return runtime


def _seen(reply: Reply) -> set[str] | str:
    """The stories a reply shows, or its refusal key."""
    if reply.key not in ("summary", "me"):
        return reply.key
    return {case.story for person in reply.context["summary"].people for case in person.newest}


ALL = set(CASES)
MATRIX = [
    # reader, command, what they see
    (MEMBER, "me", {"ann helped a customer in C1"}),
    (MEMBER, f"summary @{BEN}", "not_allowed_summary"),
    (MEMBER, "summary #slack:C2", "not_allowed_summary"),
    (MEMBER, "summary", "not_allowed_summary"),
    (MEMBER, "export", "not_allowed_export"),
    (MANAGER, "me", set()),
    (MANAGER, f"summary @{BEN}", {"ben fixed an order in C1"}),  # not what Ben did in C2
    (MANAGER, "summary #slack:C1", {"ann helped a customer in C1", "ben fixed an order in C1"}),
    (MANAGER, "summary #slack:C2", "not_allowed_scope"),
    (MANAGER, "summary", {"ann helped a customer in C1", "ben fixed an order in C1"}),
    (MANAGER, "export", "export_elsewhere"),  # the channels they manage, as a file
    (ADMIN, "me", set()),
    (ADMIN, f"summary @{BEN}", {"ben fixed an order in C1", "ben answered a call in C2"}),
    (ADMIN, "summary #slack:C2", {"ben answered a call in C2", "xia shipped a release in C2"}),
    (ADMIN, "summary", ALL),
    (ADMIN, "export", "export_elsewhere"),
]


@pytest.mark.parametrize(("reader", "words", "expected"), MATRIX)
def test_each_role_sees_exactly_what_it_may(world: Runtime, reader, words, expected):
    before = len(world.repo.governance.audit_log(limit=1000))
    [reply] = world.service.command(C1, reader, words)

    assert _seen(reply) == expected
    audit = world.repo.governance.audit_log(limit=1000)
    if isinstance(expected, set) and words != "me":  # a cross-person read: logged, by whom, of whom
        assert len(audit) == before + 1
        entry = audit[0]
        assert entry.actor == reader and entry.action == "summary"
        shown = {p for s, (_pl, p, _n) in CASES.items() if s in expected}
        assert shown <= set(entry.subjects)
    else:
        assert len(audit) == before  # own evidence or a refusal: nothing read about others


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (MANAGER, {"ann helped a customer in C1", "ben fixed an order in C1"}),
        (ADMIN, ALL),
        (MEMBER, None),
    ],
)
def test_a_chat_export_holds_exactly_what_its_reader_may_read(world: Runtime, reader, expected):
    import io

    from openpyxl import load_workbook

    made = world.chat.export_file(reader, "export")

    if expected is None:
        assert isinstance(made, Reply) and made.key == "not_allowed_export"
        return
    assert not isinstance(made, Reply)
    sheet = load_workbook(io.BytesIO(made.content)).worksheets[0]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    assert {s for s in ALL if s in cells} == expected
    assert world.repo.governance.audit_log()[0].action == "export"


def test_the_cli_export_is_everything_and_audited(world: Runtime, sqlite_url, monkeypatch, capsys):
    from bot.cli import main

    # the CLI is the operator's (an admin's) door; it reads the database the bot uses
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOT_LOCALE", "en")
    from bot.config import Settings
    from bot.wiring import opened

    with opened(Settings(database_url=sqlite_url)) as rt:
        for story, (place, nominee, nominator) in CASES.items():
            add_case(
                rt.repo, place, message=story[:20], nominee=nominee, nominator=nominator,
                story=story, day=date.today(), now=rt.clock.now(),
            )  # fmt: skip

    from bot.core.cycles import quarter_of

    cycle = quarter_of(date.today()).id
    assert main(["export", "--cycle", cycle, "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert {row["story"] for row in exported} == ALL
    assert main(["forget", "--user", BEN, "--yes"]) == 0
    capsys.readouterr()
    assert main(["export", "--cycle", cycle, "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert {row["story"] for row in after} == {
        "ann helped a customer in C1",
        "xia shipped a release in C2",
    }
    assert BEN not in {row["nominee"] for row in after} | {row["nominator"] for row in after}
    assert main(["audit"]) == 0
    log = capsys.readouterr().out.splitlines()
    assert sum("\texport\t" in line for line in log) == 2
    assert any("\tforget\t" in line and "erased:" in line for line in log)
    assert all(BEN not in line for line in log)  # the audit log keeps entries, not the id


def test_forget_removes_a_person_from_summaries_and_keeps_the_audit(world: Runtime):
    [before] = world.service.command(C1, ADMIN, "summary")
    done = world.service.reading.forget("cli:hr", BEN)
    removed, renamed = done.removed, done.renamed
    [after] = world.service.command(C1, ADMIN, "summary")
    [ben] = world.service.command(C1, ADMIN, f"summary @{BEN}")

    assert (removed, renamed) == (2, 2)
    assert _seen(before) == ALL
    assert _seen(after) == {"ann helped a customer in C1", "xia shipped a release in C2"}
    assert _seen(ben) == set()
    people = {p.person for p in after.context["summary"].people}
    assert BEN not in people
    nominators = {c.nominator for p in after.context["summary"].people for c in p.newest}
    assert BEN not in nominators and all(n.startswith(("slack:", "erased:")) for n in nominators)
    actions = [e.action for e in world.repo.governance.audit_log(limit=100)]
    assert actions[0] == "summary" and "forget" in actions and actions.count("summary") >= 3


def test_a_summary_leaves_the_cycle_collector_as_it_found_it(world: Runtime):
    """Summaries pause Python's cycle collector while they build (speed); never for good."""
    reading = world.service.reading
    admin = reading.access(ADMIN)
    assert gc.isenabled()
    threads = [threading.Thread(target=reading.summary, args=(admin, Scope())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()

    gc.disable()
    try:
        reading.summary(admin, Scope())
        assert not gc.isenabled()
    finally:
        gc.enable()
