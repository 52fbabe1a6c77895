"""[tool.kerasnanlint] parsing and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerasnanlint.config import ConfigError, Settings, load_settings, settings_from_table
from kerasnanlint.diagnostics import Severity


def test_defaults() -> None:
    s = Settings()
    assert s.rule_selected("KNL101")
    assert s.fail_on is Severity.WARNING
    assert s.threshold("lr-decade-ratio") == 10.0


def test_most_specific_prefix_wins() -> None:
    s = settings_from_table({"select": ["KNL1"], "ignore": ["KNL10"], "extend-select": ["KNL107"]}, Path("."))
    assert not s.rule_selected("KNL101")
    assert s.rule_selected("KNL107")
    assert s.rule_selected("KNL111")
    assert not s.rule_selected("KNL301")


def test_severity_override_and_thresholds() -> None:
    s = settings_from_table({"severity": {"KNL304": "warning"}, "thresholds": {"lr-decade-ratio": 100}}, Path("."))
    assert s.severity_of("KNL304", Severity.INFO) is Severity.WARNING
    assert s.threshold("lr-decade-ratio") == 100.0


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"selct": ["KNL1"]}, "tool.kerasnanlint.selct"),
        ({"select": "KNL1"}, "tool.kerasnanlint.select"),
        ({"ignore": ["E501"]}, "tool.kerasnanlint.ignore"),
        ({"severity": {"KNL101": "fatal"}}, "tool.kerasnanlint.severity.KNL101"),
        ({"thresholds": {"lr-decade-ratio": -1}}, "tool.kerasnanlint.thresholds.lr-decade-ratio"),
        ({"lr-decade-ratio": 3}, "tool.kerasnanlint.lr-decade-ratio"),
        ({"fail-on": 3}, "tool.kerasnanlint.fail-on"),
        ({"per-file-ignores": ["x"]}, "tool.kerasnanlint.per-file-ignores"),
        ({"docs-url": "https://example.org/rules/"}, "tool.kerasnanlint.docs-url"),  # no {code}
        ({"docs-url": "ftp://example.org/{code}"}, "tool.kerasnanlint.docs-url"),
        ({"docs-url": "file:///site-packages/{code}"}, "tool.kerasnanlint.docs-url"),
        ({"docs-url": "https:///{code}"}, "tool.kerasnanlint.docs-url"),  # no host
        ({"docs-url": "https://example.org/{code} x"}, "tool.kerasnanlint.docs-url"),
        ({"docs-url": ["https://example.org/{code}"]}, "tool.kerasnanlint.docs-url"),
    ],
)
def test_bad_values_name_the_key(table: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        settings_from_table(table, Path("."))


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kerasnanlint\nselect = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path)


def test_nearest_pyproject_is_the_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\nextend-exclude = ["gen"]\n', encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    s = load_settings(tmp_path / "pkg")
    assert s.root == tmp_path.resolve()
    assert s.is_excluded(tmp_path / "gen" / "a.py")
    assert not s.is_excluded(tmp_path / "pkg" / "a.py")


def test_per_file_ignores(tmp_path: Path) -> None:
    s = settings_from_table({"per-file-ignores": {"tests/*": ["KNL3"]}}, tmp_path)
    assert s.ignored_for_path("KNL301", str(tmp_path / "tests" / "t.py"))
    assert not s.ignored_for_path("KNL101", str(tmp_path / "tests" / "t.py"))
    assert not s.ignored_for_path("KNL301", str(tmp_path / "src" / "t.py"))


def test_docs_url_gives_each_rule_its_url() -> None:
    from kerasnanlint.catalog import rule_url

    assert Settings().docs_url is None and rule_url(Settings(), "KNL107") is None and rule_url(None, "KNL107") is None
    s = settings_from_table({"docs-url": "https://example.org/kerasnanlint/rules/{code}.html"}, Path("."))
    assert rule_url(s, "KNL107") == "https://example.org/kerasnanlint/rules/KNL107.html"
