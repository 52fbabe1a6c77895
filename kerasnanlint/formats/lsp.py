"""LSP ``Diagnostic`` objects keyed by document URI: 0-based lines, UTF-16 columns.

``to_lsp`` and ``lsp_range`` are shared with the Language Server (kerasnanlint/lsp.py), which may have
negotiated another position encoding with its client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kerasnanlint.catalog import doc_uri
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats.source_lines import encoded_column, lines_of

LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}
Lines = tuple[str, ...] | list[str]


def lsp_position(lines: Lines, line: int, col: int, encoding: str = "utf-16") -> dict[str, int]:
    """1-based line and 1-based code-point column -> an LSP position (0-based, in ``encoding`` code units)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {"line": max(line - 1, 0), "character": encoded_column(text, max(col - 1, 0), encoding)}


def lsp_range(lines: Lines, line: int, col: int, end_line: int, end_col: int, encoding: str = "utf-16") -> dict:
    return {
        "start": lsp_position(lines, line, col, encoding),
        "end": lsp_position(lines, end_line, end_col, encoding),
    }


def to_lsp(d: Diagnostic, lines: Lines, encoding: str = "utf-16") -> dict[str, Any]:
    out: dict[str, Any] = {
        "range": lsp_range(lines, d.line, d.col, d.end_line, d.end_col, encoding),
        "severity": LSP_SEVERITY[d.severity],
        "code": d.rule,
        "codeDescription": {"href": doc_uri(d.rule)},
        "source": "kerasnanlint",
        "message": d.message,
    }
    data: dict[str, Any] = {"name": d.name}
    if d.fix is not None:
        data["fix"] = d.fix.to_json()
    if d.confirmation is not None:
        data["confirmation"] = d.confirmation.to_json()
    out["data"] = data
    return out


def render(diagnostics: list[Diagnostic]) -> str:
    by_uri: dict[str, list[dict[str, Any]]] = {}
    for d in diagnostics:
        uri = Path(d.path).resolve().as_uri() if d.path != "-" else "untitled:stdin"
        by_uri.setdefault(uri, []).append(to_lsp(d, lines_of(d.path)))
    return json.dumps(by_uri, indent=2) + "\n"
