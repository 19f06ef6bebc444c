"""Who was seen writing in which channel (the newest day only): "took part, no case yet"."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import and_, delete, false, func, or_
from sqlmodel import col, select

from bot.core.messages import Place
from storage.store import Store
from storage.tables import ParticipantRow


class Participants(Store):
    """A row per person and channel: the first day seen, and `last_seen` moved forward as
    they write."""

    def seen(self, place: Place, person: str, on: date) -> None:
        table = ParticipantRow.__table__  # type: ignore[attr-defined]
        statement = self.insert(table).values(
            platform=place.platform,
            workspace=place.workspace,
            channel=place.channel,
            person=person,
            first_seen=on,
            last_seen=on,
        )
        with self.writing() as session:
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["platform", "workspace", "channel", "person"],
                    set_={"last_seen": func.max(table.c.last_seen, on)}
                    if self.engine.dialect.name == "sqlite"
                    else {"last_seen": func.greatest(table.c.last_seen, on)},
                )
            )

    def in_channels(self, channels: Collection[str], starts_on: date, ends_on: date) -> set[str]:
        """Everyone seen in these channels (`PLATFORM:CHANNEL`) between their first and last
        day seen overlapping the period."""
        pairs = [key.split(":", 1) for key in sorted(channels)]
        query = select(ParticipantRow.person).where(
            col(ParticipantRow.last_seen) >= starts_on,
            col(ParticipantRow.first_seen) <= ends_on,
            or_(
                false(),
                *(
                    and_(col(ParticipantRow.platform) == p, col(ParticipantRow.channel) == c)
                    for p, c in pairs
                ),
            ),
        )
        with self.reading() as session:
            return set(session.exec(query).all())

    def forget(self, *, person: str) -> None:
        with self.writing() as session:
            session.execute(delete(ParticipantRow).where(col(ParticipantRow.person) == person))
