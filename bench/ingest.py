"""Ingest: signed thread replies through the whole Slack HTTP path vs a bare Bolt app.

values-bot (`values-bot run --http`, SQLite, the fake Slack Web API in its own process) verifies,
parses, stores and then acknowledges each nomination. References, on the same server: a bare
Bolt app that only acknowledges, and the same app storing the same row and making the same two
Slack calls (bench/bare_bolt.py): the target is half the throughput of the second.
Throughput: a closed loop of concurrent senders for a fixed time. Latency: an open loop at a
fixed rate, each latency measured from the moment the request was due (no coordinated
omission). Afterwards every acknowledged nomination must be in the database.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.common import BIN, ROOT, SECRET, TOKEN, fake_slack, free_port, process, wait_http

CHANNEL = "CBENCH01"
SAMPLE = ROOT / "tests" / "slack" / "samples" / "event_thread_reply_in_channel.json"
VERIFIER = SignatureVerifier(SECRET)


class Replies:
    """Signed, distinct thread replies, each nominating a colleague with a story."""

    def __init__(self, thread_ts: str) -> None:
        self.template = json.loads(SAMPLE.read_text(encoding="utf-8"))
        self.thread_ts = thread_ts
        self.n = 0
        self.base = time.time()

    def next(self) -> tuple[bytes, dict[str, str]]:
        self.n += 1
        ts = f"{self.base + self.n / 1000:.6f}"
        body = dict(self.template)
        body["event"] = dict(self.template["event"]) | {
            "user": f"U{self.n % 97:05d}",
            "text": f"<@W{self.n % 50:05d}> stayed late to help the customer, case {self.n}",
            "ts": ts,
            "event_ts": ts,
            "thread_ts": self.thread_ts,
            "channel": CHANNEL,
        }
        body["event_id"] = f"Ev{self.n:09d}"
        raw = json.dumps(body).encode()
        stamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": VERIFIER.generate_signature(timestamp=stamp, body=raw.decode()),
        }
        return raw, headers


async def closed_loop(
    url: str, make: Callable[[], tuple[bytes, dict[str, str]]], seconds: float, senders: int
) -> tuple[int, int]:
    ok = failed = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=senders)) as session:

        async def sender() -> None:
            nonlocal ok, failed
            while time.perf_counter() < deadline:
                raw, headers = make()
                async with session.post(url, data=raw, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        ok += 1
                    else:
                        failed += 1

        await asyncio.gather(*(sender() for _ in range(senders)))
    return ok, failed


async def open_loop(
    url: str, make: Callable[[], tuple[bytes, dict[str, str]]], rate: float, seconds: float
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    ok = failed = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(due: float) -> None:
            nonlocal ok, failed
            raw, headers = make()
            try:
                async with session.post(url, data=raw, headers=headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            latencies.append(time.perf_counter() - due)
            if status == 200:
                ok += 1
            else:
                failed += 1

        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
    return latencies, ok, failed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(
    *,
    throughput_seconds: float = 15,
    latency_seconds: float = 60,
    rate: float = 100,
    senders: int = 16,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder, fake_slack() as api:
        database = f"sqlite:///{Path(folder) / 'ingest.db'}"
        env = {
            "DATABASE_URL": database, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api, "BOT_TICK_SECONDS": "86400", "BOT_LOCALE": "en",
            "SLACK_APP_TOKEN": "", "DINGTALK_CLIENT_ID": "",
        }  # fmt: skip
        cli = [str(BIN / "values-bot")]
        subprocess.run(
            cli + ["subscribe", "--platform", "slack", "--channel", CHANNEL],
            env=env | _path(),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            cli + ["post", "--platform", "slack", "--channel", CHANNEL],
            env=env | _path(),
            check=True,
            capture_output=True,
        )
        db = sqlite3.connect(database.removeprefix("sqlite:///"))
        [(thread_ts,)] = db.execute("SELECT message_id FROM daily_post").fetchall()

        rps, failed, _sent = _reference([], thread_ts, throughput_seconds, senders)
        results["bare_rps"], results["bare_failed"] = rps, failed
        # the same app doing a nomination's work: the row, then the reaction and the message
        work_db = str(Path(folder) / "reference.db")
        work = ["--database", work_db, "--api", api]
        rps, failed, sent = _reference(work, thread_ts, throughput_seconds, senders)
        results["work_rps"], results["work_failed"] = rps, failed
        results["work_sent"] = sent  # the warm-up's included: every one is stored
        with sqlite3.connect(work_db) as ref:
            results["work_stored"] = ref.execute("SELECT count(*) FROM reference_case").fetchone()[
                0
            ]

        port = free_port()
        with process(cli + ["run", "--http", "--host", "127.0.0.1", "--port", str(port)], env):
            wait_http(f"http://127.0.0.1:{port}/healthz")
            url = f"http://127.0.0.1:{port}/slack/events"
            replies = Replies(thread_ts)
            asyncio.run(open_loop(url, replies.next, rate, 2))  # warm up (users.info cache)
            time.sleep(1)
            # latency first, on a bot whose replies are not still catching up with a burst
            latencies, ok, failed = asyncio.run(open_loop(url, replies.next, rate, latency_seconds))
            results["latency_p50_ms"] = percentile(latencies, 50) * 1000
            results["latency_p99_ms"] = percentile(latencies, 99) * 1000
            results["latency_max_ms"] = max(latencies) * 1000
            results["latency_requests"] = len(latencies)
            results["latency_failed"] = failed
            ok, failed = asyncio.run(closed_loop(url, replies.next, throughput_seconds, senders))
            results["ours_rps"] = ok / throughput_seconds
            results["ours_failed"] = failed
            acknowledged = replies.n
        stored = db.execute(
            "SELECT count(DISTINCT source_message_id) FROM evidence WHERE channel = ?", (CHANNEL,)
        ).fetchone()[0]
        results["sent"] = acknowledged
        results["stored"] = stored
        results["lost"] = acknowledged - stored
    results["ratio"] = results["ours_rps"] / results["bare_rps"]
    results["ratio_work"] = results["ours_rps"] / results["work_rps"]
    return results


def _reference(
    args: list[str], thread_ts: str, seconds: float, senders: int
) -> tuple[float, int, int]:
    """A reference app (bench.bare_bolt ARGS) under the closed loop: (req/s, failed, sent)."""
    port = free_port()
    with process([sys.executable, "-m", "bench.bare_bolt", "--port", str(port), *args]):
        wait_http(f"http://127.0.0.1:{port}/healthz")
        replies = Replies(thread_ts)
        url = f"http://127.0.0.1:{port}/slack/events"
        asyncio.run(closed_loop(url, replies.next, 2, senders))  # warm up
        ok, failed = asyncio.run(closed_loop(url, replies.next, seconds, senders))
        time.sleep(1)  # its background calls finish
    return ok / seconds, failed, replies.n


def _path() -> dict[str, str]:
    import os

    return {"PATH": f"{BIN}:{os.environ.get('PATH', '')}"}


if __name__ == "__main__":
    print(json.dumps(run(throughput_seconds=5, latency_seconds=10), indent=2))
