"""A stable JSON list of findings (ruff's field names where they exist)."""

from __future__ import annotations

import json

from kerasnanlint.diagnostics import Diagnostic


def render(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2) + "\n"
