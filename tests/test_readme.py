"""The README's rule table is the catalogue's (regenerate with kerasnanlint.catalog.markdown_table())."""

from __future__ import annotations

from kerasnanlint.catalog import markdown_table
from tests.helpers import ROOT


def test_readme_rule_table_matches_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README rule table is stale: paste kerasnanlint.catalog.markdown_table()"
