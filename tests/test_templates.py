"""Every message a user reads is in prompts/ for both locales, and every placeholder can be filled."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.core.nominations import Refusal
from bot.core.rubric import ScoringRule
from bot.words.render_text import COMPOSITE
from bot.words.templates import LOCALES, TEMPLATES, Templates, load_texts, placeholders

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"^[a-z][a-z0-9_]+$")


def keys_used_in_code() -> set[str]:
    """String literals the code hands to render() or Reply(), plus the keys built from enums."""
    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0]
            if (
                name in ("render", "Reply")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                used.add(first.value)
            if name in ("render", "Reply") and isinstance(first, ast.IfExp):
                used |= {n.value for n in (first.body, first.orelse) if isinstance(n, ast.Constant)}
    used |= {r.value for r in Refusal} | {f"scoring_{r.value}" for r in ScoringRule}
    used |= {
        "unknown_command",
        "unknown_argument",
        "cycle_reserved",
        "cycle_bad_name",
        "cycle_bad_dates",
        "cycle_exists",
    }
    return {k for k in used if KEY.match(k)} - set(COMPOSITE)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_the_code_uses_exists_in_each_locale(locale):
    missing = sorted(keys_used_in_code() - set(Templates(locale).texts))

    assert missing == []


def test_both_locales_have_the_same_keys_and_placeholders():
    zh, en = (load_texts(TEMPLATES / f"{locale}.yaml") for locale in LOCALES)

    assert sorted(zh) == sorted(en)
    assert {k: placeholders(v) for k, v in zh.items()} == {
        k: placeholders(v) for k, v in en.items()
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_placeholder_can_be_filled(locale):
    """Rendering each template with its own placeholders never raises."""
    templates = Templates(locale)
    for key, text in templates.texts.items():
        assert templates.render(key, **dict.fromkeys(placeholders(text), "x"))


def test_a_missing_placeholder_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError):
        Templates("zh").render("refusal_story_too_short")


def test_every_template_is_used_by_the_code():
    """Templates → code: a key no module renders is an orphan (the other way is checked above).
    Keys composed in code (`f"xlsx_col_{key}"`) count through their literal prefix."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (root / "bot").rglob("*.py"))
    literals = set(re.findall(r"[\"']([a-z0-9_]+)[\"']", source))
    prefixes = set(re.findall(r"f[\"']([a-z0-9_]+_)\{", source))
    for locale in ("zh", "en"):
        keys = yaml.safe_load(
            (root / "prompts" / "templates" / f"{locale}.yaml").read_text("utf-8")
        )
        orphans = sorted(
            k for k in keys if k not in literals and not any(k.startswith(p) for p in prefixes)
        )

        assert orphans == [], locale
