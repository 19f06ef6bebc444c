"""Subscriptions: which channels get daily posts, when, and where the rotation stands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.core.model import Subscription
from storage.store import Store
from storage.tables import SubscriptionRow


def _to_domain(row: Any) -> Subscription:
    """A subscription from its row (an ORM object or a Core row: the same attributes)."""
    assert row.id is not None
    return Subscription(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        post_at=row.post_at,
        timezone=row.timezone,
        country=row.country,
        days_off=_dates(row.days_off),
        workdays=_dates(row.workdays),
        rotation_cursor=row.rotation_cursor,
        active=row.active,
        notify_nominees=row.notify_nominees,
        private_cases=row.private_cases,
    )


_TABLE: Table = SubscriptionRow.__table__  # type: ignore[attr-defined]
_BY_PLACE = sa_select(_TABLE).where(
    _TABLE.c.platform == bindparam("platform"),
    _TABLE.c.workspace == bindparam("workspace"),
    _TABLE.c.channel == bindparam("channel"),
)  # built once: every message reads its channel's subscription


class Subscriptions(Store):
    """Subscribed channels: when and where they post, their calendars and switches."""

    def save(
        self,
        *,
        platform: str,
        workspace: str,
        channel: str,
        post_at: str,
        timezone: str,
        country: str,
        days_off: frozenset[date],
        now: datetime,
        workdays: frozenset[date] | None = None,
        notify_nominees: bool | None = None,
        private_cases: bool | None = None,
    ) -> Subscription:
        """Subscribe a channel, or update and re-activate its subscription (keeps the cursor).

        The per-channel switches keep their stored value when passed as None.
        """
        with self.writing() as session:
            row = session.exec(
                select(SubscriptionRow).where(
                    SubscriptionRow.platform == platform,
                    SubscriptionRow.workspace == workspace,
                    SubscriptionRow.channel == channel,
                )
            ).first()
            if row is None:
                row = SubscriptionRow(
                    platform=platform, workspace=workspace, channel=channel, created_at=now
                )
            row.post_at, row.timezone, row.country = post_at, timezone, country
            row.days_off = ",".join(sorted(d.isoformat() for d in days_off))
            if workdays is not None:
                row.workdays = ",".join(sorted(d.isoformat() for d in workdays))
            row.active = True
            if notify_nominees is not None:
                row.notify_nominees = notify_nominees
            if private_cases is not None:
                row.private_cases = private_cases
            session.add(row)
            session.flush()
            return _to_domain(row)

    def deactivate(self, *, platform: str, workspace: str, channel: str) -> bool:
        with self.writing() as session:
            row = session.exec(
                select(SubscriptionRow).where(
                    SubscriptionRow.platform == platform,
                    SubscriptionRow.workspace == workspace,
                    SubscriptionRow.channel == channel,
                    col(SubscriptionRow.active),
                )
            ).first()
            if row is None:
                return False
            row.active = False
            session.add(row)
            return True

    def get(self, *, platform: str, workspace: str, channel: str) -> Subscription | None:
        place = {"platform": platform, "workspace": workspace, "channel": channel}
        row = self.first(_BY_PLACE, place)
        return _to_domain(row) if row else None

    def list(self, *, active_only: bool = True) -> list[Subscription]:
        query = select(SubscriptionRow).order_by(col(SubscriptionRow.id))
        if active_only:
            query = query.where(col(SubscriptionRow.active))
        with self.reading() as session:
            return [_to_domain(row) for row in session.exec(query)]


def _dates(text: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in text.split(",") if d)
