"""ruff-style lines: ``path:line:col: KNL301 [error] message``."""

from __future__ import annotations

from kerasnanlint.diagnostics import Diagnostic


def line(d: Diagnostic) -> str:
    marker = ""
    if d.fix is not None:
        marker = " [*]" if d.fix.applicability == "safe" else " [unsafe fix]"
    text = f"{d.path}:{d.line}:{d.col}: {d.rule} [{d.severity}]{marker} {d.message}"
    if d.confirmation is not None:
        text += f"\n    runtime: {d.confirmation.verdict} - {d.confirmation.evidence}"
        if d.confirmation.device:
            text += f" (on {d.confirmation.device})"
    return text


def render(diagnostics: list[Diagnostic]) -> str:
    return "".join(line(d) + "\n" for d in diagnostics)
