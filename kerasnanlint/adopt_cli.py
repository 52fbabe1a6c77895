"""The command line's adoption flags (ruff's names): ``--show-settings``, ``--show-files``, ``--show-fixes``,
``--add-noqa`` and ``--watch``. Their work is done in kerasnanlint/show.py, noqa_add.py and watch.py; cli.py only
calls in here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerasnanlint.config import Settings


def add_adoption_arguments(p: argparse.ArgumentParser) -> None:
    """``check``'s (and ``confirm``'s) adoption flags."""
    p.add_argument("--show-settings", action="store_true", help="print the resolved settings and where they come from")
    p.add_argument("--show-files", action="store_true", help="print the files that would be linted, and exit")
    p.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) or available")
    p.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding")
    p.add_argument("--watch", action="store_true", help="lint again whenever a file changes (needs the watch extra)")


def show_instead(args: argparse.Namespace, anchor: Path, settings: Settings) -> int | None:
    """The exit code of ``--show-settings`` / ``--show-files``, which print instead of linting; None otherwise."""
    if args.show_settings:
        from kerasnanlint.show import show_settings

        show_settings(anchor, settings, sys.stdout)
        return 0
    if args.show_files:
        from kerasnanlint.show import show_files

        show_files([p for p in args.paths if str(p) != "-"], settings, sys.stdout)
        return 0
    return None
