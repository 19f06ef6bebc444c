"""Plain records the service and storage exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from bot.core.messages import Place


class PostStatus(StrEnum):
    """Where a day's post stands: claimed before the platform call, then settled."""

    CLAIMED = "claimed"  # being posted (under a lease): nobody else may post that day
    POSTED = "posted"  # the platform confirmed it, with its message id
    UNKNOWN = "unknown"  # the answer was lost: it may be there; reconcile looks it up
    MISSED = "missed"  # looked up and not found past the cutoff: the day is given up


class CaseState(StrEnum):
    """A stored case's state. Only `active` cases count towards a summary or an appraisal."""

    ACTIVE = "active"
    UNMENTIONED = "unmentioned"  # an edit dropped the nominee; restored if named again
    DELETED = "deleted"  # the message was deleted: the case is gone, its story blanked
    PENDING = "pending"  # the bot asked its author whether they meant it: not counted yet
    WITHDRAWN = "withdrawn"  # its author undid it (or said "no" when asked): story blanked
    HIDDEN = "hidden"  # set aside from appraisal by a manager or admin, with a reason


OPEN_STATES = (CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN)  # still about someone


@dataclass(frozen=True)
class MessageCases:
    """What one chat message recorded, as an edit or a deletion of it needs to know."""

    nominated_on: date
    deleted: bool


@dataclass(frozen=True)
class StoredCase:
    """One stored case about one nominee, as changing or moderating it needs to know."""

    id: int
    place: Place
    message_id: str
    nominee: str
    nominator: str
    criterion_key: str
    story: str
    nominated_on: date
    state: CaseState
    link: str = ""
    rubric_key: str = ""
    moved_from: str = ""
    hidden_reason: str = ""
    hidden_by: str = ""
    flag_reason: str = ""

    @property
    def channel_key(self) -> str:
        return self.place.channel_key


class StoryMention(NamedTuple):
    """A case whose story names someone (after `forget`, for review)."""

    id: int
    channel: str
    story: str


@dataclass(frozen=True)
class Subscription:
    id: int
    platform: str
    workspace: str
    channel: str
    post_at: str  # HH:MM, local
    timezone: str
    country: str
    days_off: frozenset[date]
    rotation_cursor: int
    active: bool
    notify_nominees: bool = True
    private_cases: bool = False
    workdays: frozenset[date] = frozenset()  # make-up workdays of the company's own

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.channel}"


@dataclass(frozen=True)
class DailyPost:
    id: int
    platform: str
    workspace: str
    channel: str
    local_date: date
    criterion_key: str
    status: PostStatus
    message_id: str | None
    lease_until: datetime | None = None


class EvidenceRecord(NamedTuple):
    """A stored case, as exported (a named tuple: exports stream a million of them).

    Its moments are already the text an export shows: `nominated_on` an ISO date,
    `created_at` and `updated_at` ISO 8601 in UTC (`2026-11-23T02:00:00+00:00`).
    """

    platform: str
    workspace: str
    channel: str
    source_message_id: str
    nominee: str
    nominator: str
    criterion_key: str
    story: str
    link: str
    nominated_on: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    scope: str
    subjects: tuple[str, ...]
    detail: str
    id: int = 0


@dataclass(frozen=True)
class Figures:
    """A cycle's headline numbers (counted cases only)."""

    cases: int
    nominators: int
    nominees: int
    channels: int


@dataclass(frozen=True)
class ChannelFigures:
    """One channel over a cycle: posts made, replies that told a case, cases counted, and
    the day of its newest counted case (None: none in the cycle)."""

    channel: str  # PLATFORM:CHANNEL
    subscribed: bool
    posts: int
    replies: int
    cases: int
    last_case_on: date | None


@dataclass(frozen=True)
class PostFigures:
    """One daily post of a channel: its day, criterion, and what it drew."""

    local_date: date
    criterion_key: str
    status: str
    replies: int
    cases: int
