"""Adopting kerasnanlint on an existing codebase: --show-settings, --show-files, --show-fixes, --add-noqa, --watch
(the CLI as a subprocess, in a throw-away project folder)."""

from __future__ import annotations

from pathlib import Path

from kerasnanlint.config import KEYS, THRESHOLDS
from tests.test_cli import CLEAN, FLAGGED, codes, config, lint, write


def test_show_settings_prints_every_key_and_the_config_file(tmp_path: Path) -> None:
    config(
        tmp_path,
        'ignore = ["KNL304"]\nseverity = { KNL305 = "warning" }\n[tool.kerasnanlint.thresholds]\nlr-decade-ratio = 100',
    )
    write(tmp_path, {"a.py": FLAGGED})
    result = lint(tmp_path, "--show-settings", "a.py", "--extend-select", "KNL206")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith('Resolved settings for: "a.py"\n')
    assert f"Settings path: {tmp_path.resolve() / 'pyproject.toml'}" in out
    for key in (*KEYS, *THRESHOLDS):
        if key != "thresholds":
            assert f"{key} = " in out or f"# {key} is not set" in out, key
    assert 'ignore = ["KNL304"]' in out
    assert 'extend-select = ["KNL206"]' in out  # the command line's flags applied
    assert 'severity = { "KNL305" = "warning" }' in out
    assert "lr-decade-ratio = 100\n" in out
    assert "KNL107" not in out  # nothing was linted


def test_show_settings_without_a_config_file_says_defaults(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": FLAGGED})
    result = lint(tmp_path, "--show-settings", "a.py")
    assert result.returncode == 0
    assert "Settings path: defaults" in result.stdout
    assert 'select = ["KNL"]' in result.stdout


def test_show_files_lists_what_would_be_linted_sorted(tmp_path: Path) -> None:
    config(tmp_path, 'extend-exclude = ["generated/"]')
    write(
        tmp_path,
        {
            "b.py": FLAGGED,
            "a.py": CLEAN,
            "pkg/c.ipynb": "{}",
            "notes.txt": "keras",
            "generated/g.py": FLAGGED,
            "ignored/i.py": FLAGGED,
            ".gitignore": "ignored/\n",
        },
    )
    result = lint(tmp_path, "--show-files", ".")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a.py", "b.py", "pkg/c.ipynb"]
    assert codes(result) == []
