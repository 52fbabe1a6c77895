"""SARIF output: valid against the official 2.1.0 schema, complete for GitHub code scanning, stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft4Validator

from tests.helpers import ROOT, run_cli

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FLAGGED = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[y == np.nan] = 0.0\n    return y\n"
TWICE = FLAGGED + "\n\ndef again(y):\n    y[y == np.nan] = 0.0\n    return y\n"


def sarif(folder: Path, *paths: str) -> dict:
    result = run_cli(*(paths or (".",)), "--format", "sarif", "--no-cache", cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_valid(log: dict) -> None:
    errors = sorted(Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "twice.py").write_text(TWICE, encoding="utf-8")
    (tmp_path / "my model.py").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "broken.py").write_text("import keras\nx = (\n", encoding="utf-8")
    return tmp_path


def test_valid_against_the_official_schema(project: Path):
    log = sarif(project)
    assert_valid(log)
    assert len(log["runs"][0]["results"]) == 4


def test_clean_run_is_valid_too(tmp_path: Path):
    (tmp_path / "ok.py").write_text("import keras\n", encoding="utf-8")
    log = sarif(tmp_path)
    assert_valid(log)
    assert log["runs"][0]["results"] == []


def test_github_code_scanning_fields(project: Path):
    log = sarif(project)
    assert log["version"] == "2.1.0"
    assert log["$schema"]
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kerasnanlint"
    assert driver["version"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids)) == ["KNL000", "KNL107"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
    knl107 = rules[ids.index("KNL107")]
    # The rule's page, as `kerasnanlint rule KNL107` prints it, rendered by GitHub under the alert.
    assert knl107["help"]["markdown"] == run_cli("rule", "KNL107").stdout
    assert knl107["help"]["markdown"].startswith("# nan-equality (KNL107)")
    assert "\n" not in knl107["help"]["text"] and "kerasnanlint rule KNL107" in knl107["help"]["text"]
    # No docs-url configured: no helpUri, and no file:// link into the installed package either.
    assert all("helpUri" not in rule for rule in rules)
    assert "file:" not in json.dumps(driver)

    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        assert result["level"] in ("note", "warning", "error")
        assert result["partialFingerprints"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        artifact = physical["artifactLocation"]
        # Repository-relative URI references, resolved against %SRCROOT%: no absolute paths, no raw spaces.
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not urlsplit(artifact["uri"]).scheme and not artifact["uri"].startswith("/")
        assert " " not in artifact["uri"]
        assert (project / unquote(artifact["uri"])).is_file()
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"broken.py", "my%20model.py", "pkg/twice.py"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def fingerprints(log: dict) -> list[tuple[str, str, int]]:
    return [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["partialFingerprints"]["kerasnanlint/v1"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    ]


def test_fingerprints_stable_across_runs_and_line_shifts(project: Path):
    first = fingerprints(sarif(project))
    assert fingerprints(sarif(project)) == first

    twice = [fp for uri, fp, _ in first if uri == "pkg/twice.py"]
    assert len(set(twice)) == 2  # the same line text twice in a file still gives distinct fingerprints

    # Unrelated lines added above the findings move them, not their fingerprints.
    path = project / "pkg" / "twice.py"
    path.write_text('"""A docstring."""\n\n# a comment\n' + TWICE, encoding="utf-8")
    shifted = fingerprints(sarif(project))
    assert [(u, fp) for u, fp, _ in shifted] == [(u, fp) for u, fp, _ in first]
    lines = {fp: line for u, fp, line in first if u == "pkg/twice.py"}
    assert all(line == lines[fp] + 3 for u, fp, line in shifted if u == "pkg/twice.py")

    # Editing the flagged line itself is a new finding.
    path.write_text(TWICE.replace("y[y == np.nan] = 0.0", "y[y == np.nan] = 1.0", 1), encoding="utf-8")
    edited = {fp for u, fp, _ in fingerprints(sarif(project)) if u == "pkg/twice.py"}
    assert len(edited & set(twice)) == 1


def test_help_uri_comes_from_docs_url(project: Path):
    (project / "pyproject.toml").write_text(
        '[tool.kerasnanlint]\ndocs-url = "https://example.org/kerasnanlint/rules/{code}/"\n', encoding="utf-8"
    )
    log = sarif(project)
    assert_valid(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules} == {
        "KNL000": "https://example.org/kerasnanlint/rules/KNL000/",
        "KNL107": "https://example.org/kerasnanlint/rules/KNL107/",
    }


def test_a_bad_docs_url_is_a_config_error(project: Path):
    (project / "pyproject.toml").write_text('[tool.kerasnanlint]\ndocs-url = "docs/{code}.md"\n', encoding="utf-8")
    result = run_cli(".", "--format", "sarif", "--no-cache", cwd=project)
    assert result.returncode == 2 and result.stdout == ""
    assert "`tool.kerasnanlint.docs-url` must be an http:// or https:// URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_markdown_has_no_links_that_only_resolve_in_the_repository() -> None:
    """A rule page's relative link (``../../docs/x.md``) goes nowhere under a GitHub alert: it is plain text."""
    from kerasnanlint.formats.sarif import _rule_entry

    markdown = _rule_entry("KNL102", None)["help"]["markdown"]
    assert "](../" not in markdown and "docs/numerics-precision.md" in markdown
    suppressing = _rule_entry("KNL001", None)["help"]["markdown"]
    assert (
        "](../" not in suppressing
        and "README: Suppressing findings (`README.md` in kerasnanlint's source)" in suppressing
    )
