"""Structure the design asks for, asserted rather than hoped for."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "bot" / "core"


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_core_imports_only_the_standard_library_and_itself():
    """bot/core never imports a platform SDK, the ORM, storage or the network."""
    bad = [
        (path.name, module)
        for path in CORE.glob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names and not module.startswith("bot.core")
    ]

    assert bad == []


def test_only_storage_writes_sql():
    """Outside storage/, no module imports SQLAlchemy or SQLModel."""
    bad = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "bot").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in ("sqlalchemy", "sqlmodel")
    ]

    assert bad == []


def test_only_config_reads_the_environment():
    """Settings are read once, in bot/config.py (and the CLI hands os.environ to it)."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv" in path.read_text(encoding="utf-8")
    )

    assert readers == ["bot/cli/__init__.py"]


LAYERS = {"core": 0, "words": 1, "ops": 2, "app": 3, "platforms": 4, "web": 4}  # above: cli, …


def _layer(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "bot").parts
    return parts[0] if len(parts) > 1 and parts[0] in LAYERS else None


def test_the_layers_of_bot_import_only_downward():
    """core ← words ← ops ← app ← platforms ← {cli, config, wiring}: no layer imports one above."""
    upward = set()
    for path in (ROOT / "bot").rglob("*.py"):
        layer = _layer(path)
        if layer is None:
            continue
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != "bot" or len(parts) < 2:
                continue
            if LAYERS.get(parts[1], 99) > LAYERS[layer]:
                upward.add((str(path.relative_to(ROOT)), module))

    assert upward == set()


def test_words_and_ops_never_touch_storage():
    """Only the application layer (and the composition root) reads the repository."""
    bad = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "bot").rglob("*.py")
        if _layer(path) in ("core", "words", "ops")
        for module in imported_modules(path)
        if module.split(".")[0] == "storage"
    ]

    assert bad == []


def test_platforms_and_the_web_app_import_no_storage():
    """Adapters reach data through the chat service, and the web app through the reading
    service (`Insights`), never the repository."""
    bad = {
        (str(path.relative_to(ROOT)), module)
        for folder in ("platforms", "web")
        for path in (ROOT / "bot" / folder).rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "storage"
    }

    assert bad == set()


def _platform_words(path: Path) -> bool:
    """Whether a module's code (names and strings, not comments) names a platform."""
    import io
    import re
    import tokenize

    names = re.compile(r"slack|dingtalk|console", re.IGNORECASE)
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return any(
        t.type in (tokenize.NAME, tokenize.STRING) and names.search(t.string) for t in tokens
    )


def test_platform_names_live_in_their_packages_and_the_registry():
    """A platform is one package under bot/platforms/ plus a line in the registry."""
    naming = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if not path.is_relative_to(ROOT / "bot" / "platforms") and _platform_words(path)
    }

    assert naming == set()


def test_every_registered_platform_is_a_package_of_its_own_name():
    from bot.platforms.registry import PLATFORMS

    assert sorted(PLATFORMS) == ["console", "dingtalk", "slack"]
    for name, platform in PLATFORMS.items():
        assert platform.name == name
        assert (ROOT / "bot" / "platforms" / name / "__init__.py").is_file()


def test_the_cli_takes_its_platforms_and_their_examples_from_the_registry():
    import argparse

    import pytest

    from bot.cli import build_parser
    from bot.cli.governance import person_arg
    from bot.platforms.registry import PLATFORMS

    for platform in PLATFORMS.values():
        assert person_arg(platform.person(platform.person_example))
    with pytest.raises(argparse.ArgumentTypeError, match="dingtalk:manager4711"):
        person_arg("feishu:ou_123")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["post", "--platform", "feishu", "--channel", "c1"])


def test_storage_hands_out_domain_values_not_rows():
    """No public method of storage returns a SQLModel table row: the service sees bot.core
    records only (a row would carry the ORM, and lazy loads, into the application)."""
    import storage.tables as tables

    table_classes = {
        name
        for name, value in vars(tables).items()
        if isinstance(value, type) and name.endswith("Row")
    }
    leaking = []
    for path in (ROOT / "storage").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            returned = ast.unparse(node.returns) if node.returns else ""
            named = (
                {n.id for n in ast.walk(node.returns) if isinstance(n, ast.Name)}
                if node.returns
                else set()
            )
            if named & table_classes:
                leaking.append((str(path.relative_to(ROOT)), node.name, returned))

    assert table_classes and leaking == []


def test_every_big_class_says_what_it_is():
    """A class of 40 lines or more in bot/ or storage/ opens with a docstring."""
    bare = [
        (str(path.relative_to(ROOT)), node.name)
        for top in ("bot", "storage")
        for path in (ROOT / top).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and (node.end_lineno or node.lineno) - node.lineno >= 40
        and not ast.get_docstring(node)
    ]

    assert bare == []


def test_no_function_over_50_lines_and_the_platform_bots_stay_small():
    """The pipeline is written once: a platform's started bot is wiring, under 120 lines."""
    long_functions, bots = [], {}
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            size = (getattr(node, "end_lineno", 0) or 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and size > 50:
                long_functions.append((str(path.relative_to(ROOT)), node.name, size))
            if isinstance(node, ast.ClassDef) and node.name in ("SlackBot", "DingTalkBot"):
                bots[node.name] = size

    assert long_functions == []
    assert sorted(bots) == ["DingTalkBot", "SlackBot"] and max(bots.values()) < 120
