"""Governance subcommands: cycles, roles, forget and the audit log."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from datetime import date
from typing import Any

from bot.config import Settings
from bot.core.cycles import Cycle, CycleError, new_cycle
from bot.core.model import Subscription
from bot.core.permissions import Role
from bot.platforms import registry
from bot.wiring import Runtime, opened
from bot.words.templates import Templates


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def channel_key(channel: str, user: str) -> str:
    channel = channel.lstrip("#")
    return channel if ":" in channel else f"{user.split(':', 1)[0]}:{channel}"


PLATFORM_NAMES = registry.names()
_PERSON = re.compile(rf"^({'|'.join(map(re.escape, PLATFORM_NAMES))}):\S+$")


def person_arg(text: str) -> str:
    if not _PERSON.match(text):
        examples = " or ".join(p.person(p.person_example) for p in registry.PLATFORMS.values())
        raise argparse.ArgumentTypeError(
            f"write a person as PLATFORM:ID, e.g. {examples} (got {text!r})"
        )
    return text


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"write a whole number of at least 1 (got {text!r})")
    return int(text)


def add_commands(commands: Any) -> None:
    """cycles, roles, forget, purge and audit."""
    cycles = commands.add_parser("cycles", help="appraisal cycles").add_subparsers(
        metavar="ACTION", required=True
    )
    add = cycles.add_parser("add", help="add a named cycle with dates")
    add.add_argument("--id", required=True, help="e.g. 2026H2")
    add.add_argument("--start", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    add.add_argument("--end", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    add.set_defaults(handler=cmd_cycles_add)
    cycles.add_parser("list", help="named cycles and the current one").set_defaults(
        handler=cmd_cycles_list
    )
    change = cycles.add_parser("edit", help="change a named cycle's dates")
    change.add_argument("--id", required=True)
    change.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD")
    change.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD")
    change.set_defaults(handler=cmd_cycles_edit)
    remove = cycles.add_parser("remove", help="remove a named cycle (its cases stay)")
    remove.add_argument("--id", required=True)
    remove.set_defaults(handler=cmd_cycles_remove)
    current = cycles.add_parser(
        "current", help="choose the current cycle (summaries, exports); else the quarter"
    )
    which = current.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="a named cycle")
    which.add_argument("--quarter", action="store_true", help="the calendar quarter again")
    current.set_defaults(handler=cmd_cycles_current)

    _people_commands(commands)


def _people_commands(commands: Any) -> None:
    roles = commands.add_parser("roles", help="admins and managers").add_subparsers(
        metavar="ACTION", required=True
    )
    for name, handler in (("grant", cmd_roles_grant), ("revoke", cmd_roles_revoke)):
        action = roles.add_parser(name, help=f"{name} a role")
        action.add_argument("--role", choices=[r.value for r in Role], required=True)
        action.add_argument("--user", type=person_arg, required=True, help="PLATFORM:ID")
        action.add_argument(
            "--channel", help="managers: the channel they manage (PLATFORM:CHANNEL or CHANNEL)"
        )
        action.set_defaults(handler=handler)
    roles.add_parser("list", help="every grant").set_defaults(handler=cmd_roles_list)

    forget = commands.add_parser(
        "forget", help="erase a person: cases about them, their name as nominator"
    )
    forget.add_argument("--user", type=person_arg, required=True, help="PLATFORM:ID")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(handler=cmd_forget)

    purge = commands.add_parser(
        "purge",
        help="delete evidence of cycles closed more than BOT_RETENTION_DAYS ago (also hourly)",
    )
    purge.set_defaults(handler=cmd_purge)

    audit = commands.add_parser("audit", help="the newest audit-log entries")
    audit.add_argument("--limit", type=positive, default=50, help="how many (default 50)")
    audit.set_defaults(handler=cmd_audit)


def resolve_channel(rt: Runtime, text: str) -> str | None:
    """PLATFORM:CHANNEL for a channel written with or without its platform; None after saying
    which platforms have it (or that none does)."""
    text = text.strip().lstrip("#")
    platform, _, channel = text.rpartition(":")
    if platform in PLATFORM_NAMES and channel:
        return text
    found = sorted(
        {s.platform for s in rt.repo.subscriptions.list(active_only=False) if s.channel == text}
    )
    if len(found) == 1:
        return f"{found[0]}:{text}"
    if found:
        choices = " or ".join(f"{p}:{text}" for p in found)
        print(
            rt.templates.render("cli_channel_ambiguous", channel=text, choices=choices),
            file=sys.stderr,
        )
    else:
        print(rt.templates.render("cli_channel_unknown", channel=text), file=sys.stderr)
    return None


def find_subscription(rt: Runtime, text: str) -> Subscription | None:
    """The subscription of a channel written with or without its platform, or None (said)."""
    key = resolve_channel(rt, text)
    if key is None:
        return None
    platform, _, channel = key.partition(":")
    for sub in rt.repo.subscriptions.list(active_only=False):
        if sub.platform == platform and sub.channel == channel:
            return sub
    print(rt.templates.render("cli_channel_unknown", channel=key), file=sys.stderr)
    return None


def cmd_cycles_add(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        try:
            cycle = new_cycle(args.id, args.start, args.end, rt.repo.governance.cycles())
        except CycleError as error:
            print(rt.templates.render(error.key, **error.context), file=sys.stderr)
            return 1
        rt.repo.governance.add_cycle(cycle=cycle, by=actor(), now=rt.clock.now())
        print(f"{cycle.id}\t{cycle.starts_on}\t{cycle.ends_on}")
        return 0


def cmd_cycles_list(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        current = rt.service.reading.cycle(None)
        for c in rt.repo.governance.cycles():
            print(f"{c.id}\t{c.starts_on}\t{c.ends_on}" + ("\t(current)" if c == current else ""))
        if current not in rt.repo.governance.cycles():
            print(f"{current.id}\t{current.starts_on}\t{current.ends_on}\t(current quarter)")
        return 0


def _named(rt: Runtime, cycle_id: str) -> Cycle | None:
    found = next(
        (c for c in rt.repo.governance.cycles() if c.id.casefold() == cycle_id.casefold()), None
    )
    if found is None:
        print(rt.templates.render("cycle_unknown", cycle=cycle_id), file=sys.stderr)
    return found


def _depended_on(rt: Runtime, cycle: Cycle) -> bool:
    """An exported cycle keeps its dates: the files HR holds say what it covered."""
    if rt.repo.governance.exported(cycle.id):
        print(rt.templates.render("cycle_exported", cycle=cycle.id), file=sys.stderr)
        return True
    return False


def cmd_cycles_edit(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        cycle = _named(rt, args.id)
        if cycle is None or _depended_on(rt, cycle):
            return 1
        others = [c for c in rt.repo.governance.cycles() if c.id != cycle.id]
        try:
            changed = new_cycle(
                cycle.id, args.start or cycle.starts_on, args.end or cycle.ends_on, others
            )
        except CycleError as error:
            print(rt.templates.render(error.key, **error.context), file=sys.stderr)
            return 1
        rt.repo.governance.edit_cycle(changed)
        _audit_cycle(rt, "cycle_edit", changed)
        print(f"{changed.id}\t{changed.starts_on}\t{changed.ends_on}")
        return 0


def cmd_cycles_remove(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        cycle = _named(rt, args.id)
        if cycle is None or _depended_on(rt, cycle):
            return 1
        rt.repo.governance.remove_cycle(cycle.id)
        _audit_cycle(rt, "cycle_remove", cycle)
        print(rt.templates.render("cycle_removed", cycle=cycle.id))
        return 0


def cmd_cycles_current(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        cycle = None if args.quarter else _named(rt, args.id)
        if not args.quarter and cycle is None:
            return 1
        rt.repo.governance.choose_current(cycle.id if cycle else None)
        current = rt.service.reading.cycle(None)
        print(
            rt.templates.render(
                "cycle_current",
                cycle=current.id,
                starts_on=current.starts_on,
                ends_on=current.ends_on,
            )
        )
        if cycle is not None and current != cycle:
            print(rt.templates.render("cycle_current_later", cycle=cycle.id), file=sys.stderr)
        return 0


def _audit_cycle(rt: Runtime, action: str, cycle: Cycle) -> None:
    rt.repo.governance.audit(
        actor=actor(), action=action, at=rt.clock.now(),
        scope=f"cycle:{cycle.id}", subjects=[], detail=f"{cycle.starts_on}..{cycle.ends_on}",
    )  # fmt: skip


def _role_channel(args: argparse.Namespace) -> str | None:
    if args.role == Role.ADMIN.value:
        return ""
    return channel_key(args.channel, args.user) if args.channel else None


def cmd_roles_grant(settings: Settings, args: argparse.Namespace) -> int:
    t = Templates(settings.locale)
    if args.role == Role.ADMIN.value and args.channel:
        print(t.render("cli_admin_no_channel"), file=sys.stderr)
        return 2
    channel = _role_channel(args)
    if channel is None:
        print(t.render("cli_manager_needs_channel"), file=sys.stderr)
        return 2
    with opened(settings) as rt:
        new = rt.repo.governance.grant(
            person=args.user, role=Role(args.role), channel=channel, by=actor(), now=rt.clock.now()
        )
        rt.repo.governance.audit(
            actor=actor(),
            action="grant",
            at=rt.clock.now(),
            scope=channel,
            subjects=[args.user],
            detail=args.role,
        )
        where = t.render("cli_on_channel", channel=channel) if channel else ""
        key = "cli_granted" if new else "cli_already_granted"
        print(t.render(key, role=args.role, person=args.user, where=where))
        return 0


def cmd_roles_revoke(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        removed = rt.repo.governance.revoke(
            person=args.user, role=Role(args.role), channel=_role_channel(args)
        )
        if not removed:
            channel = _role_channel(args)
            where = rt.templates.render("cli_on_channel", channel=channel) if channel else ""
            said = rt.templates.render(
                "cli_no_grant", person=args.user, role=args.role, where=where
            )
            print(said, file=sys.stderr)
            return 1
        rt.repo.governance.audit(
            actor=actor(),
            action="revoke",
            at=rt.clock.now(),
            subjects=[args.user],
            detail=args.role,
        )
        print(rt.templates.render("cli_revoked", count=removed))
        return 0


def cmd_roles_list(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        for person, role, channel in rt.repo.governance.grants():
            print(f"{person}\t{role}\t{channel or '*'}")
        for person in sorted(settings.admins):
            print(f"{person}\tadmin\t* (BOT_ADMINS)")
        return 0


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        known = rt.repo.people.known(args.user)
        if not known:
            print(rt.templates.render("forget_unknown", person=args.user), file=sys.stderr)
        if not args.yes and not _confirmed(rt.templates.render("forget_confirm", person=args.user)):
            print(rt.templates.render("forget_cancelled"), file=sys.stderr)
            return 1
        done = rt.service.reading.forget(actor(), args.user)
        print(
            rt.templates.render(
                "forget_done",
                person=args.user,
                removed=done.removed,
                renamed=done.renamed,
                pseudonym=done.pseudonym,
            )
        )
        if done.mentions:
            print(rt.templates.render("forget_mentions", count=len(done.mentions)))
            for case_id, channel, story in done.mentions:
                print(f"  #{case_id}\t{channel}\t{story[:120]!r}")
        return 0


def _confirmed(question: str) -> bool:
    """Ask on the terminal; anything but yes (or no terminal at all) is no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes", "是")
    except EOFError:
        return False


def cmd_purge(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        done = rt.service.reading.apply_retention(actor())
        if done is None:
            print(rt.templates.render("retention_off"))
            return 0
        through, removed = done
        print(
            rt.templates.render(
                "retention_done",
                count=removed,
                through=through.isoformat(),
                days=settings.retention_days,
            )
        )
        return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, create=False) as rt:
        for e in rt.repo.governance.audit_log(limit=args.limit):
            print(
                f"{e.at.isoformat()}\t{e.actor}\t{e.action}\t{e.scope}\t{','.join(e.subjects)}\t{e.detail}"
            )
        return 0
