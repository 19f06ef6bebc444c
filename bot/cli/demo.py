"""`values-bot demo`: fill an empty database with a made-up quarter to try the web app on."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.app.demo import DemoRefused, fill
from bot.cli.governance import positive
from bot.config import Settings
from bot.platforms.registry import INTERACTIVE, PLATFORMS
from bot.wiring import opened


def add_commands(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="fill an empty database with a made-up quarter (marked as demo data)"
    )
    demo.add_argument("--people", type=positive, default=60, help="how many people (default 60)")
    demo.add_argument("--weeks", type=positive, default=8, help="how many weeks back (default 8)")
    demo.add_argument("--seed", type=int, default=15, help="the same seed, the same quarter")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    here = PLATFORMS[INTERACTIVE]
    admin = here.person(settings.section(INTERACTIVE).user)
    with opened(settings) as rt:
        try:
            made = fill(
                rt.repo,
                rt.rubric,
                rt.clock,
                platform=INTERACTIVE,
                admin=admin,
                people=min(args.people, 5_000),
                weeks=min(args.weeks, 52),
                locale=settings.locale,
                timezone=settings.timezone,
                seed=args.seed,
            )
        except DemoRefused:
            print(rt.templates.render("cli_demo_refused"), file=sys.stderr)
            return 1
        print(
            rt.templates.render(
                "cli_demo_done",
                people=made.people,
                channels=made.channels,
                posts=made.posts,
                cases=made.cases,
                admin=made.admin,
                manager=made.managers[0] if made.managers else "-",
            )
        )
    return 0
