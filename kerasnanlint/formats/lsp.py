"""LSP ``Diagnostic`` objects keyed by document URI: 0-based lines, UTF-16 columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kerasnanlint.catalog import doc_uri
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats.source_lines import lines_of, utf16_column

LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


def to_lsp(d: Diagnostic, lines: tuple[str, ...] | list[str]) -> dict[str, Any]:
    def pos(line: int, col: int) -> dict[str, int]:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return {"line": line - 1, "character": utf16_column(text, col - 1)}

    out: dict[str, Any] = {
        "range": {"start": pos(d.line, d.col), "end": pos(d.end_line, d.end_col)},
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
