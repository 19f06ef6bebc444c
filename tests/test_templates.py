"""Every message a user reads is in prompts/ for both locales, and every placeholder can be filled."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.core.appraisal import Needs
from bot.core.calibration import Why
from bot.core.nominations import Refusal
from bot.core.rubric import ScoringRule
from bot.words.render_text import COMPOSITE
from bot.words.templates import (
    LOCALES,
    Templates,
    load_locale,
    load_texts,
    locale_files,
    placeholders,
)

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
    for page in (ROOT / "bot" / "web" / "templates").glob("*.html"):  # the web app's t('key')
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'[,)]", page.read_text(encoding="utf-8")))
    used |= {r.value for r in Refusal} | {f"scoring_{r.value}" for r in ScoringRule}
    used |= {n.value for n in Needs} | {w.value for w in Why}
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


def test_both_locales_have_the_same_files_keys_and_placeholders():
    zh, en = (locale_files(locale) for locale in LOCALES)

    assert sorted(zh) == sorted(en)
    for audience in zh:
        zh_texts, en_texts = load_texts(zh[audience]), load_texts(en[audience])
        assert sorted(zh_texts) == sorted(en_texts), audience
        assert {k: placeholders(v) for k, v in zh_texts.items()} == {
            k: placeholders(v) for k, v in en_texts.items()
        }, audience


def test_templates_are_split_by_audience_core_cli_and_one_file_per_platform():
    from bot.platforms.registry import PLATFORMS

    assert sorted(locale_files("en")) == sorted({"core", "cli", "web", *PLATFORMS})


@pytest.mark.parametrize("platform", ["console", "slack", "dingtalk"])
def test_a_platform_s_words_are_in_its_file_and_used_only_by_its_package(platform):
    """Its keys carry its name, no other file has a key with its name, and no module outside
    bot/platforms/<name>/ renders them: removing a platform removes its words with it."""
    own = load_texts(locale_files("en")[platform])
    others = {
        key
        for audience, path in locale_files("en").items()
        if audience != platform
        for key in load_texts(path)
    }
    outside = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "bot").rglob("*.py")
        if not p.is_relative_to(ROOT / "bot" / "platforms" / platform)
    )

    assert own and all(key.startswith(f"{platform}_") for key in own)
    assert not [key for key in others if key.startswith(f"{platform}_")]
    assert [key for key in own if re.search(rf"[\"']{key}[\"']", outside)] == []


def test_a_key_defined_in_two_files_is_refused(tmp_path):
    (tmp_path / "core.en.yaml").write_text('hello: "Hello"\n', encoding="utf-8")
    (tmp_path / "cli.en.yaml").write_text('hello: "Hi"\n', encoding="utf-8")

    with pytest.raises(ValueError, match="'hello' is defined in cli.en.yaml too"):
        load_locale("en", tmp_path)


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

    root = Path(__file__).resolve().parents[1]
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for pattern in ("*.py", "*.html")
        for p in (root / "bot").rglob(pattern)
    )
    literals = set(re.findall(r"[\"']([a-z0-9_]+)[\"']", source))
    prefixes = set(re.findall(r"f[\"']([a-z0-9_]+_)\{", source))
    prefixes |= set(re.findall(r"'([a-z0-9_]+_)' ~", source))  # Jinja: t('web_star_' ~ part)
    for locale in ("zh", "en"):
        keys = load_locale(locale)
        orphans = sorted(
            k for k in keys if k not in literals and not any(k.startswith(p) for p in prefixes)
        )

        assert orphans == [], locale
