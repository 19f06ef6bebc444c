"""A review from the shell (the web app's Review page does the same for admins):

values-bot review open --cycle 2026Q4 --self-due D --manager-due D --calibration-due D
                       [--appeal-workdays 5] [--guidance "A>=24:20,B>=15:70,C>=0:10"]
values-bot review next [--cycle C]        move it on: self → manager → calibration → released → closed
values-bot review lock [--cycle C]        end calibration's adjustments
values-bot review status [--cycle C]      its stage, its dates, who has not finished
values-bot review export --cycle C --format xlsx|csv --out FILE
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.app import review_export
from bot.app.review_desk import Opening, Refused, Reviews
from bot.cli.governance import actor
from bot.config import Settings
from bot.core.review import Review
from bot.wiring import Runtime, opened


def add_commands(commands: Any) -> None:
    review = commands.add_parser("review", help="the appraisal of a cycle: open, move on, export")
    actions = review.add_subparsers(metavar="ACTION", required=True)
    start = actions.add_parser("open", help="open a review on a cycle (self-assessment first)")
    start.add_argument("--cycle", required=True, help="e.g. 2026Q4 or a named cycle")
    for due in ("self", "manager", "calibration"):
        start.add_argument(
            f"--{due}-due", required=True, type=date.fromisoformat, help="YYYY-MM-DD"
        )
    start.add_argument(
        "--appeal-workdays", type=int, default=5, help="the appeal window (default 5)"
    )
    start.add_argument(
        "--guidance",
        default="",
        help='bands of totals and shares, e.g. "A>=24:20,B>=15:70,C>=0:10"',
    )
    start.set_defaults(handler=cmd_review_open)
    for name, handler, said in (
        ("next", cmd_review_next, "move the review on to its next stage"),
        ("lock", cmd_review_lock, "lock calibration (no more adjustments)"),
        ("status", cmd_review_status, "the stage, the dates, who has not finished"),
    ):
        action = actions.add_parser(name, help=said)
        action.add_argument("--cycle", default="", help="the newest review when not said")
        action.set_defaults(handler=handler)
    out = actions.add_parser(
        "export", help="every person's scores, citations, adjustments, answers"
    )
    out.add_argument("--cycle", required=True)
    out.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    out.add_argument("--out", required=True, help="the file to write")
    out.add_argument("--force", action="store_true", help="overwrite an existing file")
    out.set_defaults(handler=cmd_review_export)


def _refused(rt: Runtime, refused: Refused) -> int:
    print(rt.text.render(refused.reply), file=sys.stderr)
    return 1


def _shown(rt: Runtime, review: Review) -> None:
    print(rt.templates.render(
        "cli_review_status", cycle=review.cycle_id, stage=rt.templates.render(f"review_stage_{review.stage.value}"),
        self_due=review.self_due.isoformat(), manager_due=review.manager_due.isoformat(),
        calibration_due=review.calibration_due.isoformat(), appeal=review.appeal_workdays,
        guidance=review.guidance,
    ))  # fmt: skip


def cmd_review_open(settings: Settings, args: argparse.Namespace) -> int:
    opening = Opening(
        args.cycle,
        args.self_due,
        args.manager_due,
        args.calibration_due,
        args.appeal_workdays,
        args.guidance,
    )
    with opened(settings) as rt:
        try:
            review = rt.service.appraisal.reviews.open(actor(), opening)
        except Refused as refused:
            return _refused(rt, refused)
        _shown(rt, review)
    return 0


def cmd_review_next(settings: Settings, args: argparse.Namespace) -> int:
    return _change(settings, lambda reviews: reviews.advance(actor(), args.cycle))


def cmd_review_lock(settings: Settings, args: argparse.Namespace) -> int:
    return _change(settings, lambda reviews: reviews.lock(actor(), args.cycle))


def _change(settings: Settings, change: Callable[[Reviews], Review]) -> int:
    """Move or lock a review, then show where it stands (or why not)."""
    with opened(settings, create=False) as rt:
        try:
            review = change(rt.service.appraisal.reviews)
        except Refused as refused:
            return _refused(rt, refused)
        _shown(rt, review)
    return 0


def cmd_review_status(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        appraisal = rt.service.appraisal
        try:
            review = appraisal.desk.review(args.cycle)
        except Refused as refused:
            return _refused(rt, refused)
        _shown(rt, review)
        waiting = appraisal.reviews.concerned(review)
        print(
            rt.templates.render(
                "cli_review_waiting", count=len(waiting), people=", ".join(waiting[:50])
            )
        )
    return 0


def cmd_review_export(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.out)
    if path.exists() and not args.force:
        print(_words(settings, "export_exists", path=path), file=sys.stderr)
        return 1
    with opened(settings, create=False) as rt:
        try:
            review, columns, body = review_export.rows(
                rt.service.appraisal.calibrating, actor(), args.cycle
            )
        except Refused as refused:
            return _refused(rt, refused)
        data = review_export.as_bytes(
            args.format, rt.templates, rt.rubric, settings.timezone, columns, body
        )
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)
        print(
            rt.templates.render("cli_review_exported", cycle=review.cycle_id, path=path),
            file=sys.stderr,
        )
    return 0


def _words(settings: Settings, key: str, **context: object) -> str:
    from bot.words.templates import Templates

    return Templates(settings.locale).render(key, **context)
