"""Administration subcommands: post, summary, export, subscriptions, cycles, roles, forget."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.calendars import country_of
from bot.app.export import summary_json
from bot.app.posting import DeliveryRefused, DeliveryUnconfirmed
from bot.app.reading import ReadError
from bot.cli.export import cmd_export
from bot.cli.governance import PLATFORM_NAMES, actor, person_arg, resolve_channel
from bot.cli.governance import add_commands as governance_commands
from bot.config import Settings
from bot.core.permissions import Access, Scope
from bot.platforms import registry
from bot.platforms.registry import PLATFORMS
from bot.wiring import Runtime, opened
from storage.engine import shown_url

_CHANNELS = ", ".join(f"{p.channel_example} ({p.name})" for p in registry.PLATFORMS.values())
_WORKSPACES = " / ".join(f"{p.workspace_hint} ({p.name})" for p in registry.PLATFORMS.values())
_HERE = registry.PLATFORMS[registry.INTERACTIVE]  # the examples name the platform anyone can try


def time_arg(text: str) -> str:
    match = re.match(r"^([01]?\d|2[0-3]):([0-5]\d)$", text)
    if not match:
        raise argparse.ArgumentTypeError(f"write the time as HH:MM, e.g. 09:30 (got {text!r})")
    return f"{int(match[1]):02d}:{match[2]}"


def zone_arg(text: str) -> str:
    try:
        ZoneInfo(text)
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r} (use Area/City, e.g. Asia/Shanghai)"
        ) from None
    return text


def dates_arg(text: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(d.strip()) for d in text.split(",") if d.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"write dates as YYYY-MM-DD,YYYY-MM-DD (got {text!r})"
        ) from None


_CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+=/.\-]{0,63}$")


def channel_arg(text: str) -> str:
    """A channel id as the platforms write them (each platform's `channel_example`)."""
    text = text.strip().lstrip("#")
    if not _CHANNEL.match(text):
        raise argparse.ArgumentTypeError(f"write the channel id, e.g. {_CHANNELS} (got {text!r})")
    return text


def country_arg(text: str) -> str:
    from bot.app.calendars import known_country

    if not known_country(text):
        raise argparse.ArgumentTypeError(
            f"no holiday calendar for {text!r}: use an ISO 3166 code such as CN, US, SG"
        )
    return text.upper()


def _channel_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", choices=PLATFORM_NAMES, required=True)
    p.add_argument(
        "--channel",
        required=True,
        type=channel_arg,
        help=f"channel id: {_CHANNELS}",
    )
    p.add_argument("--workspace", default=None, help=_WORKSPACES)


def add_commands(commands: Any) -> None:
    post = commands.add_parser(
        "post", help="post today's criterion to one subscription now (at most once a day)"
    )
    _channel_args(post)
    post.set_defaults(handler=cmd_post)

    summary = commands.add_parser(
        "summary", help="evidence summary for a channel, a person or everyone"
    )
    summary.add_argument(
        "--channel", help=f"PLATFORM:CHANNEL, e.g. {_HERE.name}:{_HERE.channel_example}"
    )
    summary.add_argument(
        "--user", type=person_arg, help=f"PLATFORM:ID, e.g. {_HERE.person(_HERE.person_example)}"
    )
    summary.add_argument("--cycle", help="2026Q4 or a named cycle (default: the current one)")
    summary.add_argument("--value", help="a value key or name, e.g. customer-first or 客户第一")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.set_defaults(handler=cmd_summary)

    export = commands.add_parser(
        "export", help="every case of a cycle as a spreadsheet (xlsx), CSV (Excel-ready) or JSON"
    )
    export.add_argument("--cycle", required=True, help="2026Q4 or a named cycle")
    export.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    export.add_argument("--out", help="write to this file instead of standard output")
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.set_defaults(handler=cmd_export)
    _subscription_commands(commands)
    governance_commands(commands)


def _subscription_commands(commands: Any) -> None:
    subscribe = commands.add_parser("subscribe", help="daily posts in a channel at a local time")
    _channel_args(subscribe)
    subscribe.add_argument(
        "--at", type=time_arg, default="09:30", help="local time HH:MM (default 09:30)"
    )
    subscribe.add_argument(
        "--tz", type=zone_arg, default=None, help="time zone (default BOT_TIMEZONE)"
    )
    subscribe.add_argument(
        "--country",
        type=country_arg,
        default=None,
        help="holiday calendar, ISO code (default: the time zone's country, CN for Asia/Shanghai)",
    )
    subscribe.add_argument(
        "--days-off", type=dates_arg, default=frozenset(), help="extra company days off"
    )
    subscribe.add_argument(
        "--workdays",
        type=dates_arg,
        default=None,
        help="company make-up workdays (调休), e.g. 2027-02-07,2027-02-20",
    )
    subscribe.add_argument(
        "--notify-nominees",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send each nominee a direct message (default: on)",
    )
    subscribe.add_argument(
        "--private-cases",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep cases from the Nominate form out of the thread (default: off)",
    )
    subscribe.set_defaults(handler=cmd_subscribe)

    unsubscribe = commands.add_parser(
        "unsubscribe", help="stop daily posts in a channel (cases are kept)"
    )
    _channel_args(unsubscribe)
    unsubscribe.set_defaults(handler=cmd_unsubscribe)

    listing = commands.add_parser("subscriptions", help="list subscribed channels")
    listing.set_defaults(handler=cmd_subscriptions)


def _workspace(settings: Settings, rt: Runtime, args: argparse.Namespace) -> str | None:
    """The workspace named, the platform's only one, the one the channel is subscribed in, or
    the one the platform's credentials belong to."""
    if args.workspace:
        return str(args.workspace)
    platform = PLATFORMS[args.platform]
    section = settings.section(args.platform)
    if platform.fixed_workspace:
        found = platform.own_workspace(section) if platform.own_workspace else None
        if found is None:
            print(platform.workspace_unknown, file=sys.stderr)
        return found
    known = {
        s.workspace
        for s in rt.repo.subscriptions.list(active_only=False)
        if s.platform == args.platform and s.channel == args.channel
    }
    if len(known) == 1:
        return known.pop()
    if platform.own_workspace is None:
        return "default"
    found = platform.own_workspace(section)
    if found is None:
        print(platform.workspace_unknown, file=sys.stderr)
    return found


def _cannot_post(settings: Settings, platform: str) -> str:
    missing = settings.section(platform).problems(http=False)
    if not missing:
        return f"values-bot cannot post to {platform}."
    listed = "\n".join(f"  - {p}" for p in missing)
    return f"values-bot cannot post to {platform}; set these first:\n{listed}"


def cmd_post(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        workspace = _workspace(settings, rt, args)
        if workspace is None:
            return 2
        sub = rt.repo.subscriptions.get(
            platform=args.platform, workspace=workspace, channel=args.channel
        )
        if sub is None or not sub.active:
            print(rt.templates.render("not_subscribed"), file=sys.stderr)
            return 1
        poster = PLATFORMS[args.platform].poster(rt.chat, settings.section(args.platform))
        if poster is None:
            print(_cannot_post(settings, args.platform), file=sys.stderr)
            return 2
        channel = f"#{args.channel}"
        try:
            outcome = rt.posts.post_now(sub, poster)
        except DeliveryRefused as refused:
            key = PLATFORMS[args.platform].post_refused
            print(rt.templates.render(key, channel=channel, reason=refused.reason), file=sys.stderr)
            return 1
        except (OSError, DeliveryUnconfirmed) as error:  # unreachable, or kept failing
            print(
                rt.templates.render("post_failed", channel=channel, reason=error), file=sys.stderr
            )
            return 1
        if outcome.post is None:
            print(rt.templates.render("post_already", channel=channel, date=outcome.local_date))
            return 0
        if not outcome.workday:
            print(rt.templates.render("post_not_due", channel=channel, date=outcome.local_date))
        criterion = rt.rubric.criterion(outcome.post.criterion_key)
        value = rt.rubric.value(criterion.value_key) if criterion else None
        print(
            rt.templates.render(
                "post_done",
                channel=channel,
                date=outcome.local_date,
                value_name=value.name(rt.templates.locale) if value else "",
                level=criterion.level if criterion else "?",
            )
        )
        return 0


def cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        channel = resolve_channel(rt, args.channel) if args.channel else None
        if args.channel and channel is None:
            return 1
        scope = Scope(person=args.user, channel=channel)
        try:
            summary = rt.service.reading.summary(
                Access(person=actor(), is_admin=True), scope, cycle_id=args.cycle, value=args.value
            )
        except ReadError as refused:
            print(rt.text.render(refused.reply), file=sys.stderr)
            return 1
        if args.format == "json":
            print(json.dumps(summary_json(summary, rt), ensure_ascii=False, indent=2))
        else:
            print(rt.text.summary(summary, scope))
        print(
            rt.templates.render("cli_read_from", database=shown_url(settings.database_url)),
            file=sys.stderr,
        )
        return 0


def cmd_subscribe(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        workspace = _workspace(settings, rt, args)
        if workspace is None:
            return 2
        sub = rt.repo.subscriptions.save(
            platform=args.platform,
            workspace=workspace,
            channel=args.channel,
            post_at=args.at,
            timezone=args.tz or settings.timezone,
            country=args.country or country_of(args.tz or settings.timezone),
            days_off=args.days_off,
            workdays=args.workdays,
            now=rt.clock.now(),
            notify_nominees=args.notify_nominees,
            private_cases=args.private_cases,
        )
        print(
            rt.templates.render("subscribed", time=sub.post_at, zone=sub.timezone),
            f"({sub.platform}:{sub.channel})",
        )
        return 0


def cmd_unsubscribe(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        workspace = _workspace(settings, rt, args)
        if workspace is None:
            return 2
        done = rt.repo.subscriptions.deactivate(
            platform=args.platform, workspace=workspace, channel=args.channel
        )
        print(rt.templates.render("unsubscribed" if done else "not_subscribed"))
        return 0 if done else 1


def cmd_subscriptions(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        for s in rt.repo.subscriptions.list():
            off = ",".join(sorted(d.isoformat() for d in s.days_off)) or "-"
            print(
                f"{s.platform}:{s.channel}\tworkspace={s.workspace}\tat={s.post_at}\ttz={s.timezone}\tcountry={s.country}\tdays_off={off}\tcursor={s.rotation_cursor}"
                f"\tnotify_nominees={'on' if s.notify_nominees else 'off'}\tprivate_cases={'on' if s.private_cases else 'off'}"
            )
        return 0
