"""GitLab Code Quality report (``artifacts:reports:codequality``): a JSON list of CodeClimate-style issues, their
``location.path`` relative to the repository root whatever folder the job runs in (as GitLab reads it).

In a notebook, ``lines`` count within the code cell that the description names (``KNL301 cell 4: ...``)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats.repo_paths import RepoPaths
from kerasnanlint.formats.sarif import fingerprints
from kerasnanlint.source import Sources

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader

# GitLab's levels are info, minor, major, critical, blocker.
_SEVERITY = {Severity.INFO: "info", Severity.WARNING: "major", Severity.ERROR: "critical"}


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """The Code Quality JSON report; ``sources`` give the flagged lines that fingerprint a finding."""
    paths = RepoPaths.of(settings)
    issues: list[dict[str, Any]] = [
        {
            "type": "issue",
            "check_name": d.rule,
            "description": f"{d.rule} {d.message}" if d.cell is None else f"{d.rule} cell {d.cell}: {d.message}",
            "categories": ["Bug Risk"],
            "severity": _SEVERITY[d.severity],
            # The same stable identity as SARIF's partialFingerprints: GitLab diffs reports between commits by it.
            "fingerprint": hashlib.md5(fp.encode(), usedforsecurity=False).hexdigest(),
            "location": {"path": paths.display(d.path), "lines": {"begin": d.line, "end": d.end_line}},
        }
        for d, fp in zip(diagnostics, fingerprints(diagnostics, sources or Sources(), paths), strict=True)
    ]
    return json.dumps(issues, indent=2) + "\n"
