"""The web app's one-time sign-in links and browser sessions.

Only SHA-256 digests of the tokens are stored: a copy of the database opens no session. A
link is spent by one UPDATE that also checks it is unused and unexpired, so two browsers (or
two replicas) racing with the same link cannot both sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select

from storage.store import Store, utc
from storage.tables import WebLinkRow, WebSessionRow

TOUCH_EVERY = timedelta(minutes=1)  # a session's last_seen is rewritten at most this often


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser as the web app sees it."""

    person: str
    csrf: str
    locale: str
    created_at: datetime
    last_seen: datetime


class SignIns(Store):
    """Sign-in links (spent once) and sessions (ended by idleness, sign-out or revocation)."""

    def add_link(self, *, token_hash: str, person: str, now: datetime, expires: datetime) -> None:
        with self.writing() as session:
            session.add(
                WebLinkRow(token_hash=token_hash, person=person, created_at=now, expires_at=expires)
            )

    def link_open(self, *, token_hash: str, now: datetime) -> bool:
        with self.reading() as session:
            row = session.get(WebLinkRow, token_hash)
        return row is not None and row.used_at is None and utc(row.expires_at) > now

    def spend_link(self, *, token_hash: str, now: datetime) -> str | None:
        """The person a valid link signs in, marking it used; None if unknown, used or expired."""
        with self.writing() as session:
            spent = session.execute(
                update(WebLinkRow)
                .where(
                    col(WebLinkRow.token_hash) == token_hash,
                    col(WebLinkRow.used_at).is_(None),
                    col(WebLinkRow.expires_at) > now,
                )
                .values(used_at=now)
            )
            if int(spent.rowcount) != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(WebLinkRow, token_hash)
            return row.person if row is not None else None

    def open_session(
        self, *, token_hash: str, person: str, csrf: str, locale: str, now: datetime
    ) -> None:
        with self.writing() as session:
            session.add(
                WebSessionRow(
                    token_hash=token_hash,
                    person=person,
                    csrf=csrf,
                    locale=locale,
                    created_at=now,
                    last_seen=now,
                )
            )

    def session(self, *, token_hash: str, now: datetime, idle: timedelta) -> WebSession | None:
        """The live session with this digest (its last_seen moved on); None when unknown or
        idle for longer than `idle` (then it is deleted)."""
        with self.reading() as session:
            row = session.get(WebSessionRow, token_hash)
        if row is None:
            return None
        last = utc(row.last_seen)
        if now - last > idle:
            self.end_session(token_hash=token_hash)
            return None
        if now - last >= TOUCH_EVERY:
            with self.writing() as session:
                session.execute(
                    update(WebSessionRow)
                    .where(col(WebSessionRow.token_hash) == token_hash)
                    .values(last_seen=now)
                )
            last = now
        return WebSession(row.person, row.csrf, row.locale, utc(row.created_at), last)

    def set_locale(self, *, token_hash: str, locale: str) -> None:
        with self.writing() as session:
            session.execute(
                update(WebSessionRow)
                .where(col(WebSessionRow.token_hash) == token_hash)
                .values(locale=locale)
            )

    def end_session(self, *, token_hash: str) -> None:
        with self.writing() as session:
            session.execute(
                delete(WebSessionRow).where(col(WebSessionRow.token_hash) == token_hash)
            )

    def sessions(self, person: str | None = None) -> list[tuple[str, datetime, datetime]]:
        """(person, signed in, last seen) of every open session, or of one person's."""
        query = select(WebSessionRow).order_by(col(WebSessionRow.person))
        if person is not None:
            query = query.where(col(WebSessionRow.person) == person)
        with self.reading() as session:
            rows = session.exec(query).all()
        return [(r.person, utc(r.created_at), utc(r.last_seen)) for r in rows]

    def revoke(self, *, person: str) -> int:
        """End every session of `person` and void their unused links; how many sessions."""
        with self.writing() as session:
            session.execute(delete(WebLinkRow).where(col(WebLinkRow.person) == person))
            ended = session.execute(
                delete(WebSessionRow).where(col(WebSessionRow.person) == person)
            )
            return int(ended.rowcount)  # type: ignore[attr-defined]

    def forget(self, *, person: str) -> None:
        """Erasure: nothing of theirs stays, not even a spent link."""
        self.revoke(person=person)
