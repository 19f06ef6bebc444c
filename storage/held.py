"""Stories told where no post was open yet, kept for the channel's next post."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.core.messages import Place
from storage.store import Store
from storage.tables import HeldStoryRow

MAX_HELD = 20  # per channel: a flood of early replies is not all kept


@dataclass(frozen=True)
class HeldStory:
    place: Place
    message_id: str
    author: str
    nominees: tuple[str, ...]
    story: str
    link: str
    said_on: date


class HeldStories(Store):
    """Held until the next post: `hold` on the way in, `take` once the post is made."""

    def hold(
        self,
        *,
        place: Place,
        message_id: str,
        author: str,
        nominees: Iterable[str],
        story: str,
        link: str,
        said_on: date,
        now: datetime,
    ) -> bool:
        """Keep a story (once per message; at most MAX_HELD per channel); False if not kept."""
        with self.writing() as session:
            kept = session.exec(
                select(HeldStoryRow.id).where(*_channel(place)).limit(MAX_HELD)
            ).all()
            if len(kept) >= MAX_HELD:
                return False
            result = session.execute(
                self.insert(HeldStoryRow.__table__)  # type: ignore[attr-defined]
                .values(
                    platform=place.platform,
                    workspace=place.workspace,
                    channel=place.channel,
                    message_id=message_id,
                    author=author,
                    nominees=json.dumps(list(nominees)),
                    story=story,
                    link=link,
                    said_on=said_on,
                    created_at=now,
                )  # fmt: skip
                .on_conflict_do_nothing()
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def take(self, place: Place) -> list[HeldStory]:
        """Every story held for a channel, removed as it is handed over."""
        with self.writing() as session:
            rows = session.exec(
                select(HeldStoryRow).where(*_channel(place)).order_by(col(HeldStoryRow.id))
            ).all()
            for row in rows:
                session.delete(row)
            return [
                HeldStory(
                    place,
                    r.message_id,
                    r.author,
                    tuple(json.loads(r.nominees)),
                    r.story,
                    r.link,
                    r.said_on,
                )  # fmt: skip
                for r in rows
            ]

    def forget(self, *, person: str) -> int:
        """Erasure: stories by a person, or naming them, go."""
        quoted = json.dumps(person)
        with self.writing() as session:
            result = session.execute(
                delete(HeldStoryRow).where(
                    or_(
                        col(HeldStoryRow.author) == person,
                        col(HeldStoryRow.nominees).contains(quoted, autoescape=True),
                    )
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


def _channel(place: Place) -> list[ColumnElement[bool]]:
    return [
        col(HeldStoryRow.platform) == place.platform,
        col(HeldStoryRow.workspace) == place.workspace,
        col(HeldStoryRow.channel) == place.channel,
    ]
