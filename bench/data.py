"""The benchmark data set: 1,000,000 cases about 20,000 people in 2,000 channels, 4 cycles.

One daily post per channel per weekday of 2026 (the four quarterly cycles), ten people per
channel, each case a colleague nominating a colleague of the same channel. Written straight
into a migrated database (sqlite3 executemany, PostgreSQL COPY): generating is not measured.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text

from bot.words.packs import load_pack, pack_path

CASES = 1_000_000
PEOPLE = 20_000
CHANNELS = 2_000
YEAR = 2026
WORDS = [
    "客户",
    "第一",
    "stayed",
    "late",
    "to",
    "fix",
    "the",
    "order",
    "帮助",
    "同事",
    "解决",
    "问题",
    "shipped",
    "the",
    "release",
    "took",
    "ownership",
    "主动",
    "承担",
    "责任",
    "called",
    "the",
    "customer",
    "back",
    "复盘",
    "改进",
    "流程",
]


def days() -> list[date]:
    start = date(YEAR, 1, 1)
    every = (start + timedelta(days=n) for n in range(365))
    return [d for d in every if d.weekday() < 5]


def channel(n: int) -> str:
    return f"C{n:05d}"


def person(n: int) -> str:
    return f"slack:U{n:06d}"


def posts() -> Iterator[tuple[object, ...]]:
    keys = [c.key for c in load_pack(pack_path("alibaba-six-vein")).criteria]
    stamp = datetime(YEAR, 1, 1, 1, 30, tzinfo=UTC)
    for c in range(CHANNELS):
        for i, day in enumerate(days()):
            post_id = c * len(days()) + i + 1
            yield (post_id, "slack", "T1", channel(c), day, keys[i % len(keys)], "posted",
                   "bench", None, f"{1767000000 + post_id}.000100", stamp)  # fmt: skip


def cases(seed: int = 7) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    keys = [c.key for c in load_pack(pack_path("alibaba-six-vein")).criteria]
    all_days = days()
    per_channel = PEOPLE // CHANNELS
    stamp = datetime(YEAR, 6, 1, tzinfo=UTC)
    for n in range(CASES):
        c = rng.randrange(CHANNELS)
        i = rng.randrange(len(all_days))
        nominee, nominator = rng.sample(range(per_channel), 2)
        story = " ".join(rng.choices(WORDS, k=rng.randint(6, 16)))
        yield (
            n + 1, "slack", "T1", channel(c), f"{1767000000 + n}.{n % 999999:06d}",
            person(c * per_channel + nominee), person(c * per_channel + nominator),
            c * len(all_days) + i + 1, keys[i % len(keys)], story,
            f"https://example.slack.com/archives/{channel(c)}/p{1767000000 + n}",
            all_days[i], stamp, stamp, "active", None,
        )  # fmt: skip


POST_COLUMNS = (
    "id, platform, workspace, channel, local_date, criterion_key, status, claimed_by, "
    "lease_until, message_id, posted_at"
)
CASE_COLUMNS = (
    "id, platform, workspace, channel, source_message_id, nominee, nominator, daily_post_id, "
    "criterion_key, story, link, nominated_on, created_at, updated_at, state, revised_at"
)


def present(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM evidence")).scalar_one())


def present_or_none(engine: Engine) -> int | None:
    """How many cases the data set's database holds (None: no schema yet)."""
    try:
        return present(engine)
    except Exception:  # no evidence table yet
        return None


def fill(engine: Engine) -> None:
    """Write the data set unless it is there already."""
    if present(engine) == CASES:
        return
    if engine.dialect.name == "sqlite":
        _fill_sqlite(engine)
    else:
        _fill_postgres(engine)


def _fill_sqlite(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DELETE FROM evidence")
        cursor.execute("DELETE FROM daily_post")
        cursor.execute("BEGIN")
        marks = ", ".join("?" * 11)
        cursor.executemany(f"INSERT INTO daily_post ({POST_COLUMNS}) VALUES ({marks})", posts())
        marks = ", ".join("?" * 16)
        cursor.executemany(f"INSERT INTO evidence ({CASE_COLUMNS}) VALUES ({marks})", cases())
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def _fill_postgres(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("TRUNCATE evidence, daily_post RESTART IDENTITY CASCADE")
        with cursor.copy(f"COPY daily_post ({POST_COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in posts():
                copy.write_row(row)
        with cursor.copy(f"COPY evidence ({CASE_COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in cases():
                copy.write_row(row)
        cursor.execute("SELECT setval('evidence_id_seq', (SELECT max(id) FROM evidence))")
        cursor.execute("SELECT setval('daily_post_id_seq', (SELECT max(id) FROM daily_post))")
        raw.commit()
        # As autovacuum would soon after: statistics, and the visibility map that lets the
        # summary queries read their covering indexes alone.
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cursor.execute("VACUUM ANALYZE evidence")
        cursor.execute("VACUUM ANALYZE daily_post")
    finally:
        raw.close()
