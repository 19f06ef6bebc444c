"""Who may read which evidence. Roles: member (own), manager (their channels; and, on a
reporting line, their reports wherever the evidence was recorded), admin (all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"


@dataclass(frozen=True)
class Access:
    """What one reader may see: everything, or the channels they manage (and always themselves)."""

    person: str
    is_admin: bool = False
    managed_channels: frozenset[str] = field(default_factory=frozenset)
    reports: frozenset[str] = field(default_factory=frozenset)  # direct and indirect

    @property
    def is_manager(self) -> bool:
        return self.is_admin or bool(self.managed_channels)


@dataclass(frozen=True)
class Scope:
    """What a summary covers: one person, one channel (`PLATFORM:CHANNEL`), or everything."""

    person: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Grant:
    """The evidence a reader may see within a scope: all of it, or only these channels."""

    channels: frozenset[str] | None  # None = every channel


def grant_for(access: Access, scope: Scope) -> Grant | None:
    """The evidence `access` may read in `scope`, or None when the read is refused."""
    if access.is_admin:
        return Grant(channels=frozenset({scope.channel}) if scope.channel else None)
    if scope.person == access.person and scope.channel is None:
        return Grant(channels=None)
    if scope.person is not None and scope.person in access.reports and scope.channel is None:
        return Grant(channels=None)  # a reporting-line manager: every channel, audited
    if not access.managed_channels:
        return None
    if scope.channel is not None:
        if scope.channel not in access.managed_channels:
            return None
        return Grant(channels=frozenset({scope.channel}))
    return Grant(channels=access.managed_channels)
