"""A stable JSON list of findings (ruff's field names where they exist)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from kerasnanlint.config import Settings
    from kerasnanlint.source import SourceLoader


def render(diagnostics: list[Diagnostic], sources: SourceLoader | None = None, settings: Settings | None = None) -> str:
    """The findings as a JSON list (``Diagnostic.to_json``); the sources are not needed."""
    return json.dumps([d.to_json() for d in diagnostics], indent=2) + "\n"
