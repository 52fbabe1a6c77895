"""ruff's ``concise`` lines: ``path:line:col: KNL301 [error] message`` (``path:cell 4:line:col: ...`` in a notebook).

Without colour the lines are byte for byte those of the former ``text`` format (still accepted as its name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasnanlint.colour import Style
from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

PLAIN = Style(False)


def header(d: Diagnostic, style: Style = PLAIN) -> str:
    """``KNL301 [error] [*] message``: the code, severity, fix marker and message."""
    marker = ""
    if d.fix is not None:
        marker = " [" + style("fixable", "*") + "]" if d.fix.applicability == "safe" else " [unsafe fix]"
    severity = "[" + style(str(d.severity), str(d.severity)) + "]"
    return f"{style('code', d.rule)} {severity}{marker} {style('message', d.message)}"


def runtime_lines(d: Diagnostic, indent: str = "    ") -> list[str]:
    """The runtime-confirm verdict of ``d``, if it has one."""
    if d.confirmation is None:
        return []
    text = f"{indent}runtime: {d.confirmation.verdict} - {d.confirmation.evidence}"
    if d.confirmation.device:
        text += f" (on {d.confirmation.device})"
    return [text]


def line(d: Diagnostic, style: Style = PLAIN) -> str:
    """One finding as ruff's concise format prints it (plus its runtime verdict, if any)."""
    cell = f"cell {d.cell}:" if d.cell is not None else ""  # a notebook: ruff's `nb.ipynb:cell 4:7:5:`
    where = f"{style('path', d.path)}:{cell}{d.line}:{d.col}:"
    return "\n".join([f"{where} {header(d, style)}", *runtime_lines(d)])


def render(
    diagnostics: list[Diagnostic],
    sources: SourceLoader | None = None,
    settings: Settings | None = None,
    *,
    colour: bool = False,
) -> str:
    """One line per finding; the sources are not needed."""
    style = Style(colour)
    return "".join(line(d, style) + "\n" for d in diagnostics)
