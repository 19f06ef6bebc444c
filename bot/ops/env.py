"""Reading settings from a mapping of environment variables, noting every problem instead of
stopping at the first: the core settings (bot.config) and each platform's own section use it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_PLACEHOLDER = re.compile(r"\.\.\.|…|<|>|your|changeme|placeholder|todo|x{6,}", re.IGNORECASE)


def looks_real(value: str, prefix: str = "") -> bool:
    """A credential that is set, has the expected prefix, and is not a copied placeholder."""
    return (
        len(value) > len(prefix) + 6 and value.startswith(prefix) and not _PLACEHOLDER.search(value)
    )


class Reader:
    """Reads settings, noting each problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, "").strip() or default

    def number(self, name: str, default: int, low: int) -> int:
        raw = self.environ.get(name, str(default))
        if not raw.isdigit() or int(raw) < low:
            self.problems.append(f"{name} should be a whole number of at least {low}, not {raw!r}")
            return default
        return int(raw)

    def choice(
        self, name: str, default: str, allowed: tuple[str, ...], *, case: Callable[[str], str] = str
    ) -> str:
        """One of `allowed`, after `case` (str.upper for LOG_LEVEL: `debug` is DEBUG)."""
        value = case(self.text(name, default))
        if value not in allowed:
            self.problems.append(f"{name} should be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value

    def address(self, name: str, example: str) -> str:
        value = self.text(name)
        if value.isdigit() and name == "BOT_ADMIN_PORT":
            value = f"0.0.0.0:{value}"
        if value.isdigit() and name == "BOT_WEB_PORT":  # the web app: this machine only
            value = f"127.0.0.1:{value}"
        if value and not re.match(r"^[\w.\-\[\]:]*:\d{1,5}$", value):
            self.problems.append(f"{name} should be HOST:PORT (e.g. {example}), not {value!r}")
        return value

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default)
        if not re.match(r"^https?://[^/\s]+", value):
            self.problems.append(f"{name} should be an http(s) URL, not {value!r}")
        return value
