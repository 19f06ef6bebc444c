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
from typing import Protocol, TextIO

from bot.app.chat import ChatService
from bot.app.posting import Poster
from bot.core.messages import Incoming, Kind, Place, Reply
from bot.core.model import DailyPost, Subscription
from bot.core.nominations import Mention
from bot.core.rubric import Criterion
from bot.words.render_text import TextRenderer

PLATFORM = "console"
PLACE = Place(platform=PLATFORM, workspace="local", channel="console")
_MENTION = re.compile(r"@([^\s@,，。.!！?？:：;；、()（）]+)")
_CHANNEL = re.compile(r"#([^\s@#,，。]+)")
# how to undo, move or confirm a case here: TextRenderer(hints=PLATFORM) renders them
CASE_HINTS = ("console_undo_hint", "console_record_hint")
# a case's commands typed short: `/undo` is `/values undo`, `/no` is `/values discard`
SHORTCUTS = {
    "/record": "record",
    "/no": "discard",
    "/undo": "undo",
    "/move": "move",
    "/hide": "hide",
    "/restore": "restore",
    "/flag": "flag",
}


def person(name: str) -> str:
    return f"{PLATFORM}:{name}"


def translate(text: str) -> tuple[str, list[Mention]]:
    """The console's only payload reader: `@name` becomes a mention of console:name."""
    return text, [Mention(person(m[1]), m.start(), m.end()) for m in _MENTION.finditer(text)]


def command_words(text: str) -> str:
    """`/values` arguments with @name and #channel written as the core expects them."""
    text = _MENTION.sub(lambda m: f"@{person(m[1])}", text)
    return _CHANNEL.sub(lambda m: f"#{PLATFORM}:{m[1]}", text)


class PostNow(Protocol):
    def post_now(self, sub: Subscription, poster: Poster) -> object: ...


class Console:
    """The terminal chat: typed lines in, the service's replies printed as plain text."""

    def __init__(
        self,
        chat: ChatService,
        out: TextIO,
        *,
        speaker: str = "me",
        posts: PostNow | None = None,
        database: str = "",
    ) -> None:
        self.chat, self.t = chat, chat.templates
        self.text = TextRenderer(
            chat.templates, chat.rubric, min_story=chat.min_story, hints=PLATFORM
        )
        self.out, self.posts, self.database = out, posts, database
        self.speaker = speaker
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
            self.say(self.text.render(reply))

    def poster(self) -> Poster:
        def post(_sub: Subscription, daily: DailyPost, criterion: Criterion, workday: bool) -> str:
            self.say(self.text.daily_post(criterion, workday=workday))
            return f"post-{daily.local_date.isoformat()}"

        return post

    def poster_for(self, platform: str) -> Poster | None:
        return self.poster() if platform == PLATFORM else None

    # ---- start --------------------------------------------------------------------------------

    def ensure_channel(self) -> Subscription:
        """#console is subscribed automatically; a first start posts at once, even on a day off."""
        return self.chat.subscribe_once(PLACE)

    def start(self) -> None:
        sub = self.ensure_channel()
        self.say(self.t.render("console_welcome", person=person(self.speaker)))
        if self.chat.latest_post(PLACE) is None and self.posts is not None:
            self.posts.post_now(sub, self.poster())
        else:
            self.show(self.chat.command(PLACE, person(self.speaker), "today"))

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
            self.say(self.t.render("console_speaker", person=person(self.speaker)))
        elif line == "/values" or line.startswith("/values "):
            self.show(self.chat.command(PLACE, person(self.speaker), command_words(line[7:])))
        elif line.split()[0] in SHORTCUTS:  # /undo, /record, /no, /move integrity 3, …
            words = SHORTCUTS[line.split()[0]] + line[len(line.split()[0]) :]
            self.show(self.chat.command(PLACE, person(self.speaker), command_words(words)))
        elif line.startswith("/edit"):
            self._change(Kind.EDIT, line[5:].strip())
        elif line == "/delete":
            self._change(Kind.DELETE, "")
        elif line.startswith("/"):
            self.say(self.t.render("console_unknown", word=line.split()[0]))
        else:
            message_id = f"{time.time_ns()}"
            self.last[self.speaker] = message_id
            self._send(Kind.MESSAGE, message_id, line)
        return True

    def _change(self, kind: Kind, text: str) -> None:
        message_id = self.last.get(self.speaker) or self.chat.last_message(
            PLACE, person(self.speaker)
        )
        if message_id is None:
            self.say(self.t.render("console_nothing_to_edit"))
            return
        self._send(kind, message_id, text)

    def _send(self, kind: Kind, message_id: str, line: str) -> None:
        text, mentions = translate(line)
        incoming = Incoming(
            place=PLACE,
            author=person(self.speaker),
            message_id=message_id,
            text=text,
            at=self.chat.now(),
            mentions=mentions,
            kind=kind,
            link=f"console://console/{message_id}",
        )
        replies = self.chat.handle(incoming)
        if kind == Kind.MESSAGE:
            self.chat.seen(incoming)  # took part: listed if they have no case
        self.show(self.chat.with_suggestion(r) if r.key == "nomination_ack" else r for r in replies)

    def loop(self, lines: Iterable[str]) -> None:
        for line in lines:
            if not self.handle_line(line):
                break
        self.say(self.t.render("console_bye", database=self.database))
