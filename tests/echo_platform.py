"""A made-up fourth platform, "echo", written only against the platform contract.

It exists to prove the contract (tests/test_platform_contract.py): registered in the registry at
start, it is configured, started, served over HTTP, posted to and named by the CLI with no edit
to any module of bot/. Its events are JSON posted to /echo/events with the shared token in a
header; everything it would say is appended, as JSON lines, to the file ECHO_OUTBOX names.

Run it as `python -m tests.echo_platform ARGS…` (the same arguments as `values-bot`).
"""

from __future__ import annotations

import hmac
import itertools
import json
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app.background import Background
from bot.app.chat import ChatService
from bot.app.conversation import Conversation, ExportFile, StoreUnavailable
from bot.app.outage import StoreLater
from bot.app.posting import Poster
from bot.core.messages import Incoming, Place, Reply
from bot.core.model import DailyPost, Subscription
from bot.core.nominations import Mention
from bot.core.rubric import Criterion
from bot.ops.env import Reader, looks_real
from bot.ops.shutdown import Deadline
from bot.ops.web import Answer, Request, Route
from bot.platforms.base import CannotStart, Host, Platform
from bot.words.render_text import TextRenderer

NAME = "echo"


@dataclass(frozen=True)
class EchoSettings:
    token: str = ""
    outbox: str = ""

    @classmethod
    def read(cls, read: Reader) -> EchoSettings:
        return cls(token=read.text("ECHO_TOKEN"), outbox=read.text("ECHO_OUTBOX"))

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def half_given(self) -> list[str]:
        return (
            ["ECHO_OUTBOX is set but ECHO_TOKEN is not"] if self.outbox and not self.token else []
        )

    def problems(self, *, http: bool) -> list[str]:
        found = [] if looks_real(self.token) else ["ECHO_TOKEN looks like a placeholder"]
        return found + ([] if self.outbox else ["ECHO_OUTBOX is not set"])


class Outbox:
    """Everything the platform would send, one JSON object a line."""

    def __init__(self, path: str, chat: ChatService) -> None:
        self.path, self.lock = Path(path), threading.Lock()
        self.text = TextRenderer(chat.templates, chat.rubric, min_story=chat.min_story)

    def write(self, **line: Any) -> None:
        with self.lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    # the Outbound port: `said` is (channel, author)
    def confirm(self, said: tuple[str, str], ack: Reply) -> None:
        self.write(kind="confirm", to=said[1], text=self.text.render(ack))

    def notify(self, said: tuple[str, str], ack: Reply) -> None:
        for nominee in ack.context.get("nominees", []):
            self.write(kind="notify", to=nominee, text=self.text.render(ack))

    def answer(self, said: tuple[str, str], reply: Reply) -> None:
        self.write(kind="answer", channel=said[0], text=self.text.render(reply))

    def answer_privately(self, said: tuple[str, str], reply: Reply) -> None:
        self.write(kind="private", to=said[1], text=self.text.render(reply))

    def tell(self, said: tuple[str, str], person: str, reply: Reply) -> None:
        self.write(kind="tell", to=person, text=self.text.render(reply))

    def send_file(self, said: tuple[str, str], file: ExportFile) -> None:
        self.write(kind="file", to=said[1], name=file.name, count=file.count)

    def post(self, sub: Subscription, post: DailyPost, criterion: Criterion, _late: bool) -> str:
        self.write(kind="post", channel=sub.channel, criterion=criterion.key)
        return f"post-{post.local_date.isoformat()}"


class EchoBot:
    """The Running platform: one HTTP route, no socket."""

    name = NAME

    def __init__(self, chat: ChatService, settings: EchoSettings) -> None:
        self.chat, self.settings = chat, settings
        self.outbox = Outbox(settings.outbox, chat)
        self.talk = Conversation(chat, self.outbox, name=NAME, workers=2)
        self._ids = itertools.count(1)

    @property
    def work(self) -> Background:
        return self.talk.work

    @property
    def retry(self) -> StoreLater:
        return self.talk.retry

    def poster_for(self, platform: str) -> Poster | None:
        return self.outbox.post if platform == NAME else None

    def tell(self, person: str, reply: Reply) -> None:
        self.outbox.tell(("", ""), person, reply)

    def routes(self) -> Mapping[str, Route]:
        return {"/echo/events": self.event}

    def http_greeting(self, base: str) -> str:
        return f"echo: POST events to {base}/echo/events"

    def open_socket(self, stopping: threading.Event) -> str:
        return "echo has no socket"

    def close_socket(self, deadline: Deadline) -> None:
        pass

    def close(self, *, wait: bool = True) -> None:
        self.talk.close(wait=wait)

    def event(self, request: Request) -> Answer:
        if not hmac.compare_digest(request.header("x-echo-token"), self.settings.token):
            return Answer(401, b'{"error":"forged"}')
        try:
            body = json.loads(request.body)
            channel, author, text = str(body["channel"]), str(body["user"]), str(body["text"])
        except (ValueError, KeyError, TypeError):
            return Answer(400, b'{"error":"bad event"}')
        place = Place(platform=NAME, workspace="local", channel=channel)
        said = (channel, f"{NAME}:{author}")
        if text.startswith("/values"):
            reply = self.talk.command(place, said[1], text.removeprefix("/values"), said)
            if reply is not None:
                self.outbox.answer(said, reply)
            return Answer(200, b"{}")
        mentions = [
            Mention(person=f"{NAME}:{word[1:]}", start=at, end=at + len(word))
            for at, word in _words(text)
            if word.startswith("@")
        ]
        incoming = Incoming(
            place=place,
            author=said[1],
            message_id=str(body.get("id") or next(self._ids)),
            text=text,
            at=datetime.now().astimezone(),
            mentions=mentions,
        )
        try:
            self.talk.message(incoming, said)
        except StoreUnavailable:
            return Answer(503, b'{"error":"retry"}')
        return Answer(200, b"{}")


def _words(text: str) -> list[tuple[int, str]]:
    found, at = [], 0
    for word in text.split(" "):
        found.append((at, word))
        at += len(word) + 1
    return found


def _start(host: Host) -> EchoBot:
    if host.settings.token == "refuse":
        raise CannotStart("echo: the echo service refused the token")
    return EchoBot(host.chat, host.settings)


def _poster(chat: ChatService, settings: EchoSettings) -> Poster:
    return Outbox(settings.outbox, chat).post


PLATFORM = Platform(
    name=NAME,
    channel_example="room1",
    person_example="ann",
    workspace_hint="always local",
    read_settings=EchoSettings.read,
    start=_start,
    poster=_poster,
    own_workspace=lambda _settings: "local",
    fixed_workspace=True,
)


def register() -> None:
    """The one registry line a real platform would add, made at run time."""
    from bot.platforms import registry

    registry.PLATFORMS[NAME] = PLATFORM


if __name__ == "__main__":
    register()
    from bot.cli import main

    sys.exit(main(sys.argv[1:]))
