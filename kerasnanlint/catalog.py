"""The rule catalogue: rules/<ID>/README.md (doc), flagged.py and clean.py, shipped inside the wheel."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerasnanlint.config import Settings

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def rules_dir() -> Path:
    """rules/ in the wheel (kerasnanlint/_rules) or, in a source checkout, the repository's rules/."""
    for candidate in (_PACKAGE / "_rules", _PACKAGE.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / "rules"


def rule_dir(code: str) -> Path:
    return rules_dir() / code


def doc(code: str) -> str | None:
    try:
        return (rule_dir(code) / "README.md").read_text(encoding="utf-8")
    except OSError:
        return None


def rule_url(settings: Settings | None, code: str) -> str | None:
    """The rule's page on the web: ``docs-url`` with ``{code}`` replaced; None when no ``docs-url`` is configured
    (a page inside site-packages is no link to put in SARIF or in front of an editor's user)."""
    if settings is None or settings.docs_url is None:
        return None
    return settings.docs_url.replace("{code}", code)


def documented_codes() -> list[str]:
    return sorted(p.name for p in rules_dir().iterdir() if p.is_dir() and (p / "README.md").is_file())


def markdown_table() -> str:
    """The README's rule table, generated from the registry so the two cannot drift."""
    from kerasnanlint.registry import all_rules

    rows = ["| Code | Name | Severity | What it finds |", "|---|---|---|---|"]
    for r in all_rules().values():
        where = " (runtime-confirm only)" if r.runtime_only else ""
        rows.append(f"| {r.code} | {r.name} | {r.severity} | {r.summary}{where} |")
    return "\n".join(rows) + "\n"
