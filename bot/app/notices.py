"""Sending the outbox: notices the CLI left for people (a case hidden, restored or moved), sent
one to one by whichever running platform the person is on, on every scheduler tick."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from bot.app.clock import Clock
from bot.core.messages import Reply
from storage.repository import Repository

log = logging.getLogger(__name__)
Tell = Callable[[str, Reply], None]


def send_notices(
    repo: Repository,
    clock: Clock,
    tellers: Mapping[str, Tell],
    link: Callable[[str], str] | None = None,
) -> int:
    """Claim and send the notices for people on the running platforms; returns how many.
    A notice that asks for a sign-in link (the appraisal's) gets a fresh one now: a link made
    when the notice was queued could lapse before it is sent."""
    sent = 0
    for notice in repo.outbox.claim(tuple(tellers), now=clock.now()):
        context = dict(notice.context)
        if context.pop("sign_in", False):
            context["url"] = (link(notice.person) if link else "") or "/values web"
        if isinstance(context.get("nominees"), list):
            context["nominees"] = tuple(context["nominees"])
        try:
            tellers[notice.person.split(":", 1)[0]](notice.person, Reply(notice.key, context))
            sent += 1
        except Exception:  # claimed: a notice is sent at most once
            log.exception("notice %d to %s could not be sent", notice.id, notice.person)
    return sent
