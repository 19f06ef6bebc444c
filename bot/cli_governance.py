"""Governance subcommands: cycles, roles, forget and the audit log."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.config import Settings
from bot.core.cycles import CycleError, new_cycle
from bot.core.model import Subscription
from bot.core.permissions import Role
from bot.wiring import Runtime, opened


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def channel_key(channel: str, user: str) -> str:
    channel = channel.lstrip("#")
    return channel if ":" in channel else f"{user.split(':', 1)[0]}:{channel}"


PLATFORM_NAMES = ("console", "slack", "dingtalk")


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
    with opened(settings) as rt:
        current = rt.service.reading.cycle(None)
        for c in rt.repo.governance.cycles():
            print(f"{c.id}\t{c.starts_on}\t{c.ends_on}" + ("\t(current)" if c == current else ""))
        if current.id.count("Q") == 1 and current not in rt.repo.governance.cycles():
            print(f"{current.id}\t{current.starts_on}\t{current.ends_on}\t(current quarter)")
        return 0


def _role_channel(args: argparse.Namespace) -> str | None:
    if args.role == Role.ADMIN.value:
        return ""
    return channel_key(args.channel, args.user) if args.channel else None


def cmd_roles_grant(settings: Settings, args: argparse.Namespace) -> int:
    channel = _role_channel(args)
    if channel is None:
        print("A manager manages a channel: add --channel C.", file=sys.stderr)
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
        print(
            f"{'granted' if new else 'already granted'}: {args.role} {args.user}"
            + (f" on {channel}" if channel else "")
        )
        return 0


def cmd_roles_revoke(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        removed = rt.repo.governance.revoke(
            person=args.user, role=Role(args.role), channel=_role_channel(args)
        )
        rt.repo.governance.audit(
            actor=actor(),
            action="revoke",
            at=rt.clock.now(),
            subjects=[args.user],
            detail=args.role,
        )
        print(f"revoked {removed} grant(s)")
        return 0 if removed else 1


def cmd_roles_list(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings) as rt:
        for person, role, channel in rt.repo.governance.grants():
            print(f"{person}\t{role}\t{channel or '*'}")
        for person in sorted(settings.admins):
            print(f"{person}\tadmin\t* (BOT_ADMINS)")
        return 0


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as rt:
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
    with opened(settings) as rt:
        for e in rt.repo.governance.audit_log(limit=args.limit):
            print(
                f"{e.at.isoformat()}\t{e.actor}\t{e.action}\t{e.scope}\t{','.join(e.subjects)}\t{e.detail}"
            )
        return 0
