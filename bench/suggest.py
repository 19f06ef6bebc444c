"""The criterion suggester's accuracy on the labelled stories (tests/data/labelled-stories.yaml).

    python -m bench.suggest

Top-1 and top-3: the labelled criterion is the model's first, or among its first three. The
value: the first criterion's value is the labelled one's. Baseline: always the day's criterion
(the bot's behaviour before issue 14). Suggestions made: how often the bot would offer another
value, and how often that value is the right one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml

from bot.core.suggest import Suggester
from bot.words.packs import load_pack, pack_path

LABELLED = Path(__file__).parents[1] / "tests" / "data" / "labelled-stories.yaml"


def _value(key: str) -> str:
    return key.split(":", 1)[0]


def run() -> dict[str, Any]:
    rubric = load_pack(pack_path("alibaba-six-vein"))
    started = time.perf_counter()
    suggester = Suggester(rubric)
    built_ms = (time.perf_counter() - started) * 1000
    rows = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["stories"]
    out: dict[str, Any] = {"stories": len(rows), "built_ms": built_ms}
    for lang in ("all", "zh", "en"):
        chosen = [r for r in rows if lang == "all" or r["lang"] == lang]
        top1 = top3 = value1 = base = base_value = offered = offered_right = 0
        for row in chosen:
            ranked = [f.criterion_key for f in suggester.rank(row["story"])]
            top1 += ranked[0] == row["label"]
            top3 += row["label"] in ranked[:3]
            value1 += _value(ranked[0]) == _value(row["label"])
            base += row["day"] == row["label"]
            base_value += _value(row["day"]) == _value(row["label"])
            offer = suggester.suggest(row["story"], row["day"])
            if offer is not None:
                offered += 1
                offered_right += _value(offer) == _value(row["label"])
        n = len(chosen)
        out[lang] = {
            "n": n,
            "top1": top1 / n,
            "top3": top3 / n,
            "value_top1": value1 / n,
            "baseline": base / n,
            "baseline_value": base_value / n,
            "offered": offered,
            "offered_right": offered_right,
        }
    started = time.perf_counter()
    for row in rows:
        suggester.suggest(row["story"], row["day"])
    out["suggest_ms"] = (time.perf_counter() - started) * 1000 / len(rows)
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
