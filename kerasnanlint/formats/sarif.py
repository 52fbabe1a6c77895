"""SARIF 2.1.0 for GitHub code scanning: rules with help from the catalogue, repo-relative URIs,
partialFingerprints that survive unrelated edits (rule + path + the flagged line's text + occurrence).

A notebook's finding points at the notebook with a region whose lines and columns count within its code cell; the
cell is in ``properties.cell`` and at the head of the message (``cell 4: ...``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kerasnanlint import __version__, catalog
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats import finding_lines
from kerasnanlint.registry import all_rules
from kerasnanlint.source import Sources

if TYPE_CHECKING:
    from kerasnanlint.source import SourceLoader

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    """A URI reference: relative to %SRCROOT% (the working folder) when possible, percent-encoded."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return p.as_uri()
    return quote(os.fsencode(p.as_posix()))  # the bytes of a file name that is not UTF-8, %-encoded


def _artifact(path: str) -> dict[str, str]:
    uri = _uri(path)
    # SARIF: uriBaseId only qualifies relative references.
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def fingerprints(diagnostics: list[Diagnostic], sources: SourceLoader) -> list[str]:
    """Each finding's partialFingerprint: rule, path, the flagged line's text (from ``sources``), occurrence."""
    counts: dict[str, int] = {}
    out = []
    for d in diagnostics:
        lines = finding_lines(d, sources)
        text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else d.message
        base = hashlib.sha256(f"{d.rule}\0{_uri(d.path)}\0{text}".encode()).hexdigest()[:32]
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append(f"{base}:{n + 1}")
    return out


def _rule_entry(code: str) -> dict[str, Any]:
    rule = all_rules()[code]
    doc = catalog.doc(code) or rule.summary
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": catalog.doc_uri(code),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["keras", "nan"]},
    }


def sarif_log(diagnostics: list[Diagnostic], sources: SourceLoader | None = None) -> dict[str, Any]:
    """The SARIF log of a run; ``sources`` default to the files on disk."""
    codes = sorted({d.rule for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for d, fp in zip(diagnostics, fingerprints(diagnostics, sources or Sources()), strict=True):
        result: dict[str, Any] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _LEVEL[d.severity],
            # In a notebook the region's lines count within the cell that the message and properties.cell name.
            "message": {"text": d.message if d.cell is None else f"cell {d.cell}: {d.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(d.path),
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.col,
                            "endLine": d.end_line,
                            "endColumn": d.end_col,
                        },
                    }
                }
            ],
            "partialFingerprints": {"kerasnanlint/v1": fp},
        }
        if d.fix is not None:
            result["fixes"] = [
                {
                    "description": {"text": f"{d.fix.title} ({d.fix.applicability} fix)"},
                    "artifactChanges": [
                        {
                            "artifactLocation": _artifact(d.path),
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "startLine": e.line,
                                        "startColumn": e.col,
                                        "endLine": e.end_line,
                                        "endColumn": e.end_col,
                                    },
                                    "insertedContent": {"text": e.content},
                                }
                                for e in d.fix.edits
                            ],
                        }
                    ],
                }
            ]
        properties: dict[str, Any] = {}
        if d.cell is not None:
            properties["cell"] = d.cell
        if d.confirmation is not None:
            properties["confirmation"] = d.confirmation.to_json()
        if properties:
            result["properties"] = properties
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kerasnanlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": catalog.rules_dir().as_uri(),
                        "rules": [_rule_entry(c) for c in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",  # Diagnostic columns count code points, not UTF-16 units
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None) -> str:
    """The SARIF log as indented JSON."""
    return json.dumps(sarif_log(diagnostics, sources), indent=2) + "\n"
