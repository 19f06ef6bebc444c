"""SQLModel tables. `XRow` names keep the domain names free for the core's types."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class SubscriptionRow(SQLModel, table=True):
    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    post_at: str = Field(default="09:30", max_length=5)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    country: str = Field(default="CN", max_length=8)
    days_off: str = Field(default="")  # comma-separated ISO dates: the company's extra days off
    workdays: str = Field(default="")  # comma-separated ISO dates: company make-up workdays
    rotation_cursor: int = Field(default=0)
    active: bool = Field(default=True)
    notify_nominees: bool = Field(default=True)  # a direct message to each nominee
    private_cases: bool = Field(default=False)  # modal cases stay out of the thread
    created_at: datetime


class DailyPostRow(SQLModel, table=True):
    """The claim row: exactly one per (platform, workspace, channel, local date) (invariant 1)."""

    __tablename__ = "daily_post"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    local_date: date
    criterion_key: str = Field(max_length=80)
    status: str = Field(default="claimed", max_length=12)  # claimed | posted | unknown
    claimed_by: str = Field(default="", max_length=80)
    lease_until: datetime | None = None
    message_id: str | None = Field(default=None, max_length=64, index=True)
    posted_at: datetime | None = None


class EvidenceRow(SQLModel, table=True):
    """One case about one nominee (invariant 2: unique per source message and nominee)."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "source_message_id", "nominee"),
        # a cycle's counts from the index alone; a person's newest cases; one channel's cases
        Index("ix_evidence_cycle_counts", "nominated_on", "state", "nominee", "criterion_key"),
        Index("ix_evidence_newest", "nominee", "nominated_on", "id"),
        Index("ix_evidence_channel", "platform", "channel", "nominated_on"),
        Index("ix_evidence_rubric_criterion", "rubric_key", "criterion_key"),  # drift checks
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    source_message_id: str = Field(max_length=64)
    nominee: str = Field(max_length=96, index=True)
    nominator: str = Field(max_length=96, index=True)
    daily_post_id: int = Field(foreign_key="daily_post.id", index=True)
    criterion_key: str = Field(max_length=80)
    story: str
    link: str = Field(default="")
    nominated_on: date = Field(index=True)
    created_at: datetime
    updated_at: datetime
    # bot.core.model.CaseState: only `active` cases count
    state: str = Field(default="active", max_length=12)
    revised_at: datetime | None = None  # the platform's time of the edit applied last
    rubric_key: str = Field(default="", max_length=64)  # the pack it was recorded under
    moved_from: str = Field(default="")  # the criterion it was recorded under, once moved
    hidden_reason: str = Field(default="")  # why a manager or admin set it aside (state hidden)
    hidden_by: str = Field(default="")
    flag_reason: str = Field(default="")  # the nominee asked for a review
    flagged_by: str = Field(default="")


class RetractionRow(SQLModel, table=True):
    """A deleted message: a delivery of it (or of an edit) that arrives later stores nothing."""

    __tablename__ = "retraction"

    platform: str = Field(primary_key=True, max_length=20)
    workspace: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=64)
    message_id: str = Field(primary_key=True, max_length=64)
    at: datetime


