"""One log line per handled event: ids and outcome, never the story text."""

from __future__ import annotations

import logging

from bot.core.messages import Incoming, Reply
from bot.ops.metrics import METRICS

log = logging.getLogger("values_bot.events")


def log_event(incoming: Incoming, replies: list[Reply]) -> None:
    """Log one handled message (INFO) and count what it did."""
    platform = incoming.place.platform
    for reply in replies:
        if reply.key == "nomination_ack":
            METRICS.nominations.inc(len(reply.context.get("nominees", ())), platform=platform)
        elif reply.key.startswith("refusal_"):
            METRICS.refusals.inc(platform=platform, reason=reply.key.removeprefix("refusal_"))
    log.info(
        "event platform=%s workspace=%s channel=%s message=%s kind=%s author=%s outcome=%s",
        platform,
        incoming.place.workspace,
        incoming.place.channel,
        incoming.message_id,
        incoming.kind,
        incoming.author,
        ",".join(r.key for r in replies) or "nothing_new",
    )
