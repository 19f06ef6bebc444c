"""`values-bot`: run the bot, and administer it from the shell.

The shell operator is trusted like an admin: every read they make is still audited as `cli:USER`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from bot import __version__
from bot.cli import admin as cli_admin
from bot.cli import calendar as cli_calendar
from bot.cli import cases as cli_cases
from bot.cli import demo as cli_demo
from bot.cli import people as cli_people
from bot.cli import review as cli_review
from bot.cli import web as cli_web
from bot.config import ConfigError, Settings
from bot.ops import logs
from bot.platforms.registry import INTERACTIVE, PLATFORMS
from bot.wiring import NoDatabase, build
from bot.words.packs import PackError, available_packs, load_pack, pack_path
from bot.words.templates import Templates
from storage import migrate
from storage.engine import make_engine, shown_url, unusable
from storage.repository import SchemaOutdated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    default_level = "INFO" if args.handler is cmd_run else "WARNING"
    quiet = tuple(name for p in PLATFORMS.values() for name in p.loggers)
    logs.configure(settings.log_level or default_level, settings.log_format, quiet=quiet)
    try:
        return int(args.handler(settings, args))
    except PackError as error:
        for problem in error.problems:
            print(f"BOT_RUBRIC: {problem}", file=sys.stderr)
        return 2
    except SchemaOutdated:
        print(Templates(settings.locale).render("cli_schema_old"), file=sys.stderr)
        return 2
    except NoDatabase as missing:
        print(Templates(settings.locale).render("cli_no_database", path=missing), file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head`, which has read enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        reason = unusable(error)
        if reason is None:
            raise
        database = shown_url(settings.database_url)
        print(
            Templates(settings.locale).render(
                "cli_database_unusable", database=database, reason=reason
            ),
            file=sys.stderr,
        )
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="values-bot",
        description="Daily company-values reflection: one rubric criterion a workday, "
        "peer nominations kept as appraisal evidence.",
    )
    parser.add_argument("--version", action="version", version=f"values-bot {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="start the bot (a chat in this terminal when no platform is configured)"
    )
    run.add_argument(
        "--as", dest="speaker", help="the terminal chat: speak as this person (default: me)"
    )
    run.add_argument(
        "--http",
        action="store_true",
        help="HTTP mode: serve each platform's events and GET /healthz (default: each "
        "platform's socket, e.g. Socket Mode, Stream mode)",
    )
    run.add_argument("--port", type=int, default=3000, help="port for --http (default 3000)")
    run.add_argument("--host", default="0.0.0.0", help="address for --http (default 0.0.0.0)")
    run.set_defaults(handler=cmd_run)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        metavar="ACTION", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply every pending migration (DATABASE_URL)")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    _rubric_commands(commands)

    cli_admin.add_commands(commands)
    cli_calendar.add_commands(commands)
    cli_cases.add_commands(commands)
    cli_web.add_commands(commands)
    cli_demo.add_commands(commands)
    cli_people.add_commands(commands)
    cli_review.add_commands(commands)
    return parser


def _rubric_commands(commands: Any) -> None:
    """rubric check, show and migrate."""
    rubric = commands.add_parser("rubric", help="check or show rubric packs")
    rubric_actions = rubric.add_subparsers(metavar="ACTION", required=True)
    check = rubric_actions.add_parser(
        "check", help="validate a pack file; lists every problem with its line"
    )
    check.add_argument(
        "path", nargs="?", help="a pack file, or the name of a pack in prompts/rubrics/"
    )
    check.add_argument(
        "--database",
        action="store_true",
        help="also check the stored cases against the configured pack (BOT_RUBRIC)",
    )
    check.set_defaults(handler=cmd_rubric_check)
    show = rubric_actions.add_parser("show", help="print a pack (default: the configured one)")
    show.add_argument("pack", nargs="?", help=f"pack name or path ({', '.join(available_packs())})")
    show.set_defaults(handler=cmd_rubric_show)
    cli_cases.add_rubric_commands(rubric_actions)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    half = settings.half_configured()
    if half:
        said = Templates(settings.locale).render("cli_half_credentials")
        print(said + "\n" + "\n".join(f"  - {p}" for p in half), file=sys.stderr)
        return 2
    if settings.platforms or args.http:
        from bot.cli.run import run_platforms

        return run_platforms(settings, http=args.http, host=args.host, port=args.port)
    here = PLATFORMS[INTERACTIVE]
    assert here.chat_here is not None
    runtime = build(settings)
    try:
        if cli_cases.report_drift(runtime, runtime.rubric):
            return 2  # cases would count under the wrong pack: `rubric migrate` first
        web = _web_beside_chat(runtime)
        try:
            return here.chat_here(runtime, settings.section(INTERACTIVE), args.speaker)
        finally:
            if web is not None:
                web.should_exit = True
    finally:
        runtime.close()


def _web_beside_chat(runtime: Any) -> Any:
    """The web app beside the terminal chat (BOT_WEB_PORT, default 127.0.0.1:8765; off: none)."""
    settings = runtime.settings
    address = settings.web_address or cli_web.LOCAL_WEB
    if address == "off":
        return None
    try:
        server = cli_web.serve_apart(runtime, address)
    except OSError as taken:
        said = runtime.templates.render("run_web_busy", address=address, reason=taken.strerror)
        print(said, file=sys.stderr)
        return None
    url = cli_web.public_url(settings, address)
    print(runtime.templates.render("run_web", url=f"{url}/app/"), flush=True)
    return server


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    t = Templates(settings.locale)
    was = "" if before == after else t.render("cli_db_was", before=before or "-")
    print(t.render("cli_db_revision", revision=after, was=was))
    return 0


def cmd_rubric_check(settings: Settings, args: argparse.Namespace) -> int:
    t = Templates(settings.locale)
    path = pack_path(args.path or settings.rubric)
    if not path.exists():
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    try:
        rubric = load_pack(path)
    except PackError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(t.render("cli_rubric_problems", count=count, path=path), file=sys.stderr)
        return 1
    inferred = sum(1 for c in rubric.criteria if c.rule_inferred)
    print(
        t.render(
            "cli_rubric_ok",
            path=path,
            pack=rubric.key,
            values=len(rubric.values),
            criteria=len(rubric.criteria),
            inferred=inferred,
        )  # fmt: skip
    )
    if not args.database:
        return 0
    from bot.wiring import opened

    with opened(settings, create=False) as runtime:
        if cli_cases.report_drift(runtime, rubric, out=sys.stdout):
            return 1
    print(t.render("cli_drift_none", pack=rubric.key))
    return 0


def cmd_rubric_show(settings: Settings, args: argparse.Namespace) -> int:
    """A whole pack, one value of the configured pack, or one criterion (`customer-first:1`),
    every case included, in the configured locale."""
    from bot.words.render_text import TextRenderer

    wanted = args.pack or settings.rubric
    try:
        configured = load_pack(pack_path(settings.rubric))
        criterion = configured.criterion(wanted)
        value = configured.value(wanted) if criterion is None else None
        rubric = configured if criterion or value else load_pack(pack_path(wanted))
    except FileNotFoundError:
        packs = ", ".join(available_packs())
        said = Templates(settings.locale).render("cli_rubric_unknown", name=wanted, packs=packs)
        print(said, file=sys.stderr)
        return 1
    except PackError as error:
        print(error, file=sys.stderr)
        return 1
    templates = Templates(settings.locale)
    renderer = TextRenderer(templates, rubric, min_story=settings.min_story)
    if criterion is not None:
        print(renderer.daily_post(criterion))
        return 0
    print(f"# {rubric.name} ({rubric.key})")
    for shown in [value] if value else rubric.values:
        motto = shown.motto_in(templates.locale)
        print(f"\n## {shown.name_zh} / {shown.name_en}" + (f": {motto}" if motto else ""))
        if shown.intro:
            print(f"\n{shown.intro_in(templates.locale)}")
        for item in shown.criteria:
            print()
            print(renderer.daily_post(item))
            note = item.en.wording_note if item.translated(templates.locale) and item.en else ""
            if note or item.wording_note:
                print(templates.render("rubric_wording_note", note=note or item.wording_note))
    return 0
