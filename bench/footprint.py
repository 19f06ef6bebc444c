"""Start-up time and idle memory of `values-bot run --http`, beside the bare Bolt app's."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BIN, SECRET, TOKEN, fake_slack, free_port, process, rss_mb, wait_http

IDLE_SECONDS = 5


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder, fake_slack() as api:
        env = {
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'footprint.db'}",
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api,
            "SLACK_APP_TOKEN": "", "DINGTALK_CLIENT_ID": "",
        }  # fmt: skip
        ours = [str(BIN / "values-bot"), "run", "--http", "--host", "127.0.0.1", "--port"]
        results["startup_s"], results["idle_mb"] = _measure(ours, env)
        bare = [sys.executable, "-m", "bench.bare_bolt", "--port"]
        results["bare_startup_s"], results["bare_idle_mb"] = _measure(bare, {})
    return results


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Median of three: seconds until /healthz answers, then RSS after IDLE_SECONDS."""
    starts, memory = [], []
    for _ in range(3):
        port = free_port()
        started = time.perf_counter()
        with process([*args, str(port)], env) as proc:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            starts.append(time.perf_counter() - started)
            time.sleep(IDLE_SECONDS)
            memory.append(rss_mb(proc.pid))
    return sorted(starts)[1], sorted(memory)[1]


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
