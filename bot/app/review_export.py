"""`values-bot review export`: one row per person of a review, for HR (audited).

Columns: person, name, department, manager, then per value the self score and the final score,
the self total and final total, the band, the cited cases, the adjustments with their reasons,
and the person's answer (confirmed or appealed), their appeal and its outcome. Every text cell
is defused (a spreadsheet never runs it as a formula), in CSV as in xlsx.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from bot.app.calibrating import Calibrating, Result
from bot.app.spreadsheet import Book
from bot.core.calibration import band_of, parse_guidance
from bot.core.review import Review
from bot.core.rubric import Rubric
from bot.words.templates import Templates
from storage.exports import defused


def _columns(rubric_keys: list[str]) -> list[str]:
    fixed = ["person", "name", "department", "manager"]
    scores = [f"{kind}:{key}" for key in rubric_keys for kind in ("self", "final")]
    return [
        *fixed,
        *scores,
        "self_total",
        "total",
        "band",
        "cited_cases",
        "adjustments",
        "answer",
        "appeal",
        "outcome",
    ]


def rows(
    calibrating: Calibrating, actor: str, cycle_id: str | None
) -> tuple[Review, list[str], Iterator[list[Any]]]:
    """The review, its columns, and one row per person with a manager score."""
    desk = calibrating.desk
    desk.admin(actor)
    review = desk.review(cycle_id)
    keys = [v.key for v in desk.rubric.values]
    bands = parse_guidance(review.guidance)
    results = [r for r in calibrating.results(review, desk.members()) if r.manager_scores]
    desk.audit(actor, "review_export", review, [r.person for r in results])

    def each() -> Iterator[list[Any]]:
        for r in results:
            yield _row(r, keys, band_of(r.total, bands).name)

    return review, _columns(keys), each()


def _row(r: Result, keys: list[str], band: str) -> list[Any]:
    scores: list[Any] = []
    for key in keys:
        own = r.self_scores.get(key)
        scores += [own.score if own else "", r.final.get(key, "")]
    cited = [
        f"{key}:L{c.level} c{c.case_id}" if c.case_id is not None else f"{key}:L{c.level} STAR"
        for key, a in sorted(r.manager_scores.items())
        for c in a.citations
    ]
    changes = [
        f"{a.value_key} {a.before:g}→{a.after:g} ({a.by}): {a.reason}" for a in r.adjustments
    ]
    outcome = r.outcome
    return [
        r.person,
        r.member.name,
        r.member.department,
        r.member.manager,
        *scores,
        r.self_total if r.self_scores else "",
        r.total,
        band,
        "; ".join(cited),
        "; ".join(changes),
        outcome.answer.value if outcome else "",
        outcome.appeal if outcome else "",
        outcome.resolution if outcome else "",
    ]


def write_csv(columns: list[str], body: Iterator[list[Any]], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in body:
        writer.writerow([defused(c) if isinstance(c, str) else c for c in row])
        count += 1
    return count


def write_xlsx(
    templates: Templates,
    rubric: Rubric,
    zone: str,
    columns: list[str],
    body: Iterator[list[Any]],
    out: IO[bytes],
) -> int:
    book = Book(templates, rubric, zone)
    sheet = book.sheet("review", columns)
    count = 0
    for row in body:
        book.row(sheet, row)
        count += 1
    book.save(out)
    return count


def as_bytes(
    kind: str,
    templates: Templates,
    rubric: Rubric,
    zone: str,
    columns: list[str],
    body: Iterator[list[Any]],
) -> bytes:
    if kind == "csv":
        text = io.StringIO()
        write_csv(columns, body, text)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    binary = io.BytesIO()
    write_xlsx(templates, rubric, zone, columns, body, binary)
    return binary.getvalue()
