"""Prometheus metrics, in-process: counters and histograms rendered as the text format 0.0.4.

One registry per process (`METRICS`); GET /metrics renders it. Labels are a few fixed words
(platform, outcome, reason), never ids or text, so the number of series stays small.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable

Labels = tuple[tuple[str, str], ...]
INF = 'le="+Inf"'
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _labels(labels: Labels, extra: str = "") -> str:
    parts = [f'{name}="{_escape(value)}"' for name, value in labels]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            lines += [f"{self.name}{_labels(k)} {v:g}" for k, v in sorted(self._values.items())]
        return lines


class Histogram:
    def __init__(
        self, name: str, help_text: str, buckets: tuple[float, ...] = LATENCY_BUCKETS
    ) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._series: dict[Labels, list[float]] = {}  # bucket counts…, +Inf count, sum
        self._lock = threading.Lock()

    def observe(self, seconds: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._series.setdefault(key, [0.0] * (len(self.buckets) + 2))
            series[bisect.bisect_left(self.buckets, seconds)] += 1
            series[-1] += seconds

    def count(self, **labels: str) -> int:
        with self._lock:
            series = self._series.get(tuple(sorted(labels.items())))
            return int(sum(series[:-1])) if series else 0

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for key, series in sorted(self._series.items()):
                running = 0.0
                for bound, count in zip(self.buckets, series, strict=False):
                    running += count
                    le = f'le="{bound:g}"'
                    lines.append(f"{self.name}_bucket{_labels(key, le)} {running:g}")
                running += series[len(self.buckets)]
                lines.append(f"{self.name}_bucket{_labels(key, INF)} {running:g}")
                lines.append(f"{self.name}_sum{_labels(key)} {series[-1]:.6f}")
                lines.append(f"{self.name}_count{_labels(key)} {running:g}")
        return lines


class Gauge:
    """A value read when /metrics is asked (a callback), e.g. the last scheduler tick."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self.read: Callable[[], float | None] = lambda: None

    def render(self) -> list[str]:
        value = self.read()
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        if value is not None:
            lines.append(f"{self.name} {value:g}")
        return lines


class Metrics:
    def __init__(self) -> None:
        self.posts = Counter(
            "values_bot_daily_posts_total",
            "Daily posts by outcome: posted, recovered, refused, failed, unknown, missed.",
        )
        self.nominations = Counter(
            "values_bot_nominations_total", "Cases stored (one per nominee of a nomination)."
        )
        self.refusals = Counter(
            "values_bot_refusals_total", "Nominations refused, by reason (the refusal's key)."
        )
        self.errors = Counter("values_bot_errors_total", "Failures, by where they happened.")
        self.retries = Counter(
            "values_bot_store_retries_total",
            "Messages kept for a retry while the database was away.",
        )
        self.ack = Histogram(
            "values_bot_ack_seconds", "Time from receiving a platform event to acknowledging it."
        )
        self.last_tick = Gauge(
            "values_bot_scheduler_last_tick_timestamp_seconds", "When the scheduler last ticked."
        )

    def render(self) -> str:
        lines: list[str] = []
        for metric in (
            self.posts,
            self.nominations,
            self.refusals,
            self.errors,
            self.retries,
            self.ack,
            self.last_tick,
        ):
            lines += metric.render()
        return "\n".join(lines) + "\n"


METRICS = Metrics()
