"""Notices waiting for the running bot: what the CLI's moderation tells a case's author.

Each is claimed once (`sent_at` set in the claiming UPDATE), so replicas never send one twice;
a send that fails after its claim is logged, not retried (at most once: a notice, not evidence).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import col, select

from storage.store import Store
from storage.tables import NoticeRow


@dataclass(frozen=True)
class Notice:
    id: int
    person: str
    key: str
    context: dict[str, Any]


class Outbox(Store):
    """Notices for people, added by the CLI and claimed, once each, by a running bot."""

    def add(self, person: str, key: str, context: Mapping[str, Any], *, now: datetime) -> None:
        text = json.dumps(dict(context), ensure_ascii=False, default=list)
        with self.writing() as session:
            session.add(NoticeRow(person=person, key=key, context=text, created_at=now))

    def claim(self, platforms: tuple[str, ...], *, now: datetime, limit: int = 50) -> list[Notice]:
        """Unsent notices for people on `platforms`, each claimed by this call alone."""
        if not platforms:
            return []
        with self.reading() as session:
            rows = session.exec(
                select(NoticeRow)
                .where(col(NoticeRow.sent_at).is_(None))
                .order_by(col(NoticeRow.id))
                .limit(limit)
            ).all()
        claimed = []
        for row in rows:
            if row.person.split(":", 1)[0] not in platforms:
                continue
            with self.writing() as session:
                taken = session.execute(
                    update(NoticeRow)
                    .where(col(NoticeRow.id) == row.id, col(NoticeRow.sent_at).is_(None))
                    .values(sent_at=now)
                )
            if int(taken.rowcount) == 1:  # type: ignore[attr-defined]
                claimed.append(Notice(row.id or 0, row.person, row.key, json.loads(row.context)))
        return claimed

    def forget(self, *, person: str) -> int:
        """Erasure: notices for or about a person go too."""
        about = json.dumps(person, ensure_ascii=False)
        with self.writing() as session:
            result = session.execute(
                delete(NoticeRow).where(
                    or_(
                        col(NoticeRow.person) == person,
                        col(NoticeRow.context).contains(about, autoescape=True),
                    )
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
