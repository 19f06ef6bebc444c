"""A local durable spool: messages acknowledged to a platform before they could be stored.

DingTalk's Stream mode takes an acknowledgement per frame; when the database is away the bot
acknowledges anyway (the socket would otherwise stall) and keeps the frame here, one JSON
file per message, written to a temporary name, flushed to disk and renamed into place. A file
is removed only once its message is stored; whatever is left is replayed on the next start,
so a process killed during a database outage loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Spool:
    """One JSON file per message acknowledged but not yet stored, written atomically and
    removed once the message is in; replayed at the next start.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def keep(self, key: str, payload: dict[str, Any]) -> None:
        """Keep `payload` on disk under `key` (a message id) until `done(key)`."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        final = self._path(key)
        temporary = final.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # the rename itself survives a crash
        finally:
            os.close(descriptor)

    def done(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def waiting(self) -> Iterator[dict[str, Any]]:
        """Every kept payload, oldest first; unreadable files are set aside, not lost."""
        if not self.directory.is_dir():
            return
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for path in files:
            try:
                payload = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.error("spool: %s cannot be read; renamed to .bad for a person to look at", path)
                path.rename(path.with_suffix(".bad"))
                continue
            if isinstance(payload, dict):
                yield payload

    def __len__(self) -> int:
        return len(list(self.directory.glob("*.json"))) if self.directory.is_dir() else 0
