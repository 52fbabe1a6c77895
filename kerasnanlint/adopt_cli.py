"""The command line's adoption flags (ruff's names): ``--show-settings``, ``--show-files``, ``--show-fixes``,
``--add-noqa`` and ``--watch``. Their work is done in kerasnanlint/show.py, noqa_add.py and watch.py; cli.py only
calls in here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.diagnostics import Diagnostic


def add_adoption_arguments(p: argparse.ArgumentParser) -> None:
    """``check``'s (and ``confirm``'s) adoption flags."""
    p.add_argument("--show-settings", action="store_true", help="print the resolved settings and where they come from")
    p.add_argument("--show-files", action="store_true", help="print the files that would be linted, and exit")
    p.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) or available")
    p.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding")
    p.add_argument("--watch", action="store_true", help="lint again whenever a file changes (needs the watch extra)")


def instead_of_lint(args: argparse.Namespace, anchor: Path, settings: Settings) -> int | None:
    """The exit code of the flags that replace the usual lint and report (``--show-settings``, ``--show-files``,
    ``--add-noqa``); None when none of them is given."""
    if args.show_settings:
        from kerasnanlint.show import show_settings

        show_settings(anchor, settings, sys.stdout)
        return 0
    if args.show_files:
        from kerasnanlint.show import show_files

        show_files([p for p in args.paths if str(p) != "-"], settings, sys.stdout)
        return 0
    if args.add_noqa:
        return _add_noqa(args, settings)
    return None


def _add_noqa(args: argparse.Namespace, settings: Settings) -> int:
    """``--add-noqa``: exit 0, or 1 when a file could not be written (ruff's codes)."""
    from kerasnanlint.cli import UsageError

    if any(str(p) == "-" for p in args.paths):
        raise UsageError("--add-noqa edits files; it cannot be used with standard input")
    if args.command == "confirm" or getattr(args, "confirm", False):
        raise UsageError("--add-noqa cannot be combined with runtime-confirm")
    clash = [flag for flag in ("fix", "diff", "watch") if getattr(args, flag)]
    if clash:
        raise UsageError(f"--add-noqa cannot be combined with --{clash[0]}")
    from kerasnanlint.noqa_add import add_noqa
    from kerasnanlint.runner import lint_paths

    result = lint_paths(args.paths, settings, jobs=args.jobs, use_cache=not args.no_cache)
    run = add_noqa(result.diagnostics, result.digests)
    for message in [*result.notes, *run.messages]:
        print(f"kerasnanlint: {message}", file=sys.stderr)
    print(f"Added {run.added} noqa directive{'' if run.added == 1 else 's'}.", file=sys.stderr)
    return 1 if run.failed else 0


def show_fixes(
    applied: dict[str, list[str]] | None, diagnostics: list[Diagnostic], out: TextIO, *, unsafe: bool
) -> None:
    """``--show-fixes``: the fixes ``--fix`` applied (``applied``), or without --fix (None) those available."""
    from kerasnanlint.show import print_fixes

    if applied is not None:
        print_fixes(applied, "Fixed", "No fixes applied.", out)
        return
    from kerasnanlint.fix import allowed

    available: dict[str, list[str]] = {}
    for d in diagnostics:
        if allowed(d.fix, unsafe):
            available.setdefault(d.path, []).append(d.rule)
    print_fixes(available, "Fixes available for", "No fixes available.", out)


def watch_instead(args: argparse.Namespace, run: Callable[[], int]) -> int:
    """``--watch``: ``run`` (one ordinary ``check`` run) now and after every change (kerasnanlint/watch.py)."""
    from kerasnanlint.cli import UsageError

    if args.command == "confirm" or getattr(args, "confirm", False):
        raise UsageError("--watch cannot be combined with runtime-confirm (it runs your code)")
    if any(str(p) == "-" for p in args.paths) or (not args.paths and args.stdin_filename):
        raise UsageError("--watch lints files; it cannot be used with standard input")
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise UsageError("--watch needs the watch extra (watchfiles): pip install 'kerasnanlint[watch]'") from None
    from kerasnanlint.watch import watch

    return watch(list(args.paths) or [Path(".")], run, UsageError)
