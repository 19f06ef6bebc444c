"""`values-bot export`: a cycle's cases as xlsx, CSV or JSON, to a file or standard output.

A file is written under a temporary name and renamed once complete, never over an existing one
without --force; an empty cycle is said, not exported; the database read is named.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.app.export import write_csv, write_json, write_xlsx
from bot.app.reading import ReadError
from bot.cli.governance import actor
from bot.config import Settings
from bot.core.cycles import Cycle
from bot.wiring import Runtime, opened
from bot.words.templates import Templates
from storage.engine import shown_url


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    out_path = Path(args.out) if args.out else None
    if out_path is not None and out_path.exists() and not args.force:
        print(Templates(settings.locale).render("export_exists", path=out_path), file=sys.stderr)
        return 1
    if out_path is not None and not out_path.parent.is_dir():
        print(Templates(settings.locale).render("export_no_folder", path=out_path), file=sys.stderr)
        return 1
    if out_path is None and args.format == "xlsx" and sys.stdout.isatty():
        print(Templates(settings.locale).render("cli_xlsx_needs_out"), file=sys.stderr)
        return 2
    with opened(settings, create=False) as rt:
        try:
            cycle = rt.service.reading.cycle(args.cycle)
        except ReadError as refused:
            print(rt.text.render(refused.reply), file=sys.stderr)
            return 1
        if not rt.service.reading.has_cases(cycle):
            print(rt.templates.render("export_empty", cycle=cycle.id), file=sys.stderr)
            return 0
        count = _export_to(rt, args.format, cycle, out_path)
        database = shown_url(settings.database_url)
        done = rt.templates.render("export_done", count=count, cycle=cycle.id, database=database)
        print(done, file=sys.stderr)
        return 0


def _export_to(rt: Runtime, kind: str, cycle: Cycle, path: Path | None) -> int:
    """Write the export; to a file through a temporary one, renamed once it is complete."""
    if path is None:
        return _write(rt, kind, cycle, sys.stdout.buffer if kind == "xlsx" else sys.stdout)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if kind == "xlsx":
            with partial.open("wb") as binary:
                count = _write(rt, kind, cycle, binary)
        else:
            with partial.open("w", encoding="utf-8", newline="") as text:
                count = _write(rt, kind, cycle, text)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _write(rt: Runtime, kind: str, cycle: Cycle, out: Any) -> int:
    if kind == "xlsx":
        return write_xlsx(out, rt, actor(), cycle)
    if kind == "csv":
        return write_csv(out, rt, actor(), cycle)
    return write_json(out, rt.service.reading.export(actor(), cycle), cycle.id, rt)
