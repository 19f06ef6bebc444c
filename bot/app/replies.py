"""What the service says back about a nomination (recorded, or asked about), and the
channel's `subscribe` / `unsubscribe` commands: the service's small, separable parts."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.app.calendars import country_of
from bot.core.commands import Command
from bot.core.messages import Incoming, Place, Reply
from bot.core.model import DailyPost, Subscription
from bot.core.rubric import Rubric

if TYPE_CHECKING:
    from bot.app.service import ValuesService


def asked(
    post: DailyPost,
    incoming: Incoming,
    nominees: list[str],
    story: str,
    key: str = "nomination_doubt",
) -> Reply:
    """Asked before it counts: a reply that reads as criticism and praise both, or one said
    after its post's day (`nomination_held`, kept for the author to record)."""
    return Reply(
        key,
        {
            "date": post.local_date.isoformat(),
            "nominees": tuple(nominees),
            "story": story,
            "criterion_key": post.criterion_key,
            "message_id": incoming.message_id,
            "thread_of": incoming.thread_of,
        },
    )


def acknowledged(
    rubric: Rubric,
    post: DailyPost,
    incoming: Incoming,
    nominees: list[str],
    story: str,
    sub: Subscription | None,
) -> Reply:
    """The recorded nomination, saying who is told: the nominees if the channel's switch says
    so (`notify`), the channel unless its cases are private (`private`)."""
    criterion = rubric.criterion(post.criterion_key)
    return Reply(
        "nomination_ack",
        {
            "nominator": incoming.author,
            "nominees": tuple(nominees),
            "story": story,
            "link": incoming.link,
            "value_key": criterion.value_key if criterion else "",
            "level": criterion.level if criterion else "",
            "criterion_key": post.criterion_key,
            "notify": sub is None or sub.notify_nominees,
            "message_id": incoming.message_id,
            "thread_of": incoming.thread_of,
        },
        private=sub is not None and sub.private_cases,
    )


def subscription_command(
    service: ValuesService, place: Place, author: str, command: Command
) -> Reply:
    """`subscribe [HH:MM] [Area/City]` and `unsubscribe` in a channel, by an admin."""
    repo, options = service.repo, service.options
    if not repo.governance.access(author, admins=options.admins).is_admin:
        return Reply("not_allowed_admin")
    if command.name == "unsubscribe":
        done = repo.subscriptions.deactivate(
            platform=place.platform, workspace=place.workspace, channel=place.channel
        )
        return Reply("unsubscribed" if done else "not_subscribed")
    current = repo.subscriptions.get(
        platform=place.platform, workspace=place.workspace, channel=place.channel
    )
    zone = command.zone or (current.timezone if current else options.timezone)
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        return Reply("unknown_argument", {"word": zone})
    sub = repo.subscriptions.save(
        platform=place.platform,
        workspace=place.workspace,
        channel=place.channel,
        post_at=command.time or (current.post_at if current else "09:30"),
        timezone=zone,
        country=country_of(zone) if command.zone or not current else current.country,
        days_off=current.days_off if current else frozenset(),
        now=service.clock.now(),
    )
    return Reply("subscribed", {"time": sub.post_at, "zone": sub.timezone})
