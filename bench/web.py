"""The web app's pages on 1,000,000 cases (bench/data.py), on SQLite and on PostgreSQL.

Each page is requested 60 times (after 3 untimed) by a signed-in reader through the real ASGI app (Starlette
routing, the session, the reading service, the audit entry, the Jinja2 template); the server
time is the time from the request to the last byte of the page, in this process, so no
network or client is in it. p95 against a target of 200 ms. Reference, in the same run: the
page's own figures computed by plain SQL over the evidence table through the bare driver
(the overview: one query per figure group, run together), which is what the page would cost
without the tallies.

    python -m bench.web [POSTGRES_URL]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import data, summaries
from bot.cli.web import web_app
from bot.config import Settings
from bot.core.permissions import Role
from bot.wiring import build
from tests.fakes import FakeClock

RUNS = 60
WARM_UP = 3  # requests per page before timing (caches, the first plan)
LOOP = asyncio.new_event_loop()  # one loop for every request, as under uvicorn
CYCLE = "2026Q3"
ADMIN, MANAGER = "console:bench-admin", "console:bench-manager"
PERSON = data.person(4321)
CHANNEL = f"slack:{data.channel(432)}"

OVERVIEW_SQL = [
    "SELECT count(*), count(DISTINCT nominator), count(DISTINCT nominee), "
    "count(DISTINCT platform || ':' || channel) FROM evidence WHERE {where}",
    "SELECT nominated_on, count(*) FROM evidence WHERE {where} GROUP BY nominated_on",
    "SELECT criterion_key, count(DISTINCT nominee) FROM evidence WHERE {where} "
    "GROUP BY criterion_key",
    "SELECT platform, channel, count(DISTINCT source_message_id), count(*), max(nominated_on) "
    "FROM evidence WHERE {where} GROUP BY platform, channel",
]
LEDGER_SQL = (
    "SELECT criterion_key, story, nominator, nominated_on, link FROM evidence "
    "WHERE {where} AND nominee = {p} ORDER BY nominated_on DESC"
)
CHANNEL_SQL = (
    "SELECT p.local_date, p.criterion_key, count(DISTINCT e.source_message_id), count(e.id) "
    "FROM daily_post p LEFT JOIN evidence e ON e.daily_post_id = p.id AND e.state = 'active' "
    "WHERE p.platform = 'slack' AND p.channel = {p} AND p.local_date >= '2026-07-01' "
    "AND p.local_date <= '2026-09-30' GROUP BY p.local_date, p.criterion_key "
    "ORDER BY p.local_date DESC"
)


def _asgi_get(app: Any, path: str, query: str, cookie: str) -> tuple[int, int]:
    """One GET through the ASGI app, as uvicorn would call it: (status, bytes)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"bench"), (b"cookie", f"vb_session={cookie}".encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "root_path": "",
    }
    LOOP.run_until_complete(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    size = sum(len(m.get("body", b"")) for m in sent if m["type"] == "http.response.body")
    return status, size


def _p95(work: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[int(0.95 * (len(times) - 1))], statistics.median(times)


def run(backend: summaries.Backend) -> dict[str, Any]:
    repo = summaries.prepare(backend)
    clock = FakeClock(datetime(2026, 11, 20, 3, tzinfo=UTC))
    settings = Settings(database_url=backend.url, locale="en", admins=frozenset({ADMIN}))
    runtime = build(settings, clock=clock, repo=repo)
    repo.governance.grant(
        person=MANAGER, role=Role.MANAGER, channel=CHANNEL, by="bench", now=clock.now()
    )
    app = web_app(runtime, "http://bench")
    cookies = {}
    for who in (ADMIN, MANAGER):
        signed = runtime.service.signin.spend(
            runtime.service.signin.link(who).split("t=")[1], locale="en"
        )
        assert signed is not None
        cookies[who] = signed.cookie
    pages = {
        "overview": (ADMIN, "/app/overview", f"cycle={CYCLE}"),
        "team": (MANAGER, "/app/team", f"cycle={CYCLE}"),
        "ledger": (ADMIN, f"/app/people/{PERSON}", f"cycle={CYCLE}"),
        "channel": (ADMIN, f"/app/channels/{CHANNEL}", f"cycle={CYCLE}"),
        "rubric": (MANAGER, "/app/rubric", ""),
        "audit": (ADMIN, "/app/audit", ""),
        "teams": (ADMIN, "/app/team", f"cycle={CYCLE}"),
    }
    results: dict[str, Any] = {}
    for name, (who, path, query) in pages.items():
        for _ in range(WARM_UP):
            status, size = _asgi_get(app, path, query, cookies[who])
        assert status == 200, (name, status)
        p95, median = _p95(
            lambda who=who, path=path, query=query: _asgi_get(app, path, query, cookies[who])
        )
        results[name] = {"p95_ms": p95, "median_ms": median, "bytes": size}
    results |= _references(backend)
    return results


def _references(backend: summaries.Backend) -> dict[str, Any]:
    raw = backend.raw()
    where, params = backend.sql("{where}")

    def overview() -> None:
        for sql in OVERVIEW_SQL:
            cursor = raw.cursor()
            cursor.execute(sql.format(where=where), params)
            cursor.fetchall()

    def ledger() -> None:
        cursor = raw.cursor()
        cursor.execute(LEDGER_SQL.format(where=where, p=backend.mark), [*params, PERSON])
        cursor.fetchall()

    def channel() -> None:
        cursor = raw.cursor()
        cursor.execute(CHANNEL_SQL.format(p=backend.mark), [CHANNEL.split(":", 1)[1]])
        cursor.fetchall()

    found = {
        "overview_raw": _p95(overview, 5),
        "ledger_raw": _p95(ledger),
        "channel_raw": _p95(channel),
    }
    raw.close()
    return {name: {"p95_ms": p95, "median_ms": median} for name, (p95, median) in found.items()}


def main() -> None:
    results = {"sqlite": run(summaries.sqlite_backend())}
    if len(sys.argv) > 1:
        results["postgresql"] = run(summaries.postgres_backend(sys.argv[1]))
    import json

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
