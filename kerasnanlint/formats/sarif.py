"""SARIF 2.1.0 for GitHub code scanning: rules with their catalogue page as ``help.markdown`` (GitHub renders it),
URIs relative to the repository root (``%SRCROOT%``, whatever the current folder), partialFingerprints that survive
unrelated edits (rule + root-relative path + the flagged line's text + occurrence). ``helpUri`` only where
``docs-url`` says where the pages are published.

A notebook's finding points at the notebook with a region whose lines and columns count within its code cell; the
cell is in ``properties.cell`` and at the head of the message (``cell 4: ...``)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from kerasnanlint import __version__, catalog
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats import finding_lines
from kerasnanlint.formats.repo_paths import RepoPaths
from kerasnanlint.registry import all_rules
from kerasnanlint.source import Sources

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def fingerprints(diagnostics: list[Diagnostic], sources: SourceLoader, paths: RepoPaths) -> list[str]:
    """Each finding's partialFingerprint: rule, root-relative path (the same from any folder), the flagged line's
    text (from ``sources``), occurrence."""
    counts: dict[str, int] = {}
    out = []
    for d in diagnostics:
        lines = finding_lines(d, sources)
        text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else d.message
        base = hashlib.sha256(f"{d.rule}\0{paths.uri(d.path)}\0{text}".encode()).hexdigest()[:32]
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append(f"{base}:{n + 1}")
    return out


# A rule page's link to another file of kerasnanlint (``[docs/x.md](../../docs/x.md)``): it resolves in the
# repository, not under a code-scanning alert, so it becomes the file's name in plain text.
_RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?:\.\./)+([^)#\s]+)(?:#[^)\s]*)?\)")


def _without_relative_links(markdown: str) -> str:
    def plain(m: re.Match[str]) -> str:
        text, target = m.group(1), m.group(2)
        return text if target in text else f"{text} (`{target}` in kerasnanlint's source)"

    return _RELATIVE_LINK.sub(plain, markdown)


def _rule_entry(code: str, settings: Settings | None) -> dict[str, Any]:
    rule = all_rules()[code]
    entry: dict[str, Any] = {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        # GitHub shows help.markdown under the alert; text is for viewers that render no Markdown.
        "help": {
            "text": f"{rule.summary.rstrip('.')}. Run kerasnanlint rule {code} for the rule's page.",
            "markdown": _without_relative_links(catalog.doc(code) or rule.summary),
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["keras", "nan"]},
    }
    url = catalog.rule_url(settings, code)
    if url is not None:
        entry["helpUri"] = url
    return entry


def sarif_log(
    diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The SARIF log of a run; ``sources`` default to the files on disk, the repository to the current folder's."""
    codes = sorted({d.rule for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    paths = RepoPaths.of(settings)
    results = []
    for d, fp in zip(diagnostics, fingerprints(diagnostics, sources or Sources(), paths), strict=True):
        result: dict[str, Any] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _LEVEL[d.severity],
            # In a notebook the region's lines count within the cell that the message and properties.cell name.
            "message": {"text": d.message if d.cell is None else f"cell {d.cell}: {d.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": paths.artifact(d.path),
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
                            "artifactLocation": paths.artifact(d.path),
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
                        "rules": [_rule_entry(c, settings) for c in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",  # Diagnostic columns count code points, not UTF-16 units
                "originalUriBaseIds": paths.base_ids(),
                "results": results,
            }
        ],
    }


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """The SARIF log as indented JSON."""
    return json.dumps(sarif_log(diagnostics, sources, settings), indent=2) + "\n"
