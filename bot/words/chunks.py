"""Splitting long answers into messages a platform accepts: greedy, on line boundaries, never cut
unless one line alone is over the limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def fill(
    items: Iterable[str],
    limit: int,
    *,
    sep: str,
    measure: Callable[[str], int] = len,
    cut: Callable[[str, int], str] = lambda text, limit: text[:limit],
) -> list[str]:
    """Join `items` with `sep` into as few chunks as stay within `limit` (by `measure`).

    An item over the limit on its own is sliced with `cut` (the longest prefix within a limit).
    """
    chunks: list[str] = []
    current: str | None = None
    for item in items:
        while measure(item) > limit:
            head = cut(item, limit) or item[:1]
            if current is not None:
                chunks.append(current)
                current = None
            chunks.append(head)
            item = item[len(head) :]
        if current is None:
            current = item
        elif measure(current + sep + item) > limit:
            chunks.append(current)
            current = item
        else:
            current = current + sep + item
    if current is not None:
        chunks.append(current)
    return chunks
