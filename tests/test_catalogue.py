"""Every rule is documented, flags exactly its expected lines in flagged.py and nothing in clean.py."""

from __future__ import annotations

import pytest

from kerasnanlint.catalog import documented_codes
from kerasnanlint.config import Settings
from kerasnanlint.engine import lint_source
from kerasnanlint.registry import all_rules
from tests.helpers import RULES, expected

RULE_CODES = [c for c, r in all_rules().items() if c != "KNL000"]
STATIC_CODES = [c for c in RULE_CODES if not all_rules()[c].runtime_only]


# An opt-in rule is off by default: its examples are linted with it selected.
def _settings(code: str) -> Settings:
    return Settings(extend_select=(code,)) if all_rules()[code].opt_in else Settings()


SECTIONS = ("## What it does", "## Why it makes NaN or fails", "## Example", "## Use instead", "## References")


def test_every_rule_has_a_catalogue_entry_and_back() -> None:
    assert sorted([*RULE_CODES, "KNL000"]) == documented_codes()


@pytest.mark.parametrize("code", RULE_CODES)
def test_readme_shape(code: str) -> None:
    text = (RULES / code / "README.md").read_text(encoding="utf-8")
    rule = all_rules()[code]
    assert text.startswith(f"# {rule.name} ({code})\n")
    for section in SECTIONS:
        assert section in text, f"{code} README lacks {section}"
    assert f"Default severity: **{rule.severity}**" in text


@pytest.mark.parametrize("code", STATIC_CODES)
def test_flagged_example(code: str) -> None:
    path = RULES / code / "flagged.py"
    want = expected(path)
    assert want, f"{path} marks no expected line"
    got = {(d.line, d.rule) for d in lint_source(path.read_bytes(), str(path), _settings(code))}
    # Other rules may fire too; for this rule the lines must match exactly.
    assert {x for x in got if x[1] == code} == {x for x in want if x[1] == code}
    assert got >= want


@pytest.mark.parametrize("code", STATIC_CODES)
def test_clean_example(code: str) -> None:
    path = RULES / code / "clean.py"
    found = [d for d in lint_source(path.read_bytes(), str(path), _settings(code)) if d.rule == code]
    assert found == [], [f"{d.line}:{d.col} {d.message}" for d in found]
