"""The terminal formats (issue 14, point 4): ruff's `full` (the default) and `concise`, colour, the help text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kerasnanlint.colour import wants_colour
from kerasnanlint.diagnostics import Diagnostic, Severity
from kerasnanlint.formats.full import carets, render, shown
from kerasnanlint.source import SourceFile, Sources
from tests.helpers import notebook

FLAGGED = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[y == np.nan] = 0.0\n    return y\n"
ESC = "\x1b["


def cli(folder: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    """The CLI's standard output, run in ``folder`` with ``env`` added to a colour-neutral environment."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    result = subprocess.run(
        [sys.executable, "-m", "kerasnanlint", *args, "--no-cache"],
        cwd=folder,
        env=base | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(FLAGGED, encoding="utf-8")
    return tmp_path


def test_full_is_the_default_and_shows_the_line_carets_and_help(project: Path):
    out = cli(project, "bad.py")
    block = out.split("\n\n")[0].splitlines()
    assert block[0].startswith("KNL107 [warning] [*] Comparison with NaN is always False")
    assert block[1:9] == [
        " --> bad.py:6:7",
        "  |",
        "4 |",
        "5 | def clean(y):",
        "6 |     y[y == np.nan] = 0.0",
        "  |       ^^^^^^^^^^^",
        "7 |     return y",
        "  |",
    ]
    assert block[9].startswith("help: ") and "np.isnan(y)" in block[9]
    assert block[10].startswith("fix: ")
    assert out.endswith("Found 1 finding (1 warning) in 1 file.\n")


def test_output_format_flag_its_alias_and_concise(project: Path):
    concise = cli(project, "bad.py", "--output-format", "concise")
    assert concise.splitlines()[0].startswith("bad.py:6:7: KNL107 [warning] [*] Comparison with NaN")
    assert cli(project, "bad.py", "--format", "concise") == concise
    assert cli(project, "bad.py", "--format", "text") == concise  # the former name of concise
    assert cli(project, "bad.py", "--format", "full") == cli(project, "bad.py")


def test_json_carries_the_help(project: Path):
    [finding] = json.loads(cli(project, "bad.py", "--output-format", "json"))
    assert "np.isnan(y)" in finding["help"] and finding["message"].startswith("Comparison with NaN")


def test_colour_only_when_asked_or_on_a_terminal(project: Path):
    assert ESC not in cli(project, "bad.py")  # a pipe: no escape codes
    assert ESC not in cli(project, "bad.py", "--output-format", "concise")
    coloured = cli(project, "bad.py", "--color", "always")
    assert "\x1b[1;91mKNL107\x1b[0m" in coloured and "\x1b[1;91m^^^^^^^^^^^\x1b[0m" in coloured
    assert ESC in cli(project, "bad.py", "--output-format", "concise", "--color", "always")
    assert ESC in cli(project, "bad.py", env={"FORCE_COLOR": "1"})
    assert ESC not in cli(project, "bad.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ESC in cli(project, "bad.py", "--color", "always", env={"NO_COLOR": "1"})
    assert ESC not in cli(project, "bad.py", "--color", "never", env={"FORCE_COLOR": "1"})
    assert ESC not in cli(project, "bad.py", "--output-format", "json", "--color", "always")


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_decision():
    assert wants_colour("auto", _Terminal(True), {}) and not wants_colour("auto", _Terminal(False), {})
    assert not wants_colour("auto", _Terminal(True), {"NO_COLOR": "1"})
    assert wants_colour("auto", _Terminal(True), {"NO_COLOR": ""})  # an empty NO_COLOR does not count
    assert wants_colour("auto", _Terminal(False), {"FORCE_COLOR": "1"})
    assert wants_colour("always", _Terminal(False), {"NO_COLOR": "1"})
    assert not wants_colour("never", _Terminal(True), {"FORCE_COLOR": "1"})


def test_carets_under_tabs_wide_characters_and_past_the_end():
    assert shown("\tx") == ("    x", [0, 4, 5])
    assert carets("\ty == nan", 2, 10) == (4, 8)
    line = 's = "😀"; y == nan'  # the emoji takes two terminal columns
    assert carets(line, 10, 18) == (10, 8)
    assert carets("abc", 5, 5) == (3, 1)  # past the end (a syntax error at the end of a line): one caret
    assert carets("abc", 2, 2) == (1, 1)  # an empty span: one caret
    assert carets("abc", 2, None) == (1, 2)  # a multi-line span: to the end of its first line
    assert shown("a\x1b[31mb")[0] == "a\u241b[31mb"  # an ESC in the source cannot colour the terminal


def _finding(path: str, line: int, col: int, end_line: int, end_col: int, **kw: object) -> Diagnostic:
    return Diagnostic("KNL101", "x", Severity.ERROR, path, line, col, end_line, end_col, "Something is wrong", **kw)


def test_multi_line_span_and_unreadable_sources():
    sources = Sources({"a.py": SourceFile("a.py", "x = f(\n    1,\n)\n")})
    out = render([_finding("a.py", 1, 5, 3, 2, help="Do this instead")], sources)
    assert out.splitlines()[2:6] == ["  |", "1 | x = f(", "  |     ^^", "2 |     1,"]
    assert "help: Do this instead\n" in out
    gone = render([_finding("gone.py", 3, 1, 3, 1), _finding("-", 1, 1, 1, 1)], Sources())
    header = "KNL101 [error] Something is wrong\n"
    assert gone == f"{header} --> gone.py:3:1\n\n{header} --> -:1:1\n\n"


def test_notebook_findings_show_the_cell_and_its_line(tmp_path: Path):
    cells = ("import keras\nimport numpy as np", "y = np.zeros(3)\nbad = y[y == np.nan]")
    (tmp_path / "nb.ipynb").write_text(notebook(*cells), encoding="utf-8")
    out = cli(tmp_path, "nb.ipynb")
    snippet = "  |\n1 | y = np.zeros(3)\n2 | bad = y[y == np.nan]\n  |         ^^^^^^^^^^^\n"
    assert " --> nb.ipynb:cell 2:2:9\n" + snippet in out


def test_knl000_and_standard_input_render(tmp_path: Path):
    (tmp_path / "bin.py").write_bytes(b"import keras\n\xff\xfe x = 1\n")
    out = cli(tmp_path, "bin.py")
    assert "KNL000 [error]" in out and " --> bin.py:2:1\n" in out
    piped = cli(tmp_path, "-", stdin=FLAGGED)
    assert " --> -:6:7\n" in piped and "6 |     y[y == np.nan] = 0.0\n" in piped


def test_help_names_the_default(tmp_path: Path):
    text = cli(tmp_path, "check", "--help")
    assert "--output-format FORMAT, --format FORMAT" in text and "full (the default" in " ".join(text.split())
    assert "--color {auto,always,never}" in text


def test_a_terminal_gets_colour_by_default(project: Path):
    import pty

    leader, follower = pty.openpty()  # a real terminal for standard output
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kerasnanlint", "bad.py", "--no-cache"], cwd=project, env=env, stdout=follower
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = terminal.read(4096)
            except OSError:  # EIO: the CLI closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=300)
    assert b"\x1b[1;91mKNL107\x1b[0m" in b"".join(chunks)
