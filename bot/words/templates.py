"""Message templates, filled with string.Template.

They live in prompts/templates/, one file per audience and locale (`<audience>.<locale>.yaml`):
`core` (what every platform says), `cli` (what the command line prints), and one file per
platform, named after it (its own words, each key prefixed with its name).
A locale is all of its files together; a key defined twice is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from string import Template
from typing import Any

import yaml

from bot.words.packs import PROMPTS

TEMPLATES = PROMPTS / "templates"
_PLURAL = re.compile(r"\[\[(\w+):([^|\]]*)\|([^\]]*)\]\]")
LOCALES = ("zh", "en")


class Templates:
    def __init__(self, locale: str = "zh", directory: Path = TEMPLATES) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
        self.locale = locale
        self.texts: dict[str, str] = load_locale(locale, directory)

    def render(self, key: str, **context: Any) -> str:
        """The text for `key` with every placeholder filled; a missing one raises KeyError."""
        return Template(self.text(key, context)).substitute({k: str(v) for k, v in context.items()})

    def text(self, key: str, context: dict[str, Any]) -> str:
        """The raw template, its plurals chosen: `[[count:case|cases]]` is "case" when the
        context's `count` is 1, else "cases" (English needs it; Chinese has no plurals)."""
        return _PLURAL.sub(lambda m: m[2] if str(context[m[1]]) == "1" else m[3], self.texts[key])


class Safe(str):
    """Text already fit for the markup it goes into: a rendered template, a platform mention,
    or the rubric's own words. Everything else put into a template is escaped."""


class Markup:
    """Templates for one markup (a platform's own markdown): every value filled into a
    template is escaped with `escape` unless it is `Safe`, so no call site can forget; what
    comes out is `Safe`."""

    def __init__(self, templates: Templates, escape: Callable[[str], str]) -> None:
        self.templates, self.escape = templates, escape
        self.locale = templates.locale

    def render(self, key: str, **context: Any) -> Safe:
        filled = {k: v if isinstance(v, Safe) else self.escape(str(v)) for k, v in context.items()}
        return Safe(Template(self.templates.text(key, context)).substitute(filled))


def safe_join(separator: str, parts: Any) -> Safe:
    """Join parts that are each Safe (or made so by the caller) into Safe text."""
    return Safe(separator.join(parts))


def locale_files(locale: str, directory: Path = TEMPLATES) -> dict[str, Path]:
    """audience → its file for `locale`."""
    suffix = f".{locale}.yaml"
    return {p.name.removesuffix(suffix): p for p in sorted(directory.glob(f"*{suffix}"))}


def load_locale(locale: str, directory: Path = TEMPLATES) -> dict[str, str]:
    """Every file of `locale` together; a key in two files is refused, naming both."""
    texts: dict[str, str] = {}
    home: dict[str, str] = {}
    for path in locale_files(locale, directory).values():
        for key, text in load_texts(path).items():
            if key in home:
                raise ValueError(f"{path}: {key!r} is defined in {home[key]} too")
            texts[key], home[key] = text, path.name
    if not texts:
        raise ValueError(f"no templates for locale {locale!r} in {directory}")
    return texts


def load_texts(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of template keys to texts")
    return {str(k): str(v) for k, v in data.items()}


def placeholders(text: str) -> set[str]:
    return set(Template(text).get_identifiers())
