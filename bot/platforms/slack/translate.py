"""The Slack adapter's only reader of raw payloads: events, commands and views to neutral values.

Pure functions over dicts; nothing here calls Slack or the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.messages import MAX_ID, Incoming, Kind, Place, plain_id
from bot.core.nominations import Mention

PLATFORM = "slack"
# <@U123>, <@W123|name>; &amp; &lt; &gt; are Slack's only escapes in message text.
_TOKEN = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
NEW_SUBTYPES = (None, "thread_broadcast", "file_share")
MODAL_PREFIX = "modal:"  # a modal's case is kept under the message id modal:VIEW_ID


def _obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: payload fields are never trusted."""
    return value if isinstance(value, dict) else {}


def person(user_id: str) -> str:
    return f"{PLATFORM}:{user_id}"


def user_id(person_key: str) -> str | None:
    """The Slack user id inside `slack:U…`, or None for another platform's person."""
    platform, _, ident = person_key.partition(":")
    return ident if platform == PLATFORM and _USER_ID.match(ident) else None


def label(person_key: str) -> str:
    """How a person is written in a Slack message: a mention Slack shows as their name."""
    ident = user_id(person_key)
    return f"<@{ident}>" if ident else person_key


def text_and_mentions(text: str, blocks: Any = None) -> tuple[str, list[Mention]]:
    """Unescaped text and the mentions in it; rich-text mentions missing from the text are added."""
    out: list[str] = []
    mentions: list[Mention] = []
    position, last = 0, 0
    for match in _TOKEN.finditer(text):
        out.append(text[last : match.start()])
        position += match.start() - last
        if match[1]:
            token = f"<@{match[1]}>"
            mentions.append(Mention(person(match[1]), position, position + len(token)))
        else:
            token = _ENTITIES[match[2]]
        out.append(token)
        position += len(token)
        last = match.end()
    out.append(text[last:])
    seen = {m.person for m in mentions}
    for ident in rich_text_users(blocks):
        if person(ident) not in seen:
            seen.add(person(ident))
            mentions.append(Mention(person(ident), 0, 0))
    return "".join(out), mentions


def rich_text_users(blocks: Any) -> list[str]:
    """User ids of `{"type": "user"}` elements anywhere inside rich_text blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ident = node.get("user_id")
            if node.get("type") == "user" and isinstance(ident, str) and _USER_ID.match(ident):
                found.append(ident)
            for child in node.get("elements") or ():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(blocks if isinstance(blocks, list) else [])
    return found


def workspace_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or _obj(body.get("team")).get("id")
    if not team:
        authorizations = body.get("authorizations")
        first = authorizations[0] if isinstance(authorizations, list) and authorizations else {}
        team = _obj(first).get("team_id")
    return plain_id(team)


def message_link(base_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    if not base_url:
        return ""
    link = f"{base_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    return link + (f"?thread_ts={thread_ts}&cid={channel}" if thread_ts else "")


def _at(ts: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    return isinstance(thread_ts, str) and bool(thread_ts) and thread_ts != ts


def _from_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def _deleted(event: dict[str, Any], place: Place) -> Incoming | None:
    """A `message_deleted` event: the deletion of the message it names."""
    deleted = plain_id(event.get("deleted_ts") or _obj(event.get("previous_message")).get("ts"))
    if not deleted:
        return None
    previous = _obj(event.get("previous_message"))
    return Incoming(
        place=place,
        author=person(plain_id(previous.get("user"))),
        message_id=deleted,
        text="",
        at=_at(str(event.get("ts"))),
        kind=Kind.DELETE,
    )


def _edited(event: dict[str, Any]) -> tuple[dict[str, Any], Kind, datetime | None]:
    """A `message_changed` event: the message as it now reads, and when it was edited."""
    message = dict(_obj(event.get("message")))
    previous = _obj(event.get("previous_message"))
    message.setdefault("ts", previous.get("ts"))
    message.setdefault("thread_ts", previous.get("thread_ts"))
    edited = _obj(message.get("edited")).get("ts") or event.get("event_ts") or event.get("ts")
    return message, Kind.EDIT, _at(str(edited)) if isinstance(edited, str) else None


def incoming(body: dict[str, Any], *, base_url: str = "") -> Incoming | None:
    """A message event as an Incoming; None for everything the bot ignores quietly.

    Ignored: top-level messages, bot messages, other subtypes, and malformed events.
    """
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") != "message":
        return None
    channel = plain_id(event.get("channel"))
    if not channel:
        return None
    place = Place(PLATFORM, workspace_of(body), channel)
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        return _deleted(event, place)
    if subtype == "message_changed":
        message, kind, revised = _edited(event)
    elif subtype in NEW_SUBTYPES:
        message, kind, revised = event, Kind.MESSAGE, None
    else:
        return None
    ts, author = plain_id(message.get("ts")), plain_id(message.get("user"))
    if _from_bot(message) or not _is_reply(message):
        return None
    thread_ts = plain_id(message.get("thread_ts"))
    if not ts or not author or not thread_ts:
        return None
    raw = message.get("text")
    text, mentions = text_and_mentions(raw if isinstance(raw, str) else "", message.get("blocks"))
    return Incoming(
        place=place,
        author=person(author),
        message_id=ts,
        text=text,
        at=_at(ts),
        mentions=mentions,
        kind=kind,
        thread_of=thread_ts,
        link=message_link(base_url, channel, ts, thread_ts),
        revised=revised,
    )


def command_words(text: str) -> str:
    """Slash-command text with people as `@slack:U…` and channels as `#slack:C…`."""
    text = _TOKEN.sub(lambda m: f"@{person(m[1])}" if m[1] else _ENTITIES[m[2]], text or "")
    return _CHANNEL.sub(lambda m: f"#{PLATFORM}:{m[1]}", text)


def command_place(body: dict[str, Any]) -> Place:
    return Place(PLATFORM, workspace_of(body), plain_id(body.get("channel_id")))


@dataclass(frozen=True)
class Click:
    """A button pressed: where, by whom, the button's value, and the message it sits on."""

    place: Place
    person: str
    value: str
    message_ts: str | None
    trigger_id: str | None


