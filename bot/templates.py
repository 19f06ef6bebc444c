"""Message templates from prompts/templates/<locale>.yaml, filled with string.Template."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

import yaml

from bot.packs import PROMPTS

TEMPLATES = PROMPTS / "templates"
LOCALES = ("zh", "en")


class Templates:
    def __init__(self, locale: str = "zh", directory: Path = TEMPLATES) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
        self.locale = locale
        self.texts: dict[str, str] = load_texts(directory / f"{locale}.yaml")

    def render(self, key: str, **context: Any) -> str:
        """The text for `key` with every placeholder filled; a missing one raises KeyError."""
        return Template(self.texts[key]).substitute({k: str(v) for k, v in context.items()})


def load_texts(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of template keys to texts")
    return {str(k): str(v) for k, v in data.items()}


def placeholders(text: str) -> set[str]:
    return set(Template(text).get_identifiers())
