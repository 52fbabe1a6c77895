"""``--watch``: lint, then lint again whenever a watched file changes (watchfiles, the ``watch`` extra), as ruff's
``check --watch`` does. Each run is a whole ordinary run (settings re-read, the cache makes unchanged files
cheap); a configuration error after the first run is printed and the watch goes on."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

# What a change must touch to re-lint: the files linted by default, and what changes which files and settings.
_SUFFIXES = (".py", ".pyi", ".ipynb")
_NAMES = ("pyproject.toml", ".gitignore", "requirements.txt")
# Written by the runs themselves (our cache, --fix's temporary copies): never a reason to re-lint.
_OWN_DIRS = (".kerasnanlint_cache", ".ruff_cache")


def watch(paths: list[Path], run: Callable[[], int], error: type[Exception]) -> int:
    """Run ``run`` now and after every change under ``paths`` until interrupted. ``error`` is the exception of a
    bad command line or configuration: it ends the watch on the first run (exit code 2), later it is printed.
    Raises ModuleNotFoundError naming watchfiles when the extra is missing."""
    import watchfiles

    class _Filter(watchfiles.DefaultFilter):
        ignore_dirs = (*watchfiles.DefaultFilter.ignore_dirs, *_OWN_DIRS)

        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            name = Path(path).name
            return (name.endswith(_SUFFIXES) or name in _NAMES) and super().__call__(change, path)

    _status("Starting linter in watch mode...")
    folders = sorted({str(p if p.is_dir() else p.parent) for p in paths})  # an editor replaces a file on save
    # The first run waits for the watcher's first (empty) wake-up: by then it is watching, so a change made
    # during any run, the first included, is seen and linted next.
    first = True
    for changes in watchfiles.watch(
        *folders, watch_filter=_Filter(), debounce=300, rust_timeout=100, yield_on_timeout=True, raise_interrupt=False
    ):
        if not changes and not first:
            continue
        if not first:
            _status("File change detected...")
        try:
            run()
        except error as exc:
            if first:
                raise
            print(f"kerasnanlint: error: {exc}", file=sys.stderr)
        first = False
        sys.stdout.flush()
    return 0


def _status(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
