"""ruff-style lines: ``path:line:col: KNL301 [error] message`` (``path:cell 4:line:col: ...`` in a notebook)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader


def line(d: Diagnostic) -> str:
    """One finding as ruff prints it (plus its runtime verdict, if any)."""
    marker = ""
    if d.fix is not None:
        marker = " [*]" if d.fix.applicability == "safe" else " [unsafe fix]"
    cell = f"cell {d.cell}:" if d.cell is not None else ""  # a notebook: ruff's `nb.ipynb:cell 4:7:5:`
    text = f"{d.path}:{cell}{d.line}:{d.col}: {d.rule} [{d.severity}]{marker} {d.message}"
    if d.confirmation is not None:
        text += f"\n    runtime: {d.confirmation.verdict} - {d.confirmation.evidence}"
        if d.confirmation.device:
            text += f" (on {d.confirmation.device})"
    return text


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """One line per finding; the sources are not needed."""
    return "".join(line(d) + "\n" for d in diagnostics)
