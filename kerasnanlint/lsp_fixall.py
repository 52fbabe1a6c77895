"""Fix all: one open document's safe fixes as a single LSP text edit (the ``source.fixAll.kerasnanlint`` code
action and fix-all-on-save).

The fixing is the command line's ``--fix`` (kerasnanlint/fix.py: rounds, re-lint, fixes that break the file
dropped) on the editor's text; only the lines that changed are replaced, so the cursor and folds elsewhere stay.
"""

from __future__ import annotations

from typing import Any

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.fix import allowed, fix_text
from kerasnanlint.formats.lsp import encoded_column
from kerasnanlint.source import NEWLINE


def _lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends, split where LSP splits them (\\n, \\r\\n, \\r only)."""
    out, start = [], 0
    for m in NEWLINE.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def line_edit(old: str, new: str, encoding: str = "utf-16") -> dict[str, Any] | None:
    """An LSP TextEdit (JSON form) turning ``old`` into ``new`` by replacing the lines between their common
    first and last lines; None when they are equal."""
    if old == new:
        return None
    a, b = _lines(old), _lines(new)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    end_line = len(a) - tail
    if tail == 0 and a and not NEWLINE.search(a[-1]):  # an unterminated last line: end at its end
        end = {"line": len(a) - 1, "character": encoded_column(a[-1], len(a[-1]), encoding)}
    else:
        end = {"line": end_line, "character": 0}
    return {"range": {"start": {"line": head, "character": 0}, "end": end}, "newText": "".join(b[head : len(b) - tail])}


def fix_all(
    text: str, diagnostics: list[Diagnostic], settings: Settings, path: str, encoding: str = "utf-16"
) -> dict[str, Any] | None:
    """The edit applying every safe fix of the document (``diagnostics``: its findings in ``text``), or None
    when there is none to apply."""
    if not any(allowed(d.fix, unsafe=False) for d in diagnostics):
        return None
    result = fix_text(text, diagnostics, settings, path=path)
    return line_edit(text, result.text, encoding)
