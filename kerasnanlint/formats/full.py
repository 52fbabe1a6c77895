"""ruff's ``full`` output: each finding's header, its place, the source line with carets under the span, its help.

```
KNL107 [warning] [*] Comparison with NaN is always False
 --> bad.py:6:7
  |
4 |
5 | def clean(y):
6 |     y[y == np.nan] = 0.0
  |       ^^^^^^^^^^^
7 |     return y
  |
help: NaN is unequal to every value, itself included; use `np.isnan(y)` (`tf.math.is_nan`/...)
fix: Use `np.isnan()`
```

Lines and columns count as everywhere else (1-based, code points, in a notebook within the cell); the snippet
shows tabs as 4 spaces, wide characters as 2 columns and control characters as their visible symbols, so the
carets sit under the span whatever the terminal. A multi-line span gets carets to the end of its first line. A
finding whose source cannot be read (standard input, a deleted or binary file) is shown without a snippet.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from kerasnanlint.colour import Style
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.formats import finding_lines
from kerasnanlint.formats.text import header, runtime_lines
from kerasnanlint.source import Sources

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

CONTEXT = 2  # source lines shown before and after the flagged one, as ruff does
TAB = "    "


def _char(ch: str) -> tuple[str, int]:
    """One source character as shown, and the terminal columns it takes."""
    if ch == "\t":
        return TAB, len(TAB)
    if ord(ch) < 0x20 or ord(ch) == 0x7F:  # an ESC in the source must not drive the terminal
        return chr(0x2400 + ord(ch)) if ord(ch) < 0x20 else "\u2421", 1
    if unicodedata.combining(ch):
        return ch, 0
    return ch, 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def shown(text: str) -> tuple[str, list[int]]:
    """A line as shown, and the display column where each of its code points starts (plus one past its end)."""
    parts: list[str] = []
    starts = [0]
    for ch in text:
        part, width = _char(ch)
        parts.append(part)
        starts.append(starts[-1] + width)
    return "".join(parts), starts


def carets(text: str, col: int, end_col: int | None) -> tuple[int, int]:
    """Display offset and count of the carets under code points ``col`` .. ``end_col`` (1-based, exclusive end;
    None: to the end of the line); at least one caret, after the text when the span starts past its end."""
    _, starts = shown(text)
    first = min(max(col, 1), len(text) + 1) - 1
    last = len(text) if end_col is None else min(max(end_col - 1, first), len(text))
    return starts[first], max(starts[last] - starts[first], 1)


def snippet(d: Diagnostic, lines: tuple[str, ...] | list[str], style: Style) -> list[str]:
    """The gutter, the source lines around the finding's first line and the carets under its span."""
    if not 0 < d.line <= len(lines):
        return []
    first, last = max(d.line - CONTEXT, 1), min(d.line + CONTEXT, len(lines))
    width = len(str(last))
    bar = style("gutter", " " * width + " |")
    out = [bar]
    for number in range(first, last + 1):
        text, _ = shown(lines[number - 1])
        out.append((style("gutter", f"{number:>{width}} |") + (" " + text if text else "")).rstrip())
        if number == d.line:
            offset, count = carets(lines[number - 1], d.col, d.end_col if d.end_line == d.line else None)
            out.append(bar + " " + " " * offset + style("carets", "^" * count))
    out.append(bar)
    return out


def block(d: Diagnostic, sources: SourceLoader, style: Style) -> str:
    """One finding: header, location, snippet, help, fix and runtime verdict, then a blank line."""
    lines = finding_lines(d, sources)
    width = len(str(min(d.line + CONTEXT, len(lines)))) if 0 < d.line <= len(lines) else 1
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    out = [header(d, style), " " * width + style("gutter", "-->") + f" {d.path}:{cell}{d.line}:{d.col}"]
    out += snippet(d, lines, style)
    if d.help:
        out.append(style("help", "help") + style("message", ": " + d.help))
    if d.fix is not None:
        unsafe = " (unsafe: applied with --fix --unsafe-fixes)" if d.fix.applicability == "unsafe" else ""
        out.append(style("help", "fix") + f": {d.fix.title}{unsafe}")
    out += runtime_lines(d, "")
    return "\n".join(out) + "\n\n"


def render(
    diagnostics: list[Diagnostic],
    sources: SourceLoader | None = None,
    settings: Settings | None = None,
    *,
    colour: bool = False,
) -> str:
    """Every finding as a block; ``colour`` adds ruff's ANSI colours (the CLI decides, see kerasnanlint/colour.py)."""
    sources = sources or Sources()
    style = Style(colour)
    return "".join(block(d, sources, style) for d in diagnostics)
