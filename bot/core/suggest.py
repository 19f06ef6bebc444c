"""Which criterion a story fits best, by a small text model built from the rubric itself.

Each criterion is a document: its value's name and motto, its title, key meaning and example
cases, in Chinese and English. Stories and documents become bags of features: character
unigrams and bigrams of Chinese (no word segmenter needed), and words with their character
trigrams for English. Features are weighted by TF-IDF over the criteria and compared by cosine
similarity. No network, no training data: the pack is the model. BENCHMARKS.md reports its
accuracy on a labelled set beside the baseline of always taking the day's criterion.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.rubric import Criterion, Rubric, Value

# a suggestion is made only when the best criterion clearly beats the day's
MARGIN = 1.5
MIN_SCORE = 0.08
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z][a-z']+")
_STOP_EN = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "our",
        "we",
        "you",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "my",
        "me",
        "i",
        "us",
        "not",
        "no",
        "as",
        "so",
        "but",
        "if",
        "into",
        "than",
        "then",
        "all",
        "any",
        "each",
        "every",
        "who",
        "what",
        "when",
        "how",
        "even",
    ]
)
_STOP_ZH = frozenset("的了和是在我他她们你也都就把被与及或并对为有这那个不人")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def features(text: str) -> Counter[str]:
    """The bag of features of a text (see the module's docstring)."""
    text = text.casefold()
    bag: Counter[str] = Counter()
    for run in _CJK.findall(text):
        bag.update(ch for ch in run if ch not in _STOP_ZH)
        bag.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _LATIN.findall(text):
        if word in _STOP_EN:
            continue
        stem = _stem(word)
        bag[f"w:{stem}"] += 2
        padded = f"<{stem}>"
        bag.update(f"t:{padded[i : i + 3]}" for i in range(len(padded) - 2))
    return bag


def _document(value: Value, criterion: Criterion) -> str:
    parts = [value.name_zh, value.name_en, value.motto, value.motto_en]
    for locale in ("zh", "en"):
        conforming, nonconforming = criterion.cases_in(locale)
        parts += [criterion.title(locale), criterion.meaning_in(locale), *conforming]
        parts += nonconforming  # what goes wrong at a level names its subject matter too
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Fit:
    criterion_key: str
    score: float


class Suggester:
    """The criteria ranked by how well a story fits each."""

    def __init__(self, rubric: Rubric) -> None:
        bags = {
            c.key: features(_document(value, c)) for value in rubric.values for c in value.criteria
        }
        df: Counter[str] = Counter()
        for bag in bags.values():
            df.update(bag.keys())
        n = len(bags)
        self._idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
        self._vectors = {key: self._vector(bag) for key, bag in bags.items()}

    def _vector(self, bag: Counter[str]) -> dict[str, float]:
        weights = {
            term: (1 + math.log(count)) * self._idf[term]
            for term, count in bag.items()
            if term in self._idf
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def rank(self, story: str) -> list[Fit]:
        """Every criterion with its similarity to the story, best first."""
        story_vector = self._vector(features(story))
        fits = [
            Fit(key, sum(w * vector.get(term, 0.0) for term, w in story_vector.items()))
            for key, vector in self._vectors.items()
        ]
        return sorted(fits, key=lambda fit: (-fit.score, fit.criterion_key))

    def suggest(self, story: str, day_key: str) -> str | None:
        """A criterion that fits clearly better than the day's, or None."""
        fits = self.rank(story)
        best = fits[0]
        day = next((f.score for f in fits if f.criterion_key == day_key), 0.0)
        if best.criterion_key == day_key or best.score < MIN_SCORE:
            return None
        if best.criterion_key.split(":")[0] == day_key.split(":")[0]:
            return None  # the day's value already: the level is the author's call
        return best.criterion_key if best.score >= day * MARGIN else None


def top(fits: Iterable[Fit], n: int) -> list[str]:
    return [fit.criterion_key for fit in list(fits)[:n]]
