"""The directory from the shell: HR's file, a platform's directory, and what is stored.

values-bot people import FILE [--platform P]      CSV or xlsx; e-mails matched on the platform
values-bot people sync --platform P                 every member's manager and department
values-bot people list                              who manages whom
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.app.people_import import (
    FileUnreadable,
    ImportReport,
    import_people,
    read_table,
    sync_people,
)
from bot.cli.governance import actor
from bot.config import Settings
from bot.platforms.registry import PLATFORMS
from bot.wiring import Runtime, opened


def add_commands(commands: Any) -> None:
    people = commands.add_parser("people", help="people and reporting lines, for appraisal")
    actions = people.add_subparsers(metavar="ACTION", required=True)
    sources = sorted(n for n, p in PLATFORMS.items() if p.directory is not None)
    take = actions.add_parser(
        "import",
        help="import HR's file (CSV or xlsx): person or email, name, manager, department, country",
    )
    take.add_argument("file", help="a .csv (UTF-8) or .xlsx file with a header row")
    take.add_argument(
        "--platform", choices=sources, help="match e-mails without an id on this platform"
    )
    take.set_defaults(handler=cmd_people_import)
    sync = actions.add_parser(
        "sync", help="read managers and departments from a platform's directory"
    )
    sync.add_argument("--platform", choices=sources, required=True)
    sync.set_defaults(handler=cmd_people_sync)
    actions.add_parser(
        "list", help="the directory: person, name, manager, department"
    ).set_defaults(handler=cmd_people_list)


def _said(rt: Runtime, report: ImportReport, source: str) -> None:
    print(
        rt.templates.render(
            "cli_people_done",
            added=report.added,
            changed=report.changed,
            unchanged=report.unchanged,
            source=source,
        )
    )
    for row in report.unmatched:
        reason = rt.templates.render(row.why)
        print(
            rt.templates.render(
                "cli_people_unmatched", line=row.line, said=row.said or "—", why=reason
            )
        )


def cmd_people_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    with opened(settings) as rt:
        try:
            table = read_table(path)
        except FileUnreadable:
            print(rt.templates.render("cli_people_unreadable", path=path), file=sys.stderr)
            return 1
        lookup = None
        if args.platform:
            source = PLATFORMS[args.platform].directory
            lookup = source(settings.section(args.platform)).by_email if source else None
        report = import_people(rt.repo, rt.clock, table, lookup)
        rt.repo.governance.audit(
            actor=actor(), action="people_import", at=rt.clock.now(), scope=path.name[:80],
            detail=f"{report.added} added, {report.changed} changed, {len(report.unmatched)} unmatched",
        )  # fmt: skip
        _said(rt, report, path.name)
    return 1 if report.unmatched and not (report.added or report.changed or report.unchanged) else 0


def cmd_people_sync(settings: Settings, args: argparse.Namespace) -> int:
    source = PLATFORMS[args.platform].directory
    assert source is not None
    with opened(settings) as rt:
        try:
            members = source(settings.section(args.platform)).members()
        except OSError as error:
            print(
                rt.templates.render(
                    "cli_people_sync_failed", platform=args.platform, error=str(error)[:200]
                ),
                file=sys.stderr,
            )
            return 1
        report = sync_people(rt.repo, rt.clock, members, args.platform)
        rt.repo.governance.audit(
            actor=actor(), action="people_sync", at=rt.clock.now(), scope=args.platform,
            detail=f"{report.added} added, {report.changed} changed",
        )  # fmt: skip
        _said(rt, report, args.platform)
    return 0


def cmd_people_list(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        members = rt.repo.directory.members()
        if not members:
            print(rt.templates.render("cli_people_none"))
        for m in members:
            print(f"{m.person}\t{m.name}\t{m.manager or '-'}\t{m.department or '-'}")
    return 0
