"""Summaries and export on 1,000,000 cases, on SQLite and on PostgreSQL.

Each of values-bot's own numbers is measured beside a reference in the same run: the same SQL
run through the bare database driver (sqlite3 / psycopg), and `sqlite3 -csv` / `psql \\copy`
for the export.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from bench import data
from bench.common import BIN, DATA, timed_child
from bot.config import Settings
from bot.core.cycles import Cycle
from bot.core.permissions import Access, Scope
from bot.wiring import build
from storage import migrate
from storage.engine import make_engine
from storage.repository import Repository
from tests.fakes import FakeClock

CYCLE = ("2026Q3", date(2026, 7, 1), date(2026, 9, 30))
YEAR_CYCLE = Cycle("2026", date(2026, 1, 1), date(2026, 12, 31))
WHERE = "state = 'active' AND nominated_on >= {p} AND nominated_on <= {p}"
COUNTS = "SELECT nominee, criterion_key, count(*) FROM evidence WHERE {where} GROUP BY nominee, criterion_key"
NEWEST = (
    "SELECT e.nominee, e.nominator, e.criterion_key, e.story, e.nominated_on, e.link "
    "FROM evidence e JOIN (SELECT id, row_number() OVER (PARTITION BY nominee "
    "ORDER BY nominated_on DESC, id DESC) AS rk FROM evidence WHERE {where}) r ON r.id = e.id "
    "WHERE r.rk <= 3 ORDER BY e.nominee, r.rk"
)
# values-bot's own second statement: each person's newest cases by index seeks, the people
# (from the counts) passed in as one parameter.
WHERE_X = "x.state = 'active' AND x.nominated_on >= {p} AND x.nominated_on <= {p}"
SEEK_SQLITE = (
    "SELECT e.nominee, e.nominator, e.criterion_key, e.story, e.nominated_on, e.link "
    "FROM json_each(?) p JOIN evidence e ON e.id IN (SELECT x.id FROM evidence x "
    "WHERE x.nominee = p.value AND {where} ORDER BY x.nominated_on DESC, x.id DESC LIMIT 3) "
    "ORDER BY e.nominee, e.nominated_on DESC, e.id DESC"
)
SEEK_POSTGRES = (
    "SELECT t.nominee, t.nominator, t.criterion_key, t.story, t.nominated_on, t.link "
    "FROM unnest(%s::text[]) AS who(nominee) JOIN LATERAL (SELECT x.nominee, x.nominator, "
    "x.criterion_key, x.story, x.nominated_on, x.link, x.id FROM evidence x "
    "WHERE x.nominee = who.nominee AND {where} ORDER BY x.nominated_on DESC, x.id DESC "
    "LIMIT 3) t ON true ORDER BY t.nominee, t.nominated_on DESC, t.id DESC"
)
EXPORT = (
    "SELECT nominated_on, nominee, nominator, criterion_key, story, platform, workspace, "
    "channel, source_message_id, link, created_at, updated_at FROM evidence "
    "WHERE state = 'active' AND nominated_on >= '2026-01-01' AND nominated_on <= '2026-12-31' "
    "ORDER BY id"
)


class Backend:
    def __init__(self, name: str, url: str, connect_args: dict[str, Any], cli_url: str) -> None:
        self.name, self.url, self.cli_url = name, url, cli_url
        self.engine: Engine = (
            make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
        )
        self.mark = "?" if name == "sqlite" else "%s"

    def raw(self) -> Any:
        return self.engine.raw_connection()

    def sql(self, template: str, channel: str | None = None) -> tuple[str, list[Any]]:
        where = WHERE.format(p=self.mark)
        params: list[Any] = [CYCLE[1].isoformat(), CYCLE[2].isoformat()]
        if channel is not None:
            where += f" AND platform = {self.mark} AND channel = {self.mark}"
            params += ["slack", channel]
        return template.format(where=where), params


def median_time(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def prepare(backend: Backend) -> Repository:
    """The data set at the newest schema. It is written before the tallies' migration (0011),
    which then counts it in one pass: its triggers would otherwise run once per case."""
    engine = backend.engine
    if data.present_or_none(engine) != data.CASES:
        if migrate.current_revision(engine) not in (None, *migrate.BEFORE_TALLIES):
            from alembic import command

            command.downgrade(migrate.alembic_config(engine), migrate.BEFORE_TALLIES[-1])
        migrate.upgrade(engine, migrate.BEFORE_TALLIES[-1])
        data.fill(engine)
    migrate.upgrade(engine)
    if engine.dialect.name == "postgresql":  # as autovacuum would soon after the tallies' count
        raw = engine.raw_connection()
        try:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            for table in ("tally_person", "tally_criterion", "tally_channel", "tally_channel_day"):
                raw.cursor().execute(f"VACUUM ANALYZE {table}")
        finally:
            raw.close()
    repo = Repository.on(backend.engine)
    if YEAR_CYCLE.id not in {c.id for c in repo.governance.cycles()}:
        repo.governance.add_cycle(cycle=YEAR_CYCLE, by="bench", now=datetime.now(UTC))
    return repo


def summaries(backend: Backend) -> dict[str, float]:
    repo = prepare(backend)
    settings = Settings(database_url=backend.url, locale="en")
    runtime = build(settings, clock=FakeClock(datetime(2026, 11, 20, 3, tzinfo=UTC)), repo=repo)
    reading = runtime.service.reading
    admin = Access(person="console:bench", is_admin=True)
    channels = [data.channel(n) for n in random.Random(3).sample(range(data.CHANNELS), 21)]
    raw = backend.raw()

    def ours_channel() -> None:
        channel = channels.pop(0)
        channels.append(channel)
        reading.summary(admin, Scope(channel=f"slack:{channel}"), cycle_id=CYCLE[0])

    def raw_channel() -> None:
        channel = channels.pop(0)
        channels.append(channel)
        for template in (COUNTS, NEWEST):
            cursor = raw.cursor()
            cursor.execute(*backend.sql(template, channel))
            cursor.fetchall()

    def ours_org() -> None:
        reading.summary(admin, Scope(), cycle_id=CYCLE[0])

    def raw_org() -> None:
        for template in (COUNTS, NEWEST):
            cursor = raw.cursor()
            cursor.execute(*backend.sql(template))
            cursor.fetchall()

    def raw_same() -> None:
        """The two statements values-bot runs, through the bare driver."""
        cursor = raw.cursor()
        cursor.execute(*backend.sql(COUNTS))
        people = sorted({row[0] for row in cursor.fetchall()})
        seek = SEEK_SQLITE if backend.name == "sqlite" else SEEK_POSTGRES
        where = WHERE_X.format(p=backend.mark)
        cursor = raw.cursor()
        cursor.execute(
            seek.format(where=where),
            [json.dumps(people) if backend.name == "sqlite" else people,
             CYCLE[1].isoformat(), CYCLE[2].isoformat()],
        )  # fmt: skip
        cursor.fetchall()

    def raw_aggregate() -> None:
        cursor = raw.cursor()
        cursor.execute(*backend.sql(COUNTS))
        cursor.fetchall()

    ours_org()  # warm caches on both sides alike
    raw_org()
    results = {
        "channel_ms": median_time(ours_channel, 21) * 1000,
        "channel_raw_ms": median_time(raw_channel, 21) * 1000,
        "org_s": median_time(ours_org, 5),
        "org_raw_s": median_time(raw_org, 5),
        "org_same_sql_raw_s": median_time(raw_same, 5),
        "org_aggregate_raw_s": median_time(raw_aggregate, 5),
    }
    raw.close()
    results["org_ratio"] = results["org_s"] / results["org_raw_s"]
    results["org_same_sql_ratio"] = results["org_s"] / results["org_same_sql_raw_s"]
    return results


def export(backend: Backend) -> dict[str, float]:
    prepare(backend)
    out = DATA / f"export-{backend.name}.csv"
    seconds, peak = timed_child(
        [str(BIN / "values-bot"), "export", "--cycle", YEAR_CYCLE.id, "--out", str(out)],
        env={"DATABASE_URL": backend.cli_url},
        stdout=subprocess.DEVNULL,
    )
    rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    reference = DATA / f"reference-{backend.name}.csv"
    if backend.name == "sqlite":
        path = backend.url.removeprefix("sqlite:///")
        with reference.open("w") as sink:
            ref_seconds, ref_peak = timed_child(
                ["sqlite3", "-csv", "-header", path, EXPORT], stdout=sink
            )
    else:
        copy = f"\\copy ({EXPORT}) TO '{reference}' WITH CSV HEADER"
        ref_seconds, ref_peak = timed_child(
            ["psql", backend.cli_url.replace("postgresql+psycopg", "postgresql"), "-q", "-c", copy]
        )
    ref_rows = sum(1 for _ in reference.open(encoding="utf-8")) - 1
    out.unlink()
    reference.unlink()
    return {
        "export_s": seconds,
        "export_peak_mb": peak,
        "export_rows": rows,
        "export_raw_s": ref_seconds,
        "export_raw_peak_mb": ref_peak,
        "export_raw_rows": ref_rows,
    }


def sqlite_backend() -> Backend:
    path = DATA / "bench.db"
    url = f"sqlite:///{path}"
    return Backend("sqlite", url, {}, url)


def postgres_backend(url: str) -> Backend:
    from sqlalchemy import text

    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text("CREATE SCHEMA IF NOT EXISTS bench"))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return Backend(
        "postgresql",
        url,
        {"options": "-csearch_path=bench"},
        f"{url}{separator}options=-csearch_path%3Dbench",
    )


if __name__ == "__main__":
    import json
    import sys

    backend = postgres_backend(sys.argv[1]) if len(sys.argv) > 1 else sqlite_backend()
    print(json.dumps(summaries(backend) | export(backend), indent=2))
