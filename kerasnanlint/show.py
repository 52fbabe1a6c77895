"""``--show-settings`` and ``--show-files``: what a run would use, printed instead of linting (as ruff's flags)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from kerasnanlint.config import KEYS, Settings
from kerasnanlint.diagnostics import Severity


def show_files(paths: Iterable[Path], settings: Settings, out: TextIO) -> int:
    """Print the files a run over ``paths`` would lint (excludes, includes and .gitignore applied), sorted, one
    per line, as findings name them; returns how many."""
    from kerasnanlint.files import discover
    from kerasnanlint.runner import display_path

    shown = sorted({display_path(p) for p in discover(list(paths), settings)})
    for name in shown:
        print(name, file=out)
    return len(shown)


def show_settings(anchor: Path, settings: Settings, out: TextIO) -> None:
    """Print the settings resolved for ``anchor`` (the configuration file with the command-line flags applied):
    every key of ``[tool.kerasnanlint]``, and the file they came from (or "defaults")."""
    print(f"Resolved settings for: {json.dumps(str(anchor))}", file=out)
    source = str(settings.config_file) if settings.config_file is not None else "defaults (no pyproject.toml found)"
    print(f"Settings path: {source}", file=out)
    print(f"Project root: {settings.root}", file=out)
    print("", file=out)
    print("[tool.kerasnanlint]", file=out)
    for key in KEYS:
        if key != "thresholds":
            value = getattr(settings, key.replace("-", "_"), None)
            if value is None:  # TOML has no null: an unset key (target-keras) is a comment
                print(f"# {key} is not set", file=out)
            else:
                print(f"{key} = {_table(value) if key in _TABLES else _toml(value)}", file=out)
    print("", file=out)
    print("[tool.kerasnanlint.thresholds]", file=out)
    for key, value in settings.thresholds:
        print(f"{key} = {_toml(value)}", file=out)


_TABLES = ("per-file-ignores", "severity")  # keys whose value is a TOML table (pairs in Settings)


def _table(pairs: tuple[tuple[str, object], ...]) -> str:
    return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in pairs) + " }" if pairs else "{}"


def _toml(value: object) -> str:
    """A resolved value as TOML writes it."""
    if isinstance(value, Severity):
        return json.dumps(str(value))
    if isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


def print_fixes(by_path: dict[str, list[str]], verb: str, none: str, out: TextIO) -> None:
    """A list of fixes as ruff's ``--show-fixes`` prints it: ``Fixed 2 findings:``, then per file
    ``- path:`` and ``    1 × KNL401 (linear-wide-learning-rate)`` per rule."""
    from kerasnanlint.registry import rule

    total = sum(len(rules) for rules in by_path.values())
    print("", file=out)
    if not total:
        print(none, file=out)
        return
    print(f"{verb} {total} finding{'' if total == 1 else 's'}:", file=out)
    for path in sorted(by_path):
        print(f"- {path}:", file=out)
        for code, n in sorted(Counter(by_path[path]).items()):
            print(f"    {n} \u00d7 {code} ({rule(code).name})", file=out)
