"""LSP ``Diagnostic`` objects keyed by document URI: 0-based lines, UTF-16 columns.

``to_lsp`` and ``lsp_range`` are shared with the Language Server (kerasnanlint/lsp.py), which may have
negotiated another position encoding with its client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kerasnanlint.catalog import rule_url
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats import finding_lines
from kerasnanlint.source import Sources

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}
Lines = tuple[str, ...] | list[str]


def utf16_column(line_text: str, col0: int) -> int:
    """Code-point column (0-based) -> UTF-16 code units, as LSP counts them."""
    prefix = line_text[:col0]
    return col0 + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def encoded_column(line_text: str, col0: int, encoding: str = "utf-16") -> int:
    """Code-point column (0-based) -> the code units of an LSP position encoding (utf-8, utf-16, utf-32)."""
    if encoding == "utf-32":
        return col0
    if encoding == "utf-8":
        prefix = line_text[:col0]
        return len(prefix.encode("utf-8", "surrogatepass")) + max(0, col0 - len(line_text))
    return utf16_column(line_text, col0)


def lsp_position(lines: Lines, line: int, col: int, encoding: str = "utf-16") -> dict[str, int]:
    """1-based line and 1-based code-point column -> an LSP position (0-based, in ``encoding`` code units)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {"line": max(line - 1, 0), "character": encoded_column(text, max(col - 1, 0), encoding)}


def lsp_range(lines: Lines, line: int, col: int, end_line: int, end_col: int, encoding: str = "utf-16") -> dict:
    """A Diagnostic/Edit span (1-based, code points) -> an LSP range in ``encoding`` code units."""
    return {
        "start": lsp_position(lines, line, col, encoding),
        "end": lsp_position(lines, end_line, end_col, encoding),
    }


def to_lsp(d: Diagnostic, lines: Lines, encoding: str = "utf-16", url: str | None = None) -> dict[str, Any]:
    """A finding as an LSP Diagnostic (JSON form); ``lines`` are its document's, for the columns. ``url``: the
    rule's public doc page; without one there is no ``codeDescription`` (a local file link is no use in an
    editor on another machine, and hover shows the doc anyway)."""
    out: dict[str, Any] = {
        "range": lsp_range(lines, d.line, d.col, d.end_line, d.end_col, encoding),
        "severity": LSP_SEVERITY[d.severity],
        "code": d.rule,
        "source": "kerasnanlint",
        "message": f"{d.message}\n{d.help}" if d.help else d.message,  # editors show only the message: the help too
    }
    if url:
        out["codeDescription"] = {"href": url}
    data: dict[str, Any] = {"name": d.name}
    if d.fix is not None:
        data["fix"] = d.fix.to_json()
    if d.confirmation is not None:
        data["confirmation"] = d.confirmation.to_json()
    out["data"] = data
    return out


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """LSP diagnostics by document URI; ``sources`` give the lines whose UTF-16 columns LSP counts."""
    sources = sources or Sources()
    by_uri: dict[str, list[dict[str, Any]]] = {}
    for d in diagnostics:
        uri = Path(d.path).resolve().as_uri() if d.path != "-" else "untitled:stdin"
        found = to_lsp(d, finding_lines(d, sources), url=rule_url(settings, d.rule))
        if d.cell is not None:  # the range counts within this code cell of the notebook
            found["data"]["cell"] = d.cell
        by_uri.setdefault(uri, []).append(found)
    return json.dumps(by_uri, indent=2) + "\n"
