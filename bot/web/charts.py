"""Charts drawn on the server as SVG shapes (the template writes the SVG, escaped): bars of
cases per week, and a value × level heat map. Every chart has a table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    top: int  # the largest value, written on the axis


def weekly_bars(weeks: list[tuple[date, int]], *, width: int = 640, height: int = 160) -> BarChart:
    """One bar per week, scaled to the largest week (an empty cycle draws no bar)."""
    top = max((n for _, n in weeks), default=0)
    slot = width / max(1, len(weeks))
    bars = []
    for i, (monday, n) in enumerate(weeks):
        h = 0.0 if top == 0 else (height - 34) * n / top  # room for the label above
        bars.append(
            Bar(
                x=round(i * slot + slot * 0.15, 1),
                y=round(height - 16 - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label=monday.strftime("%m-%d"),
                value=n,
            )
        )
    return BarChart(width, height, tuple(bars), top)


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    value: int
    shade: int  # 0 (none) … 5 (the most people), a CSS class


@dataclass(frozen=True)
class HeatMap:
    rows: tuple[str, ...]  # value keys
    levels: tuple[int, ...]
    cells: tuple[Cell, ...]
    width: int
    height: int


CELL = 56
LABEL = 150


def heat_map(rows: list[tuple[str, dict[int, int]]], levels: tuple[int, ...]) -> HeatMap:
    """`rows`: per value, level → how many people have evidence there."""
    top = max((n for _, by in rows for n in by.values()), default=0)
    cells = []
    for y, (_, by_level) in enumerate(rows):
        for x, level in enumerate(levels):
            n = by_level.get(level, 0)
            shade = 0 if n == 0 or top == 0 else 1 + min(4, (4 * n) // top)
            cells.append(Cell(LABEL + x * CELL, 24 + y * (CELL // 2 + 4), n, shade))
    height = 24 + len(rows) * (CELL // 2 + 4)
    return HeatMap(
        tuple(key for key, _ in rows), levels, tuple(cells), LABEL + len(levels) * CELL, height
    )
