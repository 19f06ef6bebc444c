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


def send_notices(repo: Repository, clock: Clock, tellers: Mapping[str, Tell]) -> int:
    """Claim and send the notices for people on the running platforms; returns how many."""
    sent = 0
    for notice in repo.outbox.claim(tuple(tellers), now=clock.now()):
        context = dict(notice.context)
        if isinstance(context.get("nominees"), list):
            context["nominees"] = tuple(context["nominees"])
        try:
            tellers[notice.person.split(":", 1)[0]](notice.person, Reply(notice.key, context))
            sent += 1
        except Exception:  # claimed: a notice is sent at most once
            log.exception("notice %d to %s could not be sent", notice.id, notice.person)
    return sent
