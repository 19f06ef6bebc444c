"""The console chat: one channel, #console, in a terminal. The default with no credentials.

Every plain line is a reply in the thread of #console's latest daily post, said by the current
speaker; `@name` mentions a colleague. Meta-commands: /as NAME, /edit TEXT, /delete, /values …,
/quit. State lives in the database, so it survives a restart.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from typing import TextIO

from bot.app.posting import Poster
from bot.core.messages import Incoming, Kind, Place, Reply
from bot.core.model import DailyPost, Subscription
from bot.core.nominations import Mention
from bot.core.rubric import Criterion
from bot.wiring import Runtime

PLATFORM = "console"
PLACE = Place(platform=PLATFORM, workspace="local", channel="console")
_MENTION = re.compile(r"@([^\s@,，。.!！?？:：;；、()（）]+)")
_CHANNEL = re.compile(r"#([^\s@#,，。]+)")


def person(name: str) -> str:
    return f"{PLATFORM}:{name}"


def translate(text: str) -> tuple[str, list[Mention]]:
    """The console's only payload reader: `@name` becomes a mention of console:name."""
    return text, [Mention(person(m[1]), m.start(), m.end()) for m in _MENTION.finditer(text)]


def command_words(text: str) -> str:
    """`/values` arguments with @name and #channel written as the core expects them."""
    text = _MENTION.sub(lambda m: f"@{person(m[1])}", text)
    return _CHANNEL.sub(lambda m: f"#{PLATFORM}:{m[1]}", text)


class Console:
    def __init__(self, runtime: Runtime, out: TextIO, *, speaker: str | None = None) -> None:
        self.rt = runtime
        self.out = out
        self.speaker = speaker or runtime.settings.console_user
        self.last: dict[str, str] = {}  # speaker -> id of their last message this session
        self._lock = threading.Lock()

    # ---- output -------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        with self._lock:
            for line in text.splitlines() or [""]:
                print(f"values-bot › {line}", file=self.out)
            self.out.flush()

    def show(self, replies: Iterable[Reply]) -> None:
        for reply in replies:
            self.say(self.rt.text.render(reply))

    def poster(self) -> Poster:
        def post(_sub: Subscription, daily: DailyPost, criterion: Criterion, workday: bool) -> str:
            self.say(self.rt.text.daily_post(criterion, workday=workday))
            return f"post-{daily.local_date.isoformat()}"

        return post

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    # ---- start --------------------------------------------------------------------------------

    def ensure_channel(self) -> Subscription:
        """#console is subscribed automatically; a first start posts at once, even on a day off."""
        sub = self.rt.repo.subscriptions.get(
            platform=PLATFORM, workspace=PLACE.workspace, channel=PLACE.channel
        )
        if sub is None or not sub.active:
            sub = self.rt.repo.subscriptions.save(
                platform=PLATFORM,
                workspace=PLACE.workspace,
                channel=PLACE.channel,
                post_at=sub.post_at if sub else "09:30",
                timezone=sub.timezone if sub else self.rt.settings.timezone,
                country=sub.country if sub else "CN",
                days_off=sub.days_off if sub else frozenset(),
                now=self.rt.clock.now(),
            )
        return sub

    def start(self) -> None:
        sub = self.ensure_channel()
        self.say(self.rt.templates.render("console_welcome", person=person(self.speaker)))
        latest = self.rt.repo.posts.latest(
            platform=PLATFORM, workspace=PLACE.workspace, channel=PLACE.channel
        )
        if latest is None:
            self.rt.posts.post_now(sub, self.poster())
        else:
            self.show(self.rt.service.command(PLACE, person(self.speaker), "today"))

    # ---- input --------------------------------------------------------------------------------

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line == "/as" or line.startswith("/as "):
            name = line[3:].strip().lstrip("@")
            if name:
                self.speaker = name.removeprefix(f"{PLATFORM}:")
            self.say(self.rt.templates.render("console_speaker", person=person(self.speaker)))
        elif line == "/values" or line.startswith("/values "):
            self.show(self.rt.service.command(PLACE, person(self.speaker), command_words(line[7:])))
        elif line.startswith("/edit"):
            self._change(Kind.EDIT, line[5:].strip())
        elif line == "/delete":
            self._change(Kind.DELETE, "")
        elif line.startswith("/"):
            self.say(self.rt.templates.render("console_unknown", word=line.split()[0]))
        else:
            message_id = f"{time.time_ns()}"
            self.last[self.speaker] = message_id
            self._send(Kind.MESSAGE, message_id, line)
        return True

    def _change(self, kind: Kind, text: str) -> None:
        message_id = self.last.get(self.speaker) or self.rt.repo.evidence.last_message_by(
            place=PLACE, author=person(self.speaker)
        )
        if message_id is None:
            self.say(self.rt.templates.render("console_nothing_to_edit"))
            return
        self._send(kind, message_id, text)

    def _send(self, kind: Kind, message_id: str, line: str) -> None:
        text, mentions = translate(line)
        incoming = Incoming(
            place=PLACE,
            author=person(self.speaker),
            message_id=message_id,
            text=text,
            at=self.rt.clock.now(),
            mentions=mentions,
            kind=kind,
            link=f"console://console/{message_id}",
        )
        self.show(self.rt.service.handle(incoming))

    def loop(self, lines: Iterable[str]) -> None:
        for line in lines:
            if not self.handle_line(line):
                break
        self.say(self.rt.templates.render("console_bye", database=self.rt.settings.database_url))