class RoleGrantRow(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("person", "role", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=96, index=True)
    role: str = Field(max_length=12)
    channel: str = Field(default="", max_length=96)  # PLATFORM:CHANNEL for managers, "" for admins
    granted_by: str = Field(max_length=96)
    created_at: datetime


class CycleRow(SQLModel, table=True):
    __tablename__ = "cycle"

    id: str = Field(primary_key=True, max_length=40)
    starts_on: date
    ends_on: date
    created_by: str = Field(max_length=96)
    created_at: datetime
    current: bool = Field(default=False)  # chosen by `values-bot cycles current`


class AuditRow(SQLModel, table=True):
    """Append-only: who read or changed whose evidence, and when (invariant 4)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=96, index=True)
    action: str = Field(max_length=24)
    scope: str = Field(default="", max_length=200)
    subjects: str = Field(default="")  # JSON list of the people whose evidence was read
    detail: str = Field(default="")


class PersonNameRow(SQLModel, table=True):
    """A display name seen for a person (DingTalk ids are opaque); erased with the person."""

    __tablename__ = "person_name"

    person: str = Field(primary_key=True, max_length=96)
    name: str = Field(max_length=200)
    updated_at: datetime


class RequestSeenRow(SQLModel, table=True):
    """A signed request's (timestamp, signature) pair, accepted once while it could be replayed."""

    __tablename__ = "request_seen"

    platform: str = Field(primary_key=True, max_length=20)
    digest: str = Field(primary_key=True, max_length=64)  # sha256 of timestamp and signature
    expires_at: datetime = Field(index=True)


class ErasedPersonRow(SQLModel, table=True):
    """Someone erased by `forget`: their keyed pseudonym only, never their id."""

    __tablename__ = "erased_person"

    pseudonym: str = Field(primary_key=True, max_length=96)
    erased_at: datetime


class ServerSecretRow(SQLModel, table=True):
    """Secrets the server makes for itself on first start (the pseudonym key)."""

    __tablename__ = "server_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime


class NoticeRow(SQLModel, table=True):
    """A message for one person that the running bot sends (the CLI cannot reach chat)."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=96, index=True)
    key: str = Field(max_length=60)  # the template
    context: str = Field(default="{}")  # JSON
    created_at: datetime
    sent_at: datetime | None = Field(default=None, index=True)


class HeldStoryRow(SQLModel, table=True):
    """A nomination told where no post was open yet: kept until the channel's next post, then
    offered to its author to record (nobody tells a story twice)."""

    __tablename__ = "held_story"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    author: str = Field(max_length=96, index=True)
    nominees: str = Field(default="[]")  # JSON list of PLATFORM:ID
    story: str
    link: str = Field(default="")
    said_on: date
    created_at: datetime


class ParticipantRow(SQLModel, table=True):
    """Someone the bot saw write in a subscribed channel, and the last day it did: a summary
    lists those with no counted case, so nobody is overlooked. Erased with the person."""

    __tablename__ = "participant"

    platform: str = Field(primary_key=True, max_length=20)
    workspace: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=64)
    person: str = Field(primary_key=True, max_length=96, index=True)
    first_seen: date
    last_seen: date


class WebLinkRow(SQLModel, table=True):
    """A one-time sign-in link for the web app: its token's SHA-256 only, used once."""

    __tablename__ = "web_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=96, index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser: its cookie's SHA-256, who it is, its CSRF token and language."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=96, index=True)
    csrf: str = Field(max_length=64)
    locale: str = Field(default="", max_length=8)
    created_at: datetime
    last_seen: datetime


# ---- tallies: kept by the database's own triggers (migration 0011), read by the overview ----


class TallyDayRow(SQLModel, table=True):
    __tablename__ = "tally_day"

    day: date = Field(primary_key=True)
    cases: int


class TallyPersonRow(SQLModel, table=True):
    """role e: the person's counted cases as nominee; r: as nominator."""

    __tablename__ = "tally_person"

    quarter: str = Field(primary_key=True, max_length=8)
    role: str = Field(primary_key=True, max_length=1)
    person: str = Field(primary_key=True, max_length=96)
    cases: int


class TallyCriterionRow(SQLModel, table=True):
    __tablename__ = "tally_criterion"

    quarter: str = Field(primary_key=True, max_length=8)
    criterion_key: str = Field(primary_key=True, max_length=80)
    nominee: str = Field(primary_key=True, max_length=96)
    cases: int


class TallyLevelRow(SQLModel, table=True):
    __tablename__ = "tally_level"

    quarter: str = Field(primary_key=True, max_length=8)
    criterion_key: str = Field(primary_key=True, max_length=80)
    people: int


