"""`values-bot`: run the bot, and administer it from the shell.

The shell operator is trusted like an admin: every read they make is still audited as `cli:USER`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence

from bot import __version__, cli_admin
from bot.config import ConfigError, Settings
from bot.packs import PackError, available_packs, load_pack, pack_path
from bot.wiring import build
from storage import migrate
from storage.engine import make_engine
from storage.repository import SchemaOutdated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "handler"):
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        return int(args.handler(settings, args))
    except SchemaOutdated:
        print(
            "The database schema is older than this version of values-bot. "
            "Run `values-bot db upgrade` first.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="values-bot",
        description="Daily company-values reflection: one rubric criterion a workday, "
        "peer nominations kept as appraisal evidence.",
    )
    parser.add_argument("--version", action="version", version=f"values-bot {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="start the bot (the console chat when no platform is configured)"
    )
    run.add_argument("--as", dest="speaker", help="console: speak as this person (default: me)")
    run.add_argument(
        "--http",
        action="store_true",
        help="Slack HTTP mode: serve POST /slack/events and GET /healthz (default: Socket Mode)",
    )
    run.add_argument("--port", type=int, default=3000, help="port for --http (default 3000)")
    run.add_argument("--host", default="0.0.0.0", help="address for --http (default 0.0.0.0)")
    run.set_defaults(handler=cmd_run)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        metavar="ACTION", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply every pending migration (DATABASE_URL)")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    rubric = commands.add_parser("rubric", help="check or show rubric packs")
    rubric_actions = rubric.add_subparsers(metavar="ACTION", required=True)
    check = rubric_actions.add_parser(
        "check", help="validate a pack file; lists every problem with its line"
    )
    check.add_argument("path", help="a pack file, or the name of a pack in prompts/rubrics/")
    check.set_defaults(handler=cmd_rubric_check)
    show = rubric_actions.add_parser("show", help="print a pack (default: the configured one)")
    show.add_argument("pack", nargs="?", help=f"pack name or path ({', '.join(available_packs())})")
    show.set_defaults(handler=cmd_rubric_show)

    cli_admin.add_commands(commands)
    return parser


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.platforms or args.http:
        from bot.cli_run import run_platforms

        return run_platforms(settings, http=args.http, host=args.host, port=args.port)
    from bot.adapters.console import Console
    from bot.scheduler import start_ticking

    runtime = build(settings)
    console = Console(runtime, sys.stdout, speaker=args.speaker)
    console.start()
    scheduler = start_ticking(runtime.posts, console.poster_for, seconds=settings.tick_seconds)
    try:
        console.loop(_typed_lines(console))
    finally:
        scheduler.shutdown(wait=False)
        runtime.close()
    return 0


def _typed_lines(console: object) -> Iterator[str]:
    """Lines from the terminal, with a prompt naming the speaker; piped input gets no prompt."""
    interactive = sys.stdin.isatty()
    while True:
        try:
            yield input(f"{getattr(console, 'speaker', '')}> " if interactive else "")
        except EOFError:
            return


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    print(
        f"Database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})")
    )
    return 0


def cmd_rubric_check(_settings: Settings, args: argparse.Namespace) -> int:
    path = pack_path(args.path)
    if not path.exists():
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    try:
        rubric = load_pack(path)
    except PackError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    inferred = sum(1 for c in rubric.criteria if c.rule_inferred)
    print(
        f"{path}: OK: {rubric.key}, {len(rubric.values)} values, {len(rubric.criteria)} criteria "
        f"({inferred} with an inferred scoring rule)"
    )
    return 0


def cmd_rubric_show(settings: Settings, args: argparse.Namespace) -> int:
    from bot.render_text import TextRenderer
    from bot.templates import Templates

    try:
        rubric = load_pack(pack_path(args.pack or settings.rubric))
    except (PackError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    renderer = TextRenderer(Templates(settings.locale), rubric, min_story=settings.min_story)
    print(f"# {rubric.name} ({rubric.key})")
    for value in rubric.values:
        print(f"\n## {value.name_zh} / {value.name_en}: {value.motto}")
        for criterion in value.criteria:
            print()
            print(renderer.daily_post(criterion))
    return 0
