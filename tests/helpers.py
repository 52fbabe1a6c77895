"""Shared test helpers: expected findings in catalogue files, running the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>KNL\d{3}(?:\s*,\s*KNL\d{3})*)")


def expected(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs marked ``# expect: KNL101`` (or several codes, comma-separated)."""
    out = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            out |= {(lineno, c.strip()) for c in m.group("codes").split(",")}
    return out


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kerasnanlint", *args],
        cwd=cwd or ROOT,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
    )


def notebook(*cells: str | tuple[str, str], language: str | None = "python", indent: int = 1) -> str:
    """A notebook's JSON text as Jupyter writes it: one code cell per string, ("markdown", text) for others."""
    import json

    entries = []
    for i, cell in enumerate(cells):
        kind, source = cell if isinstance(cell, tuple) else ("code", cell)
        entry: dict[str, object] = {"cell_type": kind, "id": f"cell-{i}", "metadata": {}}
        if kind == "code":
            entry |= {"execution_count": None, "outputs": []}
        entry["source"] = source.splitlines(keepends=True)
        entries.append(entry)
    metadata: dict[str, object] = {}
    if language is not None:
        metadata["kernelspec"] = {"display_name": language, "language": language, "name": language}
    data = {"cells": entries, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
