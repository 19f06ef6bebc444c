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
