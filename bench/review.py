"""The appraisal at 20,000 people, on SQLite and on PostgreSQL.

A directory of 20,000 people (a manager for every eight, 40 departments), the evidence of the
quarter as the tallies hold it (each person's levels with a case: about 300,000 rows, as
1,000,000 cases give), a review in calibration with a self and a manager assessment of every
value of everyone (240,000 scores). Timed like bench.web (through the ASGI app, 30 requests
(calibration: 10) after 3 untimed): calibration (distribution, outliers, the first page of scores), calibration
of one department, HR's review page, a manager's assessment form, and the export of all
20,000 rows. Reference, in the same run: the reads any calibration must make, through the bare
driver (every score of the review, and every person's levels with a case).

    python -m bench.review [POSTGRES_URL]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, text

from bench.web import _asgi_get
from bot.app import review_export
from bot.app.review_desk import Opening
from bot.cli.web import web_app
from bot.config import Settings
from bot.core.directory import Member
from bot.wiring import build
from storage import migrate
from storage.engine import make_engine
from storage.repository import Repository
from storage.tables import AssessmentRow, TallyCriterionRow
from tests.fakes import FakeClock

PEOPLE = 20_000
TEAM = 8  # reports per manager
DEPARTMENTS = 40
RUNS, WARM_UP = 30, 3
SLOW_RUNS = 10  # calibration of everyone: seconds a request
HR = "console:bench-hr"
NOW = datetime(2026, 9, 20, 3, tzinfo=UTC)


def person(n: int) -> str:
    return f"console:p{n:05d}"


def _fill(repo: Repository, rubric: Any) -> None:
    members = [
        Member(person(n), f"Person {n}", f"p{n}@example.com", person(n // TEAM) if n else "",
               f"D{n % DEPARTMENTS:02d}", "CN")
        for n in range(PEOPLE)
    ]  # fmt: skip
    repo.directory.save(members, source="file", now=NOW)
    rng = random.Random(16)
    tallies, levels = [], {}
    for n in range(PEOPLE):
        for value in rubric.values:
            top = rng.choice((0, 1, 2, 2, 3, 3, 4, 5))
            levels[(n, value.key)] = top
            tallies += [
                {"quarter": "2026Q3", "criterion_key": f"{value.key}:{lv}", "nominee": person(n),
                 "cases": rng.randint(1, 4)}
                for lv in range(1, top + 1)
            ]  # fmt: skip
    with repo.engine.begin() as connection:
        connection.execute(insert(TallyCriterionRow.__table__), tallies)  # type: ignore[attr-defined]
    repo.levels = levels  # type: ignore[attr-defined]


def _scores(repo: Repository, rubric: Any, review_id: int) -> None:
    rows = []
    for n in range(PEOPLE):
        for value in rubric.values:
            top = repo.levels[(n, value.key)]  # type: ignore[attr-defined]
            manager = float(min(5, max(2, top) + (1 if n % 17 == 0 else 0)))
            for kind, score in (("self", float(max(2, top - 1))), ("manager", manager)):
                rows.append(
                    {"review_id": review_id, "person": person(n), "kind": kind,
                     "value_key": value.key, "score": score, "comment": "", "citations": "[]",
                     "by": person(n) if kind == "self" else person(n // TEAM), "at": NOW}
                )  # fmt: skip
    with repo.engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(AssessmentRow.__table__), rows[start : start + 20_000])  # type: ignore[attr-defined]


def _timed(work: Callable[[], object], runs: int = RUNS) -> dict[str, float]:
    for _ in range(WARM_UP):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p95_ms": times[int(0.95 * (len(times) - 1))], "median_ms": statistics.median(times)}


def run(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    repo = Repository.on(engine)
    clock = FakeClock(NOW)
    runtime = build(
        Settings(database_url=url, locale="en", admins=frozenset({HR})), clock=clock, repo=repo
    )
    started = time.perf_counter()
    _fill(repo, runtime.rubric)
    appraisal = runtime.service.appraisal
    review = appraisal.reviews.open(
        HR, Opening("2026Q3", date(2026, 9, 22), date(2026, 9, 25), date(2026, 9, 29), 5)
    )
    appraisal.reviews.advance(HR, None)
    _scores(repo, runtime.rubric, review.id)
    appraisal.reviews.advance(HR, None)
    filled = time.perf_counter() - started
    app = web_app(runtime, "http://bench")
    cookies = {}
    for who in (HR, person(1)):
        signed = runtime.service.signin.spend(
            runtime.service.signin.link(who).split("t=")[1], locale="en"
        )
        assert signed is not None
        cookies[who] = signed.cookie
    pages = {
        "calibration": (HR, "/app/review/calibration", ""),
        "calibration_department": (HR, "/app/review/calibration", "department=D07"),
        "review_hr": (HR, "/app/review", ""),
        "assess_form": (person(1), f"/app/review/assess/{person(9)}", ""),
    }
    results: dict[str, Any] = {"people": PEOPLE, "fill_s": filled}
    for name, (who, path, query) in pages.items():
        print(f"  {url.split(':', 1)[0]}: {name}…", file=sys.stderr, flush=True)
        status, size = _asgi_get(app, path, query, cookies[who])
        assert status == 200, (name, status)
        results[name] = _timed(
            lambda who=who, path=path, query=query: _asgi_get(app, path, query, cookies[who])
        )
        results[name]["bytes"] = size

    def export() -> None:
        _, columns, body = review_export.rows(appraisal.calibrating, HR, "2026Q3")
        review_export.as_bytes(
            "csv", runtime.templates, runtime.rubric, "Asia/Shanghai", columns, body
        )

    results["export_csv"] = _timed(export, 5)
    raw = engine.raw_connection()

    def reference() -> None:
        cursor = raw.cursor()
        cursor.execute(
            f"SELECT person, kind, value_key, score FROM assessment WHERE review_id = {review.id}"
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT nominee, criterion_key FROM tally_criterion WHERE quarter = '2026Q3' AND cases > 0"
        )
        cursor.fetchall()

    results["reference_reads"] = _timed(reference, 10)
    raw.close()
    engine.dispose()
    return results


def run_all(postgres: str | None) -> dict[str, Any]:
    """SQLite in a fresh file; PostgreSQL in a fresh `bench_review` schema when given."""
    with tempfile.TemporaryDirectory() as folder:
        results: dict[str, Any] = {"sqlite": run(f"sqlite:///{folder}/review.db")}
    results["postgresql"] = None
    if postgres:
        admin = make_engine(postgres)
        with admin.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS bench_review CASCADE"))
            connection.execute(text("CREATE SCHEMA bench_review"))
        admin.dispose()
        separator = "&" if "?" in postgres else "?"
        results["postgresql"] = run(f"{postgres}{separator}options=-csearch_path%3Dbench_review")
    return results


def main() -> None:
    print(json.dumps(run_all(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))


if __name__ == "__main__":
    main()
