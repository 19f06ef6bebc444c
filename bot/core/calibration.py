"""Calibration: the distribution of totals against HR's guidance, and the outliers to look at.

Guidance is written as bands of totals with the share of people each should hold, highest band
first: "A>=24:20,B>=15:70,C>=0:10" (20 % at 24 or more, 70 % from 15, 10 % below). An outlier is
a manager score above the evidence ceiling, two points or more from the self-assessment, or two
points or more from the person's final score of the previous cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.review import ReviewError

GAP = 2.0  # points between two scores of one value that make an outlier


@dataclass(frozen=True)
class Band:
    name: str
    floor: float  # a total at or above it (and below the band above) falls in this band
    share: int  # the share of people the guidance wants here, in percent


@dataclass(frozen=True)
class BandCount:
    band: Band
    people: int
    share: float  # the share actually here, in percent (0 when nobody is counted)

    @property
    def off_by(self) -> float:
        return self.share - self.band.share


def default_guidance(max_total: float) -> str:
    """20 % / 70 % / 10 %: the top band from 80 % of the maximum, the bottom below half."""
    return f"A>={max_total * 0.8:g}:20,B>={max_total * 0.5:g}:70,C>=0:10"


def parse_guidance(text: str) -> tuple[Band, ...]:
    """Bands, highest floor first; ReviewError("review_bad_guidance") when it does not read."""
    bands = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            head, share = part.rsplit(":", 1)
            name, floor = head.split(">=", 1)
            band = Band(name.strip()[:16], float(floor), int(share))
        except ValueError:
            raise ReviewError("review_bad_guidance", guidance=text[:80]) from None
        if not band.name or band.floor < 0 or not 0 <= band.share <= 100:
            raise ReviewError("review_bad_guidance", guidance=text[:80])
        bands.append(band)
    bands.sort(key=lambda b: b.floor, reverse=True)
    if not bands or bands[-1].floor != 0 or sum(b.share for b in bands) != 100:
        raise ReviewError("review_bad_guidance", guidance=text[:80])
    if len({b.floor for b in bands}) != len(bands) or len({b.name for b in bands}) != len(bands):
        raise ReviewError("review_bad_guidance", guidance=text[:80])
    return tuple(bands)


def band_of(total: float, bands: tuple[Band, ...]) -> Band:
    return next(b for b in bands if total >= b.floor)


def distribution(totals: Mapping[str, float], bands: tuple[Band, ...]) -> list[BandCount]:
    """How many people each band holds, and their share, beside what the guidance wants."""
    counts = {b.name: 0 for b in bands}
    for total in totals.values():
        counts[band_of(total, bands).name] += 1
    everyone = len(totals)
    return [
        BandCount(b, counts[b.name], round(100 * counts[b.name] / everyone, 1) if everyone else 0)
        for b in bands
    ]


class Why(StrEnum):
    """Why a score is an outlier; each names a message template."""

    ABOVE_CEILING = "calibration_above_ceiling"
    FAR_FROM_SELF = "calibration_far_from_self"
    JUMP = "calibration_jump"


@dataclass(frozen=True)
class Outlier:
    person: str
    value_key: str
    why: Why
    score: float
    against: float  # the ceiling, the self score or last cycle's score


@dataclass(frozen=True)
class Scores:
    """One person's scores of one value in a review (None: not given)."""

    manager: float | None
    self: float | None = None
    ceiling: float | None = None
    previous: float | None = None


def outliers_of(person: str, value_key: str, scores: Scores) -> list[Outlier]:
    if scores.manager is None:
        return []
    score, found = scores.manager, []
    if scores.ceiling is not None and score > scores.ceiling:
        found.append(Outlier(person, value_key, Why.ABOVE_CEILING, score, scores.ceiling))
    if scores.self is not None and abs(score - scores.self) >= GAP:
        found.append(Outlier(person, value_key, Why.FAR_FROM_SELF, score, scores.self))
    if scores.previous is not None and abs(score - scores.previous) >= GAP:
        found.append(Outlier(person, value_key, Why.JUMP, score, scores.previous))
    return found
