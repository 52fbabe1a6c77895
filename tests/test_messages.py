"""Messages as in ruff (issue 14, point 4): one sentence saying what is wrong, a median of at most 110 characters;
the why and what-to-do go in the help."""

from __future__ import annotations

import re
import statistics

import pytest

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source
from kerasnanlint.notebook_lint import lint_notebook
from tests.helpers import ROOT, RULES

EVERY_RULE = Settings(select=("KNL",), extend_select=("KNL206", "KNL001"))  # opt-in rules too


def _findings() -> list[Diagnostic]:
    """The findings on the rule pages' flagged examples and the bundled examples."""
    out: list[Diagnostic] = []
    for path in sorted(RULES.glob("*/flagged.py")) + sorted((ROOT / "examples").glob("*.py")):
        out += lint_source(path.read_bytes(), str(path), EVERY_RULE)
    for path in sorted((ROOT / "examples").glob("*.ipynb")):
        out += lint_notebook(path.read_bytes(), str(path), EVERY_RULE)
    return out


FINDINGS = _findings()
QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^']*'")  # code and names may hold any punctuation


def test_the_examples_cover_every_static_rule() -> None:
    from kerasnanlint.registry import all_rules

    static = {c for c, r in all_rules().items() if not r.runtime_only and c != "KNL000"}
    assert static <= {d.rule for d in FINDINGS}


def test_median_message_length_is_at_most_110() -> None:
    assert statistics.median(len(d.message) for d in FINDINGS) <= 110


@pytest.mark.parametrize("d", FINDINGS, ids=lambda d: f"{d.rule}:{d.path.rsplit('/', 2)[-2]}:{d.line}")
def test_each_message_is_one_sentence_and_the_advice_is_in_the_help(d: Diagnostic) -> None:
    prose = QUOTED.sub("`x`", d.message)
    assert ". " not in prose and "; " not in prose and not prose.endswith("."), d.message
    assert d.help, f"{d.rule} gives no help: {d.message}"
    assert len(d.help) > 20, d.help
