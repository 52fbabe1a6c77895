"""ruff-style lines: ``path:line:col: KNL301 [error] message``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from kerasnanlint.source import SourceLoader


def line(d: Diagnostic) -> str:
    """One finding as ruff prints it (plus its runtime verdict, if any)."""
    marker = ""
    if d.fix is not None:
        marker = " [*]" if d.fix.applicability == "safe" else " [unsafe fix]"
    text = f"{d.path}:{d.line}:{d.col}: {d.rule} [{d.severity}]{marker} {d.message}"
    if d.confirmation is not None:
        text += f"\n    runtime: {d.confirmation.verdict} - {d.confirmation.evidence}"
        if d.confirmation.device:
            text += f" (on {d.confirmation.device})"
    return text


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None) -> str:
    """One line per finding; the sources are not needed."""
    return "".join(line(d) + "\n" for d in diagnostics)
