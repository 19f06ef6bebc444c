"""Daily posts: the claim row written before any platform call (invariant 1, reliability R3)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.core.model import DailyPost, PostStatus
from storage.store import Store, utc
from storage.tables import DailyPostRow, SubscriptionRow

POSTS: Table = DailyPostRow.__table__  # type: ignore[attr-defined]


def _to_domain(row: Any) -> DailyPost:
    """A daily post from its row (an ORM object or a Core row: the same attributes)."""
    assert row.id is not None
    return DailyPost(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        local_date=row.local_date,
        criterion_key=row.criterion_key,
        status=PostStatus(row.status),
        message_id=row.message_id,
        lease_until=utc(row.lease_until) if row.lease_until else None,
    )


_BY_MESSAGE = sa_select(POSTS).where(
    POSTS.c.platform == bindparam("platform"),
    POSTS.c.workspace == bindparam("workspace"),
    POSTS.c.channel == bindparam("channel"),
    POSTS.c.message_id == bindparam("message_id"),
)  # built once: every thread reply looks up its post


class Posts(Store):
    """The daily posts: claimed at most once a day per subscription (a unique key), leased,
    settled, released when the platform refused, and found by message id.
    """

    queue_seconds = 30.0  # the scheduler's claims are off the acknowledgement path

    def claim(
        self,
        *,
        subscription_id: int,
        local_date: date,
        pick: Callable[[int], str],
        claimed_by: str,
        lease_until: datetime,
    ) -> DailyPost | None:
        """Claim today's post for a subscription, or None when someone already has.

        `pick(cursor)` names the criterion at the subscription's rotation cursor; the claim and
        the cursor's advance commit together, so a restart neither skips nor repeats.
        """
        with self.writing() as session:
            sub = session.get(SubscriptionRow, subscription_id)
            if sub is None:
                return None
            table = DailyPostRow.__table__  # type: ignore[attr-defined]
            statement = (
                self.insert(table)
                .values(
                    platform=sub.platform,
                    workspace=sub.workspace,
                    channel=sub.channel,
                    local_date=local_date,
                    criterion_key=pick(sub.rotation_cursor),
                    status=PostStatus.CLAIMED,
                    claimed_by=claimed_by,
                    lease_until=lease_until,
                )
                .on_conflict_do_nothing(
                    index_elements=["platform", "workspace", "channel", "local_date"]
                )
                .returning(table.c.id)
            )
            claimed = session.execute(statement).scalar_one_or_none()
            if claimed is None:
                return None
            session.execute(
                update(SubscriptionRow)
                .where(col(SubscriptionRow.id) == subscription_id)
                .values(rotation_cursor=SubscriptionRow.rotation_cursor + 1)
            )
            row = session.get(DailyPostRow, claimed)
            assert row is not None
            return _to_domain(row)

    def mark_posted(self, *, post_id: int, message_id: str, at: datetime) -> None:
        with self.writing() as session:
            session.execute(
                update(DailyPostRow)
                .where(col(DailyPostRow.id) == post_id)
                .values(
                    status=PostStatus.POSTED, message_id=message_id, posted_at=at, lease_until=None
                )
            )

    def existing(self, dates: Iterable[date]) -> set[tuple[str, str, str, date]]:
        """(platform, workspace, channel, local date) of every post on these dates."""
        wanted = sorted(set(dates))
        if not wanted:
            return set()
        with self.reading() as session:
            rows = session.execute(
                sa_select(
                    col(DailyPostRow.platform),
                    col(DailyPostRow.workspace),
                    col(DailyPostRow.channel),
                    col(DailyPostRow.local_date),
                ).where(col(DailyPostRow.local_date).in_(wanted))
            ).all()
            return {(p, w, c, d) for p, w, c, d in rows}

    def expired(self, *, now: datetime) -> list[DailyPost]:
        """Claims whose lease ran out before the platform's answer was recorded."""
        with self.reading() as session:
            rows = session.exec(
                select(DailyPostRow)
                .where(
                    DailyPostRow.status == PostStatus.CLAIMED,
                    col(DailyPostRow.lease_until) < now,
                )
                .order_by(col(DailyPostRow.id))
            ).all()
            return [_to_domain(row) for row in rows]

    def renew(self, *, post_id: int, claimed_by: str, now: datetime, lease_until: datetime) -> bool:
        """Take over an expired claim (compare-and-set): only one replica wins it."""
        with self.writing() as session:
            result = session.execute(
                update(DailyPostRow)
                .where(
                    col(DailyPostRow.id) == post_id,
                    col(DailyPostRow.status) == PostStatus.CLAIMED,
                    col(DailyPostRow.lease_until) < now,
                )
                .values(claimed_by=claimed_by, lease_until=lease_until)
            )
            return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def settle(self, *, post_id: int, status: PostStatus) -> None:
        """Close a claim without a message: `unknown` (may have been posted) or `missed`."""
        with self.writing() as session:
            session.execute(
                update(DailyPostRow)
                .where(
                    col(DailyPostRow.id) == post_id, col(DailyPostRow.status) == PostStatus.CLAIMED
                )
                .values(status=status, lease_until=None)
            )

    def count_by_status(self) -> dict[str, int]:
        with self.reading() as session:
            rows = session.execute(
                sa_select(col(DailyPostRow.status), func.count()).group_by(col(DailyPostRow.status))
            ).all()
            return {str(status): int(count) for status, count in rows}

    def release(self, *, post_id: int) -> bool:
        """Undo a claim the platform refused outright: the day can be posted again later.

        Only a row still `claimed` is released, and the rotation cursor steps back with it.
        """
        with self.writing() as session:
            row = session.get(DailyPostRow, post_id)
            if row is None or row.status != PostStatus.CLAIMED:
                return False
            session.execute(
                update(SubscriptionRow)
                .where(
                    col(SubscriptionRow.platform) == row.platform,
                    col(SubscriptionRow.workspace) == row.workspace,
                    col(SubscriptionRow.channel) == row.channel,
                    col(SubscriptionRow.rotation_cursor) > 0,
                )
                .values(rotation_cursor=SubscriptionRow.rotation_cursor - 1)
            )
            session.delete(row)
            return True

    def latest(
        self, *, platform: str, workspace: str, channel: str, on_or_before: date | None = None
    ) -> DailyPost | None:
        """The channel's newest post; with `on_or_before`, the newest one of that day or earlier
        (the post that was current when a late-delivered message was said)."""
        t = POSTS.c
        clauses = [t.platform == platform, t.workspace == workspace, t.channel == channel]
        if on_or_before is not None:
            clauses.append(t.local_date <= on_or_before)
        row = self.first(sa_select(POSTS).where(*clauses).order_by(t.local_date.desc()).limit(1))
        return _to_domain(row) if row else None

    def by_message(
        self, *, platform: str, workspace: str, channel: str, message_id: str
    ) -> DailyPost | None:
        place = {"platform": platform, "workspace": workspace, "channel": channel}
        row = self.first(_BY_MESSAGE, place | {"message_id": message_id})
        return _to_domain(row) if row else None

    def on_date(
        self, *, platform: str, workspace: str, channel: str, local_date: date
    ) -> DailyPost | None:
        with self.reading() as session:
            row = session.exec(
                select(DailyPostRow).where(
                    DailyPostRow.platform == platform,
                    DailyPostRow.workspace == workspace,
                    DailyPostRow.channel == channel,
                    DailyPostRow.local_date == local_date,
                )
            ).first()
            return _to_domain(row) if row else None
