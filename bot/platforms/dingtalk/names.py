"""People's names on DingTalk: said in each message, kept in the database, asked of the
directory when a nominee's name is not known yet (once per person a day, at most)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping

from bot.app.chat import ChatService
from bot.core.messages import Reply
from bot.core.summaries import Summary
from bot.platforms.dingtalk.openapi import OpenApi
from bot.platforms.dingtalk.translate import staff_id

NAME_SECONDS = 24 * 3600.0


class Names:
    """Display names of DingTalk people: learnt from messages, stored, and looked up in
    the directory (cached) when a summary or export needs them.
    """

    def __init__(self, api: OpenApi, chat: ChatService) -> None:
        self.api, self.chat = api, chat
        self._names: dict[str, tuple[str, float]] = {}
        self._lookup_lock = threading.Lock()

    def learn(self, names: Mapping[str, str]) -> None:
        """Names said in a message, stored when they are new or changed."""
        now = time.monotonic()
        fresh = {
            person: name
            for person, name in names.items()
            if name and self._names.get(person, ("", 0.0))[0] != name
        }
        if fresh:
            self.chat.remember_names(fresh)
            self._names.update({p: (n, now + NAME_SECONDS) for p, n in fresh.items()})

    def of(self, people: Iterable[str], *, look_up: Iterable[str] = ()) -> dict[str, str]:
        """Names of `people` from the database and memory; `look_up` ones asked of DingTalk."""
        wanted = list(dict.fromkeys(people))
        names = self.chat.names(wanted)
        learned: dict[str, str] = {}
        with self._lookup_lock:  # one lookup per person, however many answers need it
            now = time.monotonic()
            for person in wanted:
                cached = self._names.get(person)
                if person not in names and cached is not None and cached[0]:
                    names[person] = cached[0]
            for person in look_up:
                cached = self._names.get(person)
                if person in names or (cached is not None and cached[1] > now):
                    continue
                staff = staff_id(person)
                found = self.api.user_name(staff) if staff else None
                self._names[person] = (found or "", now + NAME_SECONDS)
                if found:
                    learned[person] = names[person] = found
        if learned:
            self.chat.remember_names(learned)
        return names


def people_in(reply: Reply) -> list[str]:
    """Everyone a summary (or `me`) names: its people, their nominators, its scope's person."""
    summary = reply.context.get("summary")
    if not isinstance(summary, Summary):  # a case's notice: the people it names
        named = [reply.context.get(k) for k in ("nominee", "to", "by")]
        named += list(reply.context.get("nominees") or ())
        return [p for p in named if isinstance(p, str)]
    people = []
    for person in summary.people:
        people.append(person.person)
        people += [case.nominator for case in person.newest]
    scope = reply.context.get("scope")
    if scope is not None and getattr(scope, "person", None):
        people.append(scope.person)
    return people