def click(body: dict[str, Any]) -> Click | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return None
    channel = plain_id(
        _obj(body.get("channel")).get("id") or _obj(body.get("container")).get("channel_id")
    )
    user = plain_id(_obj(body.get("user")).get("id"))
    if not channel or not user:
        return None
    ts = plain_id(
        _obj(body.get("container")).get("message_ts") or _obj(body.get("message")).get("ts")
    )
    trigger = body.get("trigger_id")
    return Click(
        place=Place(PLATFORM, workspace_of(body), channel),
        person=person(user),
        value=str(
            actions[0].get("value") or _obj(actions[0].get("selected_option")).get("value") or ""
        ),
        message_ts=ts or None,
        trigger_id=trigger if isinstance(trigger, str) else None,
    )


def modal_metadata(place: Place, thread_ts: str) -> str:
    """What the nomination modal remembers about the post it was opened from."""
    return json.dumps({"w": place.workspace, "c": place.channel, "t": thread_ts})


@dataclass(frozen=True)
class Submission:
    place: Place
    thread_ts: str
    author: str
    view_id: str
    nominees: list[str]
    story: str
    criterion_key: str | None = None  # chosen in the form's menu; None: the day's


def submission(body: dict[str, Any]) -> Submission | None:
    """A submitted nomination modal, or None when its metadata is not ours."""
    view = _obj(body.get("view"))
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        place = Place(PLATFORM, plain_id(meta["w"]), plain_id(meta["c"]))
        thread = plain_id(meta["t"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not place.channel or not thread:
        return None
    view_id = plain_id(view.get("id"))
    if len(MODAL_PREFIX) + len(view_id) > MAX_ID:
        return None  # its case's message id would not fit the column
    users, story = modal_values(view)
    values = _obj(_obj(view.get("state")).get("values"))
    chosen = _obj(_obj(_obj(values.get("criterion")).get("criterion")).get("selected_option"))
    return Submission(
        place=place,
        thread_ts=thread,
        author=person(plain_id(_obj(body.get("user")).get("id"))),
        view_id=view_id,
        nominees=[person(u) for u in users],
        story=story,
        criterion_key=plain_id(chosen.get("value")) or None,
    )


def modal_values(view: dict[str, Any]) -> tuple[list[str], str]:
    """The colleagues picked and the story typed in the nomination modal."""
    values = _obj(_obj(view.get("state")).get("values"))
    picked = _obj(_obj(values.get("nominees")).get("nominees")).get("selected_users")
    story = _obj(_obj(values.get("story")).get("story")).get("value") or ""
    if not isinstance(picked, list):
        picked = []
    return [u for u in picked if isinstance(u, str) and _USER_ID.match(u)], str(story)


def form_incoming(form: Submission, *, at: datetime, base_url: str = "") -> Incoming:
    """A submitted form as a nomination in the post's thread, kept under modal:VIEW_ID."""
    return Incoming(
        place=form.place,
        author=form.author,
        message_id=f"{MODAL_PREFIX}{form.view_id}",
        text=form.story,
        at=at,
        mentions=[Mention(nominee, 0, 0) for nominee in form.nominees],
        thread_of=form.thread_ts,
        link=message_link(base_url, form.place.channel, form.thread_ts),
        criterion_key=form.criterion_key,
    )
