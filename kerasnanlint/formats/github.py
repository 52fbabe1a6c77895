"""GitHub Actions workflow commands: ``::error file=..,line=..::message``. ``file`` is relative to the repository
root, whatever folder the step runs in: GitHub drops an annotation whose file it cannot find from there.

In a notebook, line and columns count within the code cell, which the title and the message name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats.repo_paths import RepoPaths

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """One workflow command per finding; the sources are not needed."""
    paths = RepoPaths.of(settings)
    out = []
    for d in diagnostics:
        props = ",".join(
            [
                f"file={_escape_property(paths.display(d.path))}",
                f"line={d.line}",
                f"endLine={d.end_line}",
                f"col={d.col}",
                f"endColumn={d.end_col}",
                f"title={_escape_property(f'{d.rule} {d.name}' + (f' (cell {d.cell})' if d.cell else ''))}",
            ]
        )
        message = f"{d.rule} {d.message}"
        if d.cell is not None:  # line and columns count within this cell of the notebook
            message = f"cell {d.cell}, line {d.line}, column {d.col}: {message}"
        if d.confirmation is not None:
            message += f"\nruntime: {d.confirmation.verdict} - {d.confirmation.evidence}"
        out.append(f"::{_LEVEL[d.severity]} {props}::{_escape_data(message)}\n")
    return "".join(out)