class TallyChannelRow(SQLModel, table=True):
    __tablename__ = "tally_channel"

    quarter: str = Field(primary_key=True, max_length=8)
    platform: str = Field(primary_key=True, max_length=20)
    channel: str = Field(primary_key=True, max_length=64)
    posts: int
    replies: int
    cases: int
    last_day: date | None = None


class TallyChannelDayRow(SQLModel, table=True):
    __tablename__ = "tally_channel_day"

    platform: str = Field(primary_key=True, max_length=20)
    channel: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    cases: int


# ---- the appraisal: people and reporting lines, reviews and their assessments -------------


class DirectoryRow(SQLModel, table=True):
    """A person as HR's file or the DingTalk directory gives them: their manager, department."""

    __tablename__ = "directory"

    person: str = Field(primary_key=True, max_length=96)
    email: str = Field(default="", max_length=254, index=True)
    name: str = Field(default="", max_length=200)
    manager: str = Field(default="", max_length=96, index=True)
    department: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2)
    source: str = Field(max_length=16)  # file, dingtalk
    updated_at: datetime


class ReviewRow(SQLModel, table=True):
    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(max_length=32, unique=True)
    stage: str = Field(max_length=16)
    self_due: date
    manager_due: date
    calibration_due: date
    appeal_workdays: int
    guidance: str = Field(max_length=200)
    locked: bool = False
    released_on: date | None = None
    opened_by: str = Field(max_length=96)
    opened_at: datetime


class AssessmentRow(SQLModel, table=True):
    """One value's score in a self or manager assessment, its citations as JSON."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("review_id", "person", "kind", "value_key"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(index=True)
    person: str = Field(max_length=96, index=True)
    kind: str = Field(max_length=8)
    value_key: str = Field(max_length=80)
    score: float
    comment: str = Field(default="", max_length=4000)
    citations: str = Field(default="[]")
    by: str = Field(max_length=96)
    at: datetime


class AdjustmentRow(SQLModel, table=True):
    """HR's change of a score in calibration or on appeal, with its reason."""

    __tablename__ = "adjustment"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(index=True)
    person: str = Field(max_length=96, index=True)
    value_key: str = Field(max_length=80)
    before: float
    after: float
    reason: str = Field(max_length=2000)
    on_appeal: bool = False
    by: str = Field(max_length=96)
    at: datetime


class NonconformingRow(SQLModel, table=True):
    """A non-conforming case about a person for one level, recorded by a manager or HR."""

    __tablename__ = "nonconforming"

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=96, index=True)
    cycle_id: str = Field(max_length=32)
    value_key: str = Field(max_length=80)
    level: int
    situation: str = Field(max_length=2000)
    task: str = Field(max_length=2000)
    action: str = Field(max_length=2000)
    result: str = Field(max_length=2000)
    by: str = Field(max_length=96)
    at: datetime


class ReviewAnswerRow(SQLModel, table=True):
    """A person's answer to their released result (confirmed, appealed) and HR's to an appeal."""

    __tablename__ = "review_answer"

    review_id: int = Field(primary_key=True)
    person: str = Field(primary_key=True, max_length=96)
    answer: str = Field(max_length=16)
    appeal: str = Field(default="", max_length=4000)
    answered_at: datetime
    resolution: str = Field(default="", max_length=2000)
    resolved_by: str = Field(default="", max_length=96)
    resolved_at: datetime | None = None


class ReviewNoticeRow(SQLModel, table=True):
    """A nudge sent once: a stage opened for a person, or the reminder before it is due."""

    __tablename__ = "review_notice"

    review_id: int = Field(primary_key=True)
    person: str = Field(primary_key=True, max_length=96)
    stage: str = Field(primary_key=True, max_length=16)
    kind: str = Field(primary_key=True, max_length=8)  # open, remind
    at: datetime
