"""The `values-bot` command: answers --version at once, then loads the rest."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot import __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"values-bot {__version__}")
        return 0
    from bot.cli import main as run

    return run(argv)
