"""`values-bot cases list|hide|restore|move` and `values-bot rubric migrate`: the operator's
moderation, with the rights of an admin, every change audited as `cli:USER`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.app.drift import MigrationError, migrate, orphans, parse_map
from bot.cli.governance import actor, person_arg, positive
from bot.config import Settings
from bot.core.model import CaseState
from bot.core.rubric import Rubric
from bot.wiring import Runtime, opened
from bot.words.templates import Templates

STATES = {"counted": (CaseState.ACTIVE,), "hidden": (CaseState.HIDDEN,)}


def add_commands(commands: Any) -> None:
    cases = commands.add_parser("cases", help="list and moderate stored cases").add_subparsers(
        metavar="ACTION", required=True
    )
    listing = cases.add_parser("list", help="a cycle's cases, newest first, with their numbers")
    listing.add_argument("--person", type=person_arg, help="only the cases about this person")
    listing.add_argument("--cycle", help="a cycle id (default: the current one)")
    listing.add_argument("--state", choices=["all", *STATES], default="all")
    listing.add_argument("--limit", type=positive, default=50)
    listing.add_argument("--page", type=positive, default=1)
    listing.set_defaults(handler=cmd_cases_list)
    hide = cases.add_parser("hide", help="set a case aside from appraisal, with a reason")
    hide.add_argument("case", type=_number, help="the case's number, e.g. c123")
    hide.add_argument("--reason", required=True)
    hide.set_defaults(handler=cmd_cases_hide)
    restore = cases.add_parser("restore", help="count a hidden case again")
    restore.add_argument("case", type=_number)
    restore.set_defaults(handler=cmd_cases_restore)
    move = cases.add_parser("move", help="file a case under another criterion of the pack")
    move.add_argument("case", type=_number)
    move.add_argument("--to", required=True, help="a criterion, e.g. integrity:3")
    move.set_defaults(handler=cmd_cases_move)


def add_rubric_commands(rubric_actions: Any) -> None:
    migrate_ = rubric_actions.add_parser(
        "migrate", help="move cases of criteria the configured pack lacks: --map OLD=NEW"
    )
    migrate_.add_argument(
        "--map", action="append", required=True, metavar="OLD=NEW", help="repeat per criterion"
    )
    migrate_.set_defaults(handler=cmd_rubric_migrate)


def _number(text: str) -> int:
    digits = text.lower().removeprefix("c")
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"write a case number, e.g. c123 (got {text!r})")
    return int(digits)


def cmd_cases_list(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        cycle = rt.service.reading.cycle(args.cycle)
        states = STATES.get(args.state, (CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN))
        found = rt.repo.cases.listing(
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            nominee=args.person,
            states=states,
            limit=args.limit,
            offset=(args.page - 1) * args.limit,
        )
        names = rt.repo.people.names({c.nominee for c in found} | {c.nominator for c in found})
        rt.repo.governance.audit(
            actor=actor(),
            action="cases_list",
            at=rt.clock.now(),
            scope=f"{args.person or 'all'} cycle:{cycle.id}",
            subjects=sorted({c.nominee for c in found}),
        )
        for c in found:
            note = c.hidden_reason if c.state == CaseState.HIDDEN else ""
            print(
                "\t".join(
                    [
                        f"c{c.id}",
                        c.nominated_on.isoformat(),
                        _named(c.nominee, names),
                        _named(c.nominator, names),
                        c.criterion_key,
                        c.state.value,
                        c.channel_key,
                        c.story,
                        note,
                    ]
                )
            )
        if not found:
            print(Templates(settings.locale).render("cli_cases_none", cycle=cycle.id))
        return 0


def _named(person: str, names: dict[str, str]) -> str:
    name = names.get(person)
    return f"{name} ({person})" if name else person


def _case_or_fail(rt: Runtime, number: int) -> Any:
    case = rt.repo.cases.case(number)
    if case is None or case.state not in (CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN):
        print(rt.text.render(_reply("case_not_found", case=number)), file=sys.stderr)
        return None
    return case


def _reply(key: str, **context: Any) -> Any:
    from bot.core.messages import Reply

    return Reply(key, context)


def _show(rt: Runtime, replies: list[Any]) -> int:
    """The first reply is the outcome; notices for others are queued for the running bot."""
    first, notices = replies[0], replies[1:]
    print(rt.text.render(first))
    for notice in notices:
        rt.repo.outbox.add(notice.context["to"], notice.key, notice.context, now=rt.clock.now())
    return 0 if first.key in ("case_hidden", "case_restored", "case_moved") else 1


def cmd_cases_hide(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        case = _case_or_fail(rt, args.case)
        if case is None:
            return 1
        return _show(rt, rt.service.desk.hide(actor(), case, args.reason))


def cmd_cases_restore(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        case = _case_or_fail(rt, args.case)
        if case is None:
            return 1
        return _show(rt, rt.service.desk.restore(actor(), case))


def cmd_cases_move(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        case = _case_or_fail(rt, args.case)
        if case is None:
            return 1
        return _show(rt, rt.service.desk.moderate_move(actor(), case, args.to))


def report_drift(rt: Runtime, rubric: Rubric, out: Any = None) -> int:
    """Print the orphaned criteria (and what to do) to `out` (stderr); returns how many."""
    out = out or sys.stderr
    t = Templates(rt.settings.locale)
    found = orphans(rt.repo, rubric)
    if found:
        print(t.render("cli_drift", pack=rubric.key, criteria=len(found)), file=out)
        for orphan in found:
            print(
                t.render(
                    "cli_drift_criterion",
                    pack=orphan.rubric_key or "-",
                    criterion=orphan.criterion_key,
                    cases=orphan.cases,
                ),
                file=out,
            )
        print(t.render("cli_drift_fix", example=_example(found[0].criterion_key, rubric)), file=out)
    return len(found)


def _example(old: str, rubric: Rubric) -> str:
    same = rubric.criterion(old)
    return f"{old}={(same or rubric.criteria[0]).key}"


def cmd_rubric_migrate(settings: Settings, args: argparse.Namespace) -> int:
    t = Templates(settings.locale)
    with opened(settings, create=False) as rt:
        found = orphans(rt.repo, rt.rubric)
        try:
            mapping = parse_map(args.map, rt.rubric, found)
        except MigrationError as refused:
            print(t.render(refused.key, word=refused.word, pack=rt.rubric.key), file=sys.stderr)
            return 2
        moved = migrate(rt.repo, rt.rubric, rt.clock, mapping, actor())
        print(t.render("cli_migrated", cases=moved, criteria=len(mapping), pack=rt.rubric.key))
        return 1 if report_drift(rt, rt.rubric) else 0
