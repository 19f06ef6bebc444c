"""Replay refusal, erased-person markers and the server's own secrets (issue: trust).

- `first_use`: a signed request's (timestamp, signature) pair is accepted once, across every
  replica, for as long as the platform would accept the signature.
- `pseudonym`: an erased person's id is replaced by an HMAC of it under a key the server made
  on first start and keeps in the database; the id itself is never stored beside it.
- `erased`: ingestion asks whether any person of a message was erased, and drops them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, bindparam, delete
from sqlalchemy import select as sa_select

from storage.store import Store
from storage.tables import ErasedPersonRow, RequestSeenRow, ServerSecretRow

SEEN = RequestSeenRow.__table__  # type: ignore[attr-defined]
ERASED = ErasedPersonRow.__table__  # type: ignore[attr-defined]
SECRETS = ServerSecretRow.__table__  # type: ignore[attr-defined]
PSEUDONYM_KEY = "pseudonym-key"
ERASED_PREFIX = "erased:"  # the prefix of every pseudonym
PRUNE_EVERY = 500  # first uses between two prunes of expired pairs


class Trust(Store):
    """Replay protection: each signed request's signature is accepted once within its
    window, across processes.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._key: bytes | None = None
        self._uses = 0
        self._key_lock = threading.Lock()

    # ---- replayed requests ----------------------------------------------------------------

    def first_use(
        self, *, platform: str, stamp: str, signature: str, now: datetime, until: datetime
    ) -> bool:
        """True the first time this (timestamp, signature) pair is seen; False on a replay."""
        digest = _digest(stamp, signature)
        statement = (
            self.insert(SEEN)
            .values(platform=platform, digest=digest, expires_at=until)
            .on_conflict_do_nothing()
            .returning(SEEN.c.digest)
        )
        with self.write_connection() as connection:
            fresh = connection.execute(statement).first() is not None
            self._uses += 1
            if self._uses % PRUNE_EVERY == 0:
                connection.execute(delete(SEEN).where(SEEN.c.expires_at < now))
        return fresh

    def release(self, *, platform: str, stamp: str, signature: str) -> None:
        """Forget a pair whose request could not be handled, so its redelivery is taken."""
        digest = _digest(stamp, signature)
        with self.write_connection() as connection:
            connection.execute(
                delete(SEEN).where(SEEN.c.platform == platform, SEEN.c.digest == digest)
            )

    # ---- erased people ----------------------------------------------------------------------

    def key(self, *, now: datetime) -> bytes:
        """The pseudonym key: made once, on first use, and kept in the database."""
        if self._key is not None:
            return self._key
        with self._key_lock:
            found = self.first(_KEY)
            if found is None:
                with self.write_connection() as connection:
                    connection.execute(
                        self.insert(SECRETS)
                        .values(name=PSEUDONYM_KEY, value=secrets.token_hex(32), created_at=now)
                        .on_conflict_do_nothing()
                    )
                found = self.first(_KEY)  # ours, or another replica's that was first
            assert found is not None
            self._key = bytes.fromhex(found[0])
            return self._key

    def pseudonym(self, person: str, *, now: datetime) -> str:
        digest = hmac.new(self.key(now=now), person.encode(), hashlib.sha256).hexdigest()
        return f"{ERASED_PREFIX}{digest[:20]}"

    def mark_erased(self, person: str, *, now: datetime) -> str:
        pseudonym = self.pseudonym(person, now=now)
        with self.write_connection() as connection:
            connection.execute(
                self.insert(ERASED)
                .values(pseudonym=pseudonym, erased_at=now)
                .on_conflict_do_nothing()
            )
        return pseudonym

    def erased(self, people: Iterable[str], *, now: datetime) -> set[str]:
        """Which of `people` were erased."""
        by_pseudonym = {self.pseudonym(p, now=now): p for p in set(people) if p}
        if not by_pseudonym:
            return set()
        with self._single.connect() as connection:
            rows = connection.execute(_ERASED_AMONG, {"names": sorted(by_pseudonym)}).all()
        return {by_pseudonym[row[0]] for row in rows}


_KEY = sa_select(SECRETS.c.value).where(SECRETS.c.name == PSEUDONYM_KEY)
_ERASED_AMONG = sa_select(ERASED.c.pseudonym).where(
    ERASED.c.pseudonym.in_(bindparam("names", expanding=True))
)


def _digest(stamp: str, signature: str) -> str:
    return hashlib.sha256(f"{stamp}\n{signature}".encode()).hexdigest()
