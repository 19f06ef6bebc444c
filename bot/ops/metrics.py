"""Prometheus metrics with prometheus-client: one registry per process (`METRICS`).

GET /metrics renders it in the text format 0.0.4, with the process collectors (CPU, memory,
open files, start time) and Python's GC and platform info. Labels are a few fixed words
(platform, outcome, reason), never ids or text, so the number of series stays small.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client import Counter as _Counter
from prometheus_client import Histogram as _Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class Ticking(Protocol):
    """What /metrics reads of the scheduler (bot.app.posting.DailyPosts)."""

    last_tick: datetime | None


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"  # what generate_latest writes


class Counter:
    """A counter whose labels are given at each `inc`, as the call sites read best."""

    def __init__(self, registry: CollectorRegistry, name: str, help_text: str, *labels: str):
        self._metric = _Counter(name, help_text, labels, registry=registry)
        self._labels = labels

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self._child(labels).inc(amount)

    def value(self, **labels: str) -> float:
        return float(self._child(labels)._value.get())

    def _child(self, labels: dict[str, str]) -> Any:
        return self._metric.labels(**labels) if self._labels else self._metric


class Histogram:
    def __init__(self, registry: CollectorRegistry, name: str, help_text: str, *labels: str):
        self._metric = _Histogram(
            name, help_text, labels, registry=registry, buckets=LATENCY_BUCKETS
        )

    def observe(self, seconds: float, **labels: str) -> None:
        self._metric.labels(**labels).observe(seconds)


class LastTick(Collector):
    """The scheduler's last tick, read from the runtime when /metrics is asked."""

    def __init__(self) -> None:
        self.read: Callable[[], float | None] = lambda: None

    def collect(self) -> Any:
        gauge = GaugeMetricFamily(
            "values_bot_scheduler_last_tick_timestamp_seconds",
            "When the scheduler last ticked (Unix time).",
        )
        value = self.read()
        if value is not None:
            gauge.add_metric([], value)
        yield gauge


class Metrics:
    """The process's Prometheus metrics, in a registry of its own (prometheus-client)."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)
        self.posts = Counter(
            registry,
            "values_bot_daily_posts",
            "Daily posts by outcome: posted, recovered, refused, failed, unknown, missed.",
            "platform",
            "outcome",
        )
        self.nominations = Counter(
            registry,
            "values_bot_nominations",
            "Cases stored (one per nominee of a nomination).",
            "platform",
        )
        self.refusals = Counter(
            registry,
            "values_bot_refusals",
            "Nominations refused, by reason (the refusal's key).",
            "platform",
            "reason",
        )
        self.errors = Counter(
            registry, "values_bot_errors", "Failures, by where they happened.", "where"
        )
        self.retries = Counter(
            registry,
            "values_bot_store_retries",
            "Messages kept for a retry while the database was away.",
            "platform",
        )
        self.ack = Histogram(
            registry,
            "values_bot_ack_seconds",
            "Time from receiving a platform event to acknowledging it.",
            "platform",
        )
        self.last_tick = LastTick()
        registry.register(self.last_tick)

    def watch(self, posts: Ticking) -> None:
        """Report this scheduler's last tick."""
        self.last_tick.read = lambda: posts.last_tick.timestamp() if posts.last_tick else None

    def render(self) -> str:
        return generate_latest(self.registry).decode()


METRICS = Metrics()
