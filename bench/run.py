"""`make bench`: every benchmark, each beside its reference, written to BENCHMARKS.md.

    python -m bench.run [--quick] [--postgres URL]

PostgreSQL rows run when BENCH_DATABASE_URL (or --postgres) reaches a server; the 1,000,000
case data sets are generated once into bench/data/ (SQLite) and the `bench` schema (PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import fanout, footprint, ingest, review, suggest, summaries, web
from bench.common import DATA, ROOT, machine

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _reachable(url: str) -> bool:
    from sqlalchemy import text

    from storage.engine import make_engine

    try:
        engine = make_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def collect(quick: bool, postgres: str | None) -> dict[str, Any]:
    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "quick": quick}
    started = time.perf_counter()
    print("ingest (Slack HTTP path vs bare Bolt)…", flush=True)
    results["ingest"] = ingest.run(
        throughput_seconds=5 if quick else 15, latency_seconds=10 if quick else 60
    )
    print("fan-out (2,000 posts)…", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        results["fanout"] = fanout.run(f"{folder}/fanout.db")
    print("criterion suggester (labelled stories)…", flush=True)
    results["suggest"] = suggest.run()
    print("footprint (start-up, idle memory)…", flush=True)
    results["footprint"] = footprint.run()
    print("summaries and export on SQLite (1,000,000 cases; generated once)…", flush=True)
    backend = summaries.sqlite_backend()
    results["sqlite"] = summaries.summaries(backend) | summaries.export(backend)
    print("the web app's pages on SQLite…", flush=True)
    results["web_sqlite"] = web.run(backend)
    if postgres and _reachable(postgres):
        print("summaries and export on PostgreSQL…", flush=True)
        backend = summaries.postgres_backend(postgres)
        results["postgresql"] = summaries.summaries(backend) | summaries.export(backend)
        print("the web app's pages on PostgreSQL…", flush=True)
        results["web_postgresql"] = web.run(backend)
    else:
        results["postgresql"] = results["web_postgresql"] = None
    print("the appraisal at 20,000 people…", flush=True)
    results["review"] = review.run_all(postgres if postgres and _reachable(postgres) else None)
    results["seconds"] = time.perf_counter() - started
    results["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def _mark(ok: bool) -> str:
    return "✅ met" if ok else "❌ missed"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _suggest_rows(g: dict[str, Any]) -> list[str]:
    rows = [
        "## Criterion suggester: which criterion a story fits",
        "",
        "Command: `python -m bench.suggest`. A character n-gram TF-IDF model built from the pack",
        f"itself (built in {g['built_ms']:.0f} ms; {g['suggest_ms']:.2f} ms a story), scored on the",
        f"{g['stories']} labelled stories of `tests/data/labelled-stories.yaml` (test data written for",
        "this: made-up people, each story a conforming case of one criterion; written knowing the",
        "rubric, so real replies will score lower). Reference: the bot before issue 14, which filed",
        "every case under the day's criterion (the day drawn once per story: the labelled one for",
        "about 40 %, as a reply on topic).",
        "",
        "| Stories | Top-1 criterion | Top-3 criterion | Right value | Baseline: the day's criterion (its value) | Offered a move, right value | |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, label in (("all", "all"), ("zh", "Chinese"), ("en", "English")):
        x = g[lang]
        rows.append(
            f"| {label} ({x['n']}) | {_pct(x['top1'])} | {_pct(x['top3'])} | {_pct(x['value_top1'])}"
            f" | {_pct(x['baseline'])} ({_pct(x['baseline_value'])}) | {x['offered']}, {x['offered_right']} right"
            f" | {_mark(x['top1'] > x['baseline'])} |"
        )
    return [*rows, ""]


_PAGES = {
    "overview": ("Overview, cycle 2026Q3 (admin)", "overview_raw"),
    "team": ("Team: a manager's channel, 10 people", None),
    "teams": ("Team: an admin's channel list (2,000)", None),
    "ledger": ("A person's ledger (admin reading)", "ledger_raw"),
    "channel": ("A channel's posts (admin reading)", "channel_raw"),
    "rubric": ("Rubric", None),
    "audit": ("Audit log, newest 100", None),
}


def _web_rows(r: dict[str, Any]) -> list[str]:
    lines = [
        "## The web app's pages on 1,000,000 cases",
        "",
        "Command: `python -m bench.web [POSTGRES_URL]` (part of `make bench`). The data set above;",
        "each page requested 60 times (after 3 untimed) by a signed-in reader through the ASGI app (routing, the",
        "session, the reading service, the audit entry, the template), timed from the request to",
        "the page's last byte. Reference: the page's figures computed from the evidence table by",
        "plain SQL through the bare driver, which is what the page would cost without the",
        "tallies the database keeps (the overview's four figure groups; the ledger's cases; the",
        "channel's posts with what each drew).",
        "",
    ]
    for name in ("sqlite", "postgresql"):
        w = r.get(f"web_{name}")
        label = "SQLite" if name == "sqlite" else "PostgreSQL"
        if not w:
            lines += [f"### {label}", "", "Not run.", ""]
            continue
        lines += [
            f"### {label}",
            "",
            "| Page | p95 | median | Reference p95 (plain SQL) | Target | |",
            "|---|---|---|---|---|---|",
        ]
        for key, (title, ref) in _PAGES.items():
            page = w[key]
            reference = f"{w[ref]['p95_ms']:.1f} ms" if ref else ""
            lines.append(
                f"| {title} | {page['p95_ms']:.1f} ms | {page['median_ms']:.1f} ms | "
                f"{reference} | < 200 ms p95 | {_mark(page['p95_ms'] < 200)} |"
            )
        lines.append("")
    return lines


_REVIEW = {
    # key: (what, target in ms, the target as said)
    "calibration": (
        "Calibration: distribution, outliers, first 100 scores (20,000 people)",
        2000,
        "< 2 s p95",
    ),
    "calibration_department": ("Calibration of one department (500 people)", 2000, "< 2 s p95"),
    "review_hr": ("HR's review page", 200, "< 200 ms p95"),
    "assess_form": ("A manager's assessment form", 200, "< 200 ms p95"),
    "export_csv": ("Export of the review, 20,000 rows (CSV)", 15000, "< 15 s"),
}


def review_rows(r: dict[str, Any]) -> list[str]:
    lines = [
        "## The appraisal at 20,000 people",
        "",
        "Command: `python -m bench.review [POSTGRES_URL]` (part of `make bench`). A directory of",
        "20,000 people (a manager for every eight, 40 departments), the quarter's evidence as the",
        "tallies hold it (each person's levels with a case, about 300,000 rows), a review in",
        "calibration with a self and a manager assessment of every value of everyone (240,000",
        "scores). Pages timed through the ASGI app as above (30 requests, calibration 10, after 3",
        "untimed); the export through the same code as `values-bot review export`. Reference:",
        "the two reads any",
        "calibration must make (every score of the review; every person's levels with a case)",
        "through the bare driver.",
        "",
    ]
    for name in ("sqlite", "postgresql"):
        w = (r.get("review") or {}).get(name)
        label = "SQLite" if name == "sqlite" else "PostgreSQL"
        if not w:
            lines += [f"### {label}", "", "Not run.", ""]
            continue
        ref = w["reference_reads"]
        lines += [
            f"### {label}",
            "",
            f"Reference reads: {ref['p95_ms']:.0f} ms p95 (median {ref['median_ms']:.0f} ms).",
            "",
            "| Measure | p95 | median | Target | |",
            "|---|---|---|---|---|",
        ]
        for key, (title, target, said) in _REVIEW.items():
            x = w[key]
            lines.append(
                f"| {title} | {x['p95_ms']:.0f} ms | {x['median_ms']:.0f} ms | {said} | "
                f"{_mark(x['p95_ms'] < target)} |"
            )
        lines.append("")
    return lines


def render(r: dict[str, Any]) -> str:
    m, i, f, p = r["machine"], r["ingest"], r["fanout"], r["footprint"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); never part of `make test`. Every number",
        "is measured beside its reference in the same run, on the same machine.",
        "",
        f"- Run at {r['at']} in {r['seconds'] / 60:.1f} min"
        + (" (quick mode)" if r["quick"] else ""),
        f"- CPU: {m['cpu']}; memory: {m['memory']}; {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, {m['postgresql']}",
        "- Everything (load generator, fake Slack, values-bot, database) shares these cores.",
        "",
        "## Ingest: signed thread replies through the whole Slack HTTP path",
        "",
        "Command: `python -m bench.ingest` (part of `make bench`). values-bot: `values-bot run",
        "--http` on SQLite with the fake Slack Web API in its own process; each request is a",
        "signed thread reply nominating a colleague: verified, parsed, stored, then acknowledged",
        "(reaction and nominee notice follow in the background). References, on the same HTTP",
        "server (`python -m bench.bare_bolt`): a bare Bolt app that only acknowledges, and the same",
        "app doing a nomination's work: one row stored in SQLite before the acknowledgement, then",
        "the reaction and the nominee's message through slack_sdk on a background pool.",
        "",
        "| Measure | values-bot | Reference | Target | |",
        "|---|---|---|---|---|",
        f"| Throughput, 16 concurrent senders | {i['ours_rps']:.0f} req/s | {i['work_rps']:.0f} req/s (Bolt + row + two calls) | ≥ ½ of reference ({i['ratio_work']:.2f}×) | {_mark(i['ratio_work'] >= 0.5)} |",
        f"| Throughput beside a Bolt app that only acknowledges | {i['ours_rps']:.0f} req/s | {i['bare_rps']:.0f} req/s (bare Bolt) | shown only ({i['ratio']:.2f}×) | |",
        f"| p99 acknowledgement at 100 req/s offered for {i['latency_requests'] // 100} s | {i['latency_p99_ms']:.1f} ms (p50 {i['latency_p50_ms']:.1f}, max {i['latency_max_ms']:.1f}) | | < 250 ms | {_mark(i['latency_p99_ms'] < 250)} |",
        f"| Nothing lost | {i['stored']:,} of {i['sent']:,} acknowledged stored | | 0 lost | {_mark(i['lost'] == 0 and i['ours_failed'] == 0 and i['latency_failed'] == 0)} |",
        "",
        "## Fan-out: 2,000 daily posts",
        "",
        "Command: `python -m bench.fanout`. One scheduler tick posts to 2,000 subscribed channels",
        "against the fake Slack answering chat.postMessage in 150 ms, every 100th call a 429",
        f"(Retry-After 1 s), {f['fanout_concurrency']} posts in flight (BOT_FANOUT_CONCURRENCY).",
        "Reference: the bound those rules set, N×150 ms/C plus each 429's wait (Retry-After plus the",
        "client's jitter, 0.5 s on average) / C.",
        "",
        "| Measure | values-bot | Reference | Target | |",
        "|---|---|---|---|---|",
        f"| 2,000 posts | {f['fanout_s']:.1f} s ({f['fanout_429s']} × 429) | {f['fanout_bound_s']:.1f} s bound | ≤ 1.25× bound ({f['fanout_ratio']:.2f}×) | {_mark(f['fanout_ratio'] <= 1.25)} |",
        f"| Exactly one post per channel | {'yes' if f['fanout_once_each'] else 'NO'} | | | {_mark(f['fanout_once_each'])} |",
        "",
        *_suggest_rows(r["suggest"]),
        "## Footprint",
        "",
        "Command: `python -m bench.footprint`. `values-bot run --http` with Slack configured (fake",
        "Web API): seconds until /healthz answers, then resident memory after 5 s idle; median of 3.",
        "Reference: the bare Bolt app on the same server.",
        "",
        "| Measure | values-bot | Reference | Target | |",
        "|---|---|---|---|---|",
        f"| Start-up | {p['startup_s']:.2f} s | {p['bare_startup_s']:.2f} s | < 2 s | {_mark(p['startup_s'] < 2)} |",
        f"| Idle memory (RSS) | {p['idle_mb']:.0f} MB | {p['bare_idle_mb']:.0f} MB | < 120 MB | {_mark(p['idle_mb'] < 120)} |",
        "",
        "## Summaries and export on 1,000,000 cases",
        "",
        "Command: `python -m bench.summaries [POSTGRES_URL]`. Data: 1,000,000 cases, 20,000 people,",
        "2,000 channels, the four quarterly cycles of 2026 (bench/data.py). Summaries are those of",
        "cycle 2026Q3 (about 250,000 cases) read by an admin, audited as in production. Reference:",
        "the summary's data written as plain SQL (the counts per person and criterion, and each",
        "person's three newest cases ranked with a window function) run through the bare driver;",
        "the aggregate alone, and values-bot's own two statements (the counts, then the newest",
        "cases by index seeks per person) through the bare driver, are shown too. Export: all",
        "1,000,000 cases (an annual cycle) with `values-bot export --out`, against `sqlite3 -csv` /",
        "`psql \\copy` of the same columns; peak memory is the program's own high-water mark.",
        "",
    ]
    for name in ("sqlite", "postgresql"):
        s = r.get(name)
        label = "SQLite" if name == "sqlite" else "PostgreSQL"
        if s is None:
            lines += [
                f"### {label}",
                "",
                "Not run: no PostgreSQL reachable (set BENCH_DATABASE_URL).",
                "",
            ]
            continue
        raw_tool = "sqlite3 -csv" if name == "sqlite" else "psql \\copy"
        lines += [
            f"### {label}",
            "",
            "| Measure | values-bot | Reference | Target | |",
            "|---|---|---|---|---|",
            f"| One channel's summary, median of 21 | {s['channel_ms']:.1f} ms | {s['channel_raw_ms']:.1f} ms raw SQL | < 20 ms | {_mark(s['channel_ms'] < 20)} |",
            f"| Whole organisation's cycle summary, median of 5 | {s['org_s']:.2f} s | {s['org_raw_s']:.2f} s raw SQL ({s['org_aggregate_raw_s']:.2f} s the aggregate alone) | < 1 s | {_mark(s['org_s'] < 1)} |",
            f"| … against the plain SQL | {s['org_ratio']:.2f}× | | ≤ 1.5× | {_mark(s['org_ratio'] <= 1.5)} |",
            f"| … against values-bot's own SQL, raw ({s['org_same_sql_raw_s']:.2f} s) | {s['org_same_sql_ratio']:.2f}× | | (the Python part's cost) | |",
            f"| Export {s['export_rows']:,} cases to CSV | {s['export_s']:.1f} s | {s['export_raw_s']:.1f} s {raw_tool} | < 15 s | {_mark(s['export_s'] < 15)} |",
            f"| Export peak memory | {s['export_peak_mb']:.0f} MB | {s['export_raw_peak_mb']:.0f} MB | < 150 MB | {_mark(s['export_peak_mb'] < 150)} |",
            "",
        ]
    lines += _web_rows(r)
    lines += review_rows(r)
    lines += [
        "## Raw results",
        "",
        "```json",
        json.dumps({k: v for k, v in r.items() if k != "machine"}, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short load phases (for trying)")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    results = collect(args.quick, args.postgres)
    (DATA / "results.json").write_text(json.dumps(results, indent=2))
    Path(args.out).write_text(render(results), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
