"""Signing in to the web app from chat: one-time links, sessions, and a brake on guessing.

Identity comes from chat (whoever typed `/values web` there, or the operator's
`values-bot web link --user`), so there is no password. A link is 32 random bytes, stored
as its SHA-256, spent once, valid for ten minutes; the browser that spends it gets a session
cookie (another 32 random bytes, also stored hashed) that lapses after eight idle hours.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.app.clock import Clock
from bot.core.messages import Reply
from storage.repository import Repository
from storage.signins import WebSession

LINK_LIFETIME = timedelta(minutes=10)
SESSION_IDLE = timedelta(hours=8)
SIGNIN_PATH = "/app/signin"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signed:
    """A session just opened: the cookie's value (shown once) and its CSRF token."""

    cookie: str
    csrf: str
    person: str


class SignIn:
    """Links and sessions over the repository; every sign-in and revocation is audited."""

    def __init__(self, repo: Repository, clock: Clock, *, public_url: str) -> None:
        self.repo, self.clock = repo, clock
        self.public_url = public_url.rstrip("/")

    def link(self, person: str) -> str:
        """A fresh one-time sign-in address for `person`."""
        token = secrets.token_hex(32)  # no `_`: chat markdown would escape it inside the link
        now = self.clock.now()
        self.repo.signins.add_link(
            token_hash=digest(token), person=person, now=now, expires=now + LINK_LIFETIME
        )
        return f"{self.public_url}{SIGNIN_PATH}?t={token}"

    def link_if_served(self, person: str) -> str:
        """A fresh link when the web app has an address, else "" (chat says `/values web`)."""
        return self.link(person) if self.public_url else ""

    def link_reply(self, person: str) -> Reply:
        """What `/values web` answers: the link, only to the person who asked."""
        if not self.public_url:
            return Reply("web_off")
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        return Reply("web_link", {"url": self.link(person), "minutes": minutes})

    def usable(self, token: str) -> bool:
        """Whether a link would sign in now (unknown, used and expired ones would not)."""
        if not token or len(token) > 128:
            return False
        return self.repo.signins.link_open(token_hash=digest(token), now=self.clock.now())

    def spend(self, token: str, *, locale: str) -> Signed | None:
        """A session for the link's person, the link spent; None when it is not a valid link."""
        if not token or len(token) > 128:
            return None
        now = self.clock.now()
        person = self.repo.signins.spend_link(token_hash=digest(token), now=now)
        if person is None:
            return None
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self.repo.signins.open_session(
            token_hash=digest(cookie), person=person, csrf=csrf, locale=locale, now=now
        )
        self.repo.governance.audit(actor=person, action="web_signin", at=now)
        return Signed(cookie, csrf, person)

    def session(self, cookie: str) -> WebSession | None:
        if not cookie or len(cookie) > 128:
            return None
        return self.repo.signins.session(
            token_hash=digest(cookie), now=self.clock.now(), idle=SESSION_IDLE
        )

    def set_locale(self, cookie: str, locale: str) -> None:
        self.repo.signins.set_locale(token_hash=digest(cookie), locale=locale)

    def sign_out(self, cookie: str) -> None:
        self.repo.signins.end_session(token_hash=digest(cookie))

    def revoke(self, actor: str, person: str) -> int:
        """End every session of `person` and void their unused links; audited."""
        ended = self.repo.signins.revoke(person=person)
        self.repo.governance.audit(
            actor=actor,
            action="web_revoke",
            at=self.clock.now(),
            subjects=[person],
            detail=f"{ended} sessions ended",
        )
        return ended


class Brake:
    """At most `limit` bad sign-in attempts per client in `window` seconds; then refused
    until the oldest ages out. In memory: a replica each has its own (links are 256 bits,
    so this only keeps noise and scanners off the database)."""

    def __init__(
        self, limit: int = 10, window: float = 600.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.now = limit, window, now
        self._bad: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        times = self._bad.setdefault(client, deque())
        cutoff = self.now() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.now())
            if len(self._bad) > 10_000:  # forget the quiet ones
                for key in [k for k, v in self._bad.items() if not v]:
                    del self._bad[key]
