"""What the web app's pages read: the overview, a team, a person's ledger, a channel and the
audit log. Each read is authorised by role and audited exactly as a chat summary is; the
evidence itself comes through `Reading`, the same service chat uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app.reading import ReadError, Reading
from bot.core.cycles import Cycle, previous_cycle, quarter_of, weeks_of
from bot.core.messages import Reply
from bot.core.model import AuditEntry, ChannelFigures, Figures, PostFigures
from bot.core.permissions import Access, Scope
from bot.core.summaries import Summary
from storage.evidence import EvidenceFilter
from storage.trust import ERASED_PREFIX

QUIET_DAYS = 14  # a subscribed channel with no case for this long is listed as quiet
AUDIT_PAGE = 100


@dataclass(frozen=True)
class Overview:
    """An organisation's cycle at a glance (admins)."""

    cycle: Cycle
    previous: Cycle
    figures: Figures
    before: Figures
    weeks: list[tuple[date, int]]
    people_per_criterion: dict[str, int]
    channels: list[ChannelFigures]
    quiet: frozenset[str]
    not_nominated: list[str]
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelPage:
    channel: str
    cycle: Cycle
    posts: list[PostFigures]
    managers: list[str]


class Forbidden(Exception):
    """The reader may not see this page (403); `reply` says why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.key)
        self.reply = reply


class Insights:
    """The web app's reads, each checked against the reader's role and audited."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.repo = reading.repo

    def today(self) -> date:
        return self.reading.clock.now().astimezone(ZoneInfo(self.reading.timezone)).date()

    def cycles(self) -> list[Cycle]:
        """The cycles a reader can pick: the named ones and the last four quarters."""
        today = self.today()
        quarters, day = [], today
        for _ in range(4):
            quarter = quarter_of(day)
            quarters.append(quarter)
            day = quarter.starts_on - timedelta(days=1)
        named = self.repo.governance.cycles()
        seen = {c.id for c in named}
        found = named + [q for q in quarters if q.id not in seen]
        return sorted(found, key=lambda c: c.starts_on, reverse=True)

    def overview(self, reader: Access, cycle_id: str | None) -> Overview:
        if not reader.is_admin:
            raise Forbidden(Reply("not_allowed_admin"))
        cycle = self._cycle(cycle_id)
        previous = previous_cycle(cycle, self.repo.governance.cycles())
        selection = EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        earlier = EvidenceFilter(starts_on=previous.starts_on, ends_on=previous.ends_on)
        insights = self.repo.insights
        channels, quiet = self._channels(cycle, selection)
        overlooked = insights.not_nominated(selection)
        not_nominated = sorted(p for p in overlooked if not p.startswith(ERASED_PREFIX))
        names = self.repo.people.names(not_nominated)
        overview = Overview(
            cycle=cycle,
            previous=previous,
            figures=insights.figures(selection),
            before=insights.figures(earlier),
            weeks=weeks_of(insights.per_day(selection), cycle.starts_on, cycle.ends_on),
            people_per_criterion=insights.people_per_criterion(selection),
            channels=channels,
            quiet=quiet,
            not_nominated=sorted(not_nominated, key=lambda p: ((names.get(p) or p).casefold(), p)),
            names=names,
        )
        self.reading.audited(reader.person, "web_overview", Scope(), cycle, not_nominated)
        return overview

    def channel_table(
        self, reader: Access, cycle_id: str | None
    ) -> tuple[Cycle, list[ChannelFigures], frozenset[str]]:
        """Every channel's posts, replies and cases in the cycle, and which are quiet (admins;
        figures only, nobody's evidence)."""
        if not reader.is_admin:
            raise Forbidden(Reply("not_allowed_admin"))
        cycle = self._cycle(cycle_id)
        selection = EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        return (cycle, *self._channels(cycle, selection))

    def _channels(
        self, cycle: Cycle, selection: EvidenceFilter
    ) -> tuple[list[ChannelFigures], frozenset[str]]:
        channels = self.repo.insights.channels(selection)
        since = min(self.today(), cycle.ends_on) - timedelta(days=QUIET_DAYS)
        quiet = frozenset(
            c.channel
            for c in channels
            if c.subscribed and (c.last_case_on is None or c.last_case_on <= since)
        )
        return channels, quiet

    def channels_to_pick(self, reader: Access) -> list[str]:
        """The subscribed channels an admin picks a team from (an organisation of thousands
        is read a team at a time; the overview has its figures)."""
        if not reader.is_admin:
            raise Forbidden(Reply("not_allowed_admin"))
        return sorted(s.channel_key for s in self.repo.subscriptions.list())

    def team(self, reader: Access, cycle_id: str | None, channel: str | None = None) -> Summary:
        """The people of the reader's channels (or of one), per value; managers and admins."""
        if not reader.is_manager:
            raise Forbidden(Reply("not_allowed_summary"))
        try:
            return self.reading.summary(
                reader, Scope(channel=channel), cycle_id=cycle_id, action="web_team"
            )
        except ReadError as refused:
            raise Forbidden(refused.reply) from None

    def ledger(self, reader: Access, person: str, cycle_id: str | None) -> Summary:
        """Every case about `person` in the cycle the reader may see (their own: with the
        hidden ones and why)."""
        if person == reader.person:
            reply = self.reading.me(person, cycle_id=cycle_id)
            if reply.key != "me":
                raise Forbidden(reply)
            summary: Summary = reply.context["summary"]
            return summary
        try:
            return self.reading.summary(
                reader, Scope(person=person), cycle_id=cycle_id, action="web_ledger"
            )
        except ReadError as refused:
            raise Forbidden(refused.reply) from None

    def channel(self, reader: Access, channel: str, cycle_id: str | None) -> ChannelPage:
        if not (reader.is_admin or channel in reader.managed_channels):
            raise Forbidden(Reply("not_allowed_scope"))
        if ":" not in channel:  # channels are PLATFORM:CHANNEL
            raise Forbidden(Reply("unknown_argument", {"word": channel or "?"}))
        cycle = self._cycle(cycle_id)
        posts = self.repo.insights.channel_posts(channel, cycle.starts_on, cycle.ends_on)
        self.reading.audited(reader.person, "web_channel", Scope(channel=channel), cycle, [])
        return ChannelPage(channel, cycle, posts, self.repo.governance.managers_of(channel))

    def audit_log(
        self,
        reader: Access,
        *,
        actor: str = "",
        subject: str = "",
        since: date | None = None,
        until: date | None = None,
    ) -> list[AuditEntry]:
        if not reader.is_admin:
            raise Forbidden(Reply("not_allowed_admin"))
        zone = ZoneInfo(self.reading.timezone)

        def start(day: date) -> datetime:
            return datetime.combine(day, datetime.min.time(), zone)

        return self.repo.governance.audit_log(
            limit=AUDIT_PAGE,
            actor=actor or None,
            subject=subject or None,
            since=start(since) if since else None,
            until=start(until + timedelta(days=1)) if until else None,
        )

    def names(self, people: list[str]) -> dict[str, str]:
        return self.repo.people.names(people)

    def _cycle(self, cycle_id: str | None) -> Cycle:
        try:
            return self.reading.cycle(cycle_id)
        except ReadError as refused:
            raise Forbidden(refused.reply) from None
