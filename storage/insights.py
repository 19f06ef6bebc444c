"""Aggregate reads for the web app's overview, team and channel pages: figures, never stories.

Every read is one grouped query over the evidence of a cycle (and the daily posts), so a page
of an organisation costs a few index scans, whatever its size.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, Table, and_, case, cast, distinct, false, func, or_, union
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement

from bot.core.cycles import quarter_of
from bot.core.model import OPEN_STATES, CaseState, ChannelFigures, Figures, PostFigures, PostStatus
from storage.case_reads import EVIDENCE, EvidenceFilter
from storage.store import Store
from storage.tables import (
    DailyPostRow,
    ParticipantRow,
    SubscriptionRow,
    TallyChannelRow,
    TallyCriterionRow,
    TallyDayRow,
    TallyLevelRow,
    TallyPersonRow,
)

POSTS: Table = DailyPostRow.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS: Table = SubscriptionRow.__table__  # type: ignore[attr-defined]
PARTICIPANTS: Table = ParticipantRow.__table__  # type: ignore[attr-defined]
T_DAY: Table = TallyDayRow.__table__  # type: ignore[attr-defined]
T_PERSON: Table = TallyPersonRow.__table__  # type: ignore[attr-defined]
T_LEVEL: Table = TallyLevelRow.__table__  # type: ignore[attr-defined]
T_CHANNEL: Table = TallyChannelRow.__table__  # type: ignore[attr-defined]
T_CRITERION: Table = TallyCriterionRow.__table__  # type: ignore[attr-defined]


def tallied_quarter(selection: EvidenceFilter) -> str | None:
    """The quarter (`2026Q4`) whose tallies answer this selection: a whole calendar quarter,
    every channel, everyone, every value. None: the selection is counted case by case."""
    quarter = quarter_of(selection.starts_on)
    whole = (quarter.starts_on, quarter.ends_on) == (selection.starts_on, selection.ends_on)
    narrowed = selection.channels, selection.nominee, selection.value_key
    return quarter.id if whole and narrowed == (None, None, None) else None


def _channel_clause(table: Table, channels: frozenset[str] | None) -> list[ColumnElement[bool]]:
    if channels is None:
        return []
    pairs = [key.split(":", 1) for key in sorted(channels)]
    c = table.c
    return [or_(false(), *(and_(c.platform == p, c.channel == ch) for p, ch in pairs))]


class Insights(Store):
    """The figures of a cycle for the web app: headline numbers, cases per day, people per
    criterion, channels and their posts, people who took part without a case."""

    def figures(self, selection: EvidenceFilter) -> Figures:
        quarter = tallied_quarter(selection)
        if quarter is not None:
            return self._tallied_figures(quarter)
        c = EVIDENCE.c
        channel = c.platform + ":" + c.channel
        query = sa_select(
            func.count(),
            func.count(distinct(c.nominator)),
            func.count(distinct(c.nominee)),
            func.count(distinct(channel)),
        ).where(*selection.clauses())
        with self.engine.connect() as connection:
            cases, nominators, nominees, channels = connection.execute(query).one()
        return Figures(int(cases), int(nominators), int(nominees), int(channels))

    def _tallied_figures(self, quarter: str) -> Figures:
        p, ch = T_PERSON.c, T_CHANNEL.c
        people = sa_select(p.role, func.count()).where(p.quarter == quarter).group_by(p.role)
        channels = sa_select(func.coalesce(func.sum(ch.cases), 0), func.count()).where(
            ch.quarter == quarter, ch.cases > 0
        )
        with self.engine.connect() as connection:
            by_role = {role: int(n) for role, n in connection.execute(people)}
            cases, active = connection.execute(channels).one()
        return Figures(int(cases), by_role.get("r", 0), by_role.get("e", 0), int(active))

    def criteria_with_cases(
        self, selection: EvidenceFilter, people: list[str]
    ) -> dict[str, set[str]]:
        """Per person, the criteria with at least one counted case in the selection (the
        evidence ceiling's input), read from the tallies for a whole quarter. Many people are
        read in one pass over the cycle and kept when wanted (the tallies' key leads with the
        criterion, so a list of people would be a scan per chunk)."""
        quarter = tallied_quarter(selection)
        if quarter is not None:
            t = T_CRITERION.c
            every = sa_select(t.nominee, t.criterion_key).where(t.quarter == quarter, t.cases > 0)
        else:
            c = EVIDENCE.c
            every = sa_select(c.nominee, c.criterion_key).where(*selection.clauses()).distinct()
        wanted = set(people)
        found: dict[str, set[str]] = {}
        with self.engine.connect() as connection:
            if len(people) > 500 or quarter is not None:
                rows = connection.execute(every).cursor.fetchall()
            else:
                nominee = every.selected_columns[0]
                rows = connection.execute(every.where(nominee.in_(people))).cursor.fetchall()
        for person, key in rows:
            if person in wanted:
                found.setdefault(person, set()).add(key)
        return found

    def per_day(self, selection: EvidenceFilter) -> dict[date, int]:
        if tallied_quarter(selection) is not None:
            d = T_DAY.c
            query = sa_select(d.day, d.cases).where(
                d.day >= selection.starts_on, d.day <= selection.ends_on, d.cases > 0
            )
            with self.engine.connect() as connection:
                return {_day(on): int(n) for on, n in connection.execute(query)}
        c = EVIDENCE.c
        query = (
            sa_select(c.nominated_on, func.count())
            .where(*selection.clauses())
            .group_by(c.nominated_on)
        )
        with self.engine.connect() as connection:
            return {_day(on): int(n) for on, n in connection.execute(query)}

    def people_per_criterion(self, selection: EvidenceFilter) -> dict[str, int]:
        """criterion key → how many people have at least one counted case for it."""
        quarter = tallied_quarter(selection)
        if quarter is not None:
            lv = T_LEVEL.c
            tallied = sa_select(lv.criterion_key, lv.people).where(
                lv.quarter == quarter, lv.people > 0
            )
            with self.engine.connect() as connection:
                return {key: int(n) for key, n in connection.execute(tallied)}
        c = EVIDENCE.c
        query = (
            sa_select(c.criterion_key, func.count(distinct(c.nominee)))
            .where(*selection.clauses())
            .group_by(c.criterion_key)
        )
        with self.engine.connect() as connection:
            return {key: int(n) for key, n in connection.execute(query)}

    def channels(self, selection: EvidenceFilter) -> list[ChannelFigures]:
        """Every channel subscribed (or holding cases) in the selection's channels."""
        quarter = tallied_quarter(selection)
        if quarter is not None:
            return self._tallied_channels(quarter, selection)
        e, p, s = EVIDENCE.c, POSTS.c, SUBSCRIPTIONS.c
        told = [str(state) for state in OPEN_STATES]
        cases = (
            sa_select(
                e.platform,
                e.channel,
                func.count(distinct(e.source_message_id)),
                func.sum(cast(e.state == CaseState.ACTIVE, Integer)),
                func.max(case((e.state == CaseState.ACTIVE, e.nominated_on), else_=None)),
            )
            .where(*selection.clauses(states=tuple(CaseState(t) for t in told)))
            .group_by(e.platform, e.channel)
        )
        posts = (
            sa_select(p.platform, p.channel, func.count())
            .where(
                p.status == PostStatus.POSTED,
                p.local_date >= selection.starts_on,
                p.local_date <= selection.ends_on,
                *_channel_clause(POSTS, selection.channels),
            )
            .group_by(p.platform, p.channel)
        )
        subscribed = sa_select(s.platform, s.channel).where(
            s.active, *_channel_clause(SUBSCRIPTIONS, selection.channels)
        )
        with self.engine.connect() as connection:
            by_cases = {
                f"{pl}:{ch}": (int(r or 0), int(n or 0), _day(last) if last else None)
                for pl, ch, r, n, last in connection.execute(cases)
            }
            by_posts = {f"{pl}:{ch}": int(n) for pl, ch, n in connection.execute(posts)}
            active = {f"{pl}:{ch}" for pl, ch in connection.execute(subscribed)}
        keys = sorted(active | set(by_cases) | set(by_posts))
        return [
            ChannelFigures(
                key,
                key in active,
                by_posts.get(key, 0),
                by_cases.get(key, (0, 0, None))[0],
                by_cases.get(key, (0, 0, None))[1],
                by_cases.get(key, (0, 0, None))[2],
            )
            for key in keys
        ]

    def _tallied_channels(self, quarter: str, selection: EvidenceFilter) -> list[ChannelFigures]:
        ch, s = T_CHANNEL.c, SUBSCRIPTIONS.c
        tallied = sa_select(
            ch.platform, ch.channel, ch.posts, ch.replies, ch.cases, ch.last_day
        ).where(ch.quarter == quarter)
        subscribed = sa_select(s.platform, s.channel).where(s.active)
        with self.engine.connect() as connection:
            found = connection.execute(tallied).cursor.fetchall()  # the driver's rows, unconverted
            rows = {
                f"{pl}:{name}": (int(posts), int(replies), int(cases), _day(on) if on else None)
                for pl, name, posts, replies, cases, on in found
            }
            active = {f"{pl}:{name}" for pl, name in connection.execute(subscribed)}
        none = (0, 0, 0, None)
        return [
            ChannelFigures(key, key in active, *rows.get(key, none))
            for key in sorted(active | {k for k, v in rows.items() if v[:3] != (0, 0, 0)})
        ]

    def channel_posts(self, channel: str, starts_on: date, ends_on: date) -> list[PostFigures]:
        """The posts of one channel (`PLATFORM:CHANNEL`) in the period, newest first."""
        platform, name = channel.split(":", 1)
        e, p = EVIDENCE.c, POSTS.c
        told = [str(state) for state in OPEN_STATES]
        drawn = (
            sa_select(
                e.daily_post_id.label("post"),
                func.count(distinct(e.source_message_id)).label("replies"),
                func.sum(cast(e.state == CaseState.ACTIVE, Integer)).label("cases"),
            )
            .where(e.platform == platform, e.channel == name, e.state.in_(told))
            .group_by(e.daily_post_id)
            .subquery("drawn")
        )
        query = (
            sa_select(p.local_date, p.criterion_key, p.status, drawn.c.replies, drawn.c.cases)
            .select_from(POSTS.outerjoin(drawn, drawn.c.post == p.id))
            .where(
                p.platform == platform,
                p.channel == name,
                p.local_date >= starts_on,
                p.local_date <= ends_on,
            )
            .order_by(p.local_date.desc())
        )
        with self.engine.connect() as connection:
            return [
                PostFigures(_day(on), key, status, int(r or 0), int(n or 0))
                for on, key, status, r, n in connection.execute(query)
            ]

    def not_nominated(self, selection: EvidenceFilter) -> set[str]:
        """Who told a counted case in the selection's period, or was seen writing in its
        channels, and has no counted case about them: worked out by the database, which hands
        back only those few."""
        e, pa, tp = EVIDENCE.c, PARTICIPANTS.c, T_PERSON.c
        quarter = tallied_quarter(selection)
        seen = sa_select(pa.person.label("person")).where(
            pa.last_seen >= selection.starts_on,
            pa.first_seen <= selection.ends_on,
            *_channel_clause(PARTICIPANTS, selection.channels),
        )
        if quarter is not None:  # an anti-join over two ranges of one index
            named = T_PERSON.alias("named")
            told = sa_select(tp.person).where(
                tp.quarter == quarter,
                tp.role == "r",
                ~sa_select(named.c.person)
                .where(
                    named.c.quarter == quarter,
                    named.c.role == "e",
                    named.c.person == tp.person,
                )
                .exists(),
            )
            unnamed_seen = seen.where(
                ~sa_select(named.c.person)
                .where(named.c.quarter == quarter, named.c.role == "e", named.c.person == pa.person)
                .exists()
            )
            query: Any = union(told, unnamed_seen)
        else:
            everyone = union(sa_select(e.nominator).where(*selection.clauses()), seen).subquery(
                "everyone"
            )
            named_here = sa_select(e.nominee).where(*selection.clauses())
            query = sa_select(everyone.c[0]).except_(named_here)
        with self.engine.connect() as connection:
            return {row[0] for row in connection.execute(query).cursor.fetchall()}


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
