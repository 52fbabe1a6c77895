"""Adopting kerasnanlint on an existing codebase: --show-settings, --show-files, --show-fixes, --add-noqa, --watch
(the CLI as a subprocess, in a throw-away project folder)."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

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


# --- --add-noqa -----------------------------------------------------------------------------------------------

NOQA_BEFORE = '''import keras
import numpy as np


def clean(y):
    y[y == np.nan] = 0.0  # type: ignore
    z = y == np.nan  # noqa: E501
    w = """
    %s""" % (y == np.nan)
    q = (y == np.nan) + \\
        1
    v = y == np.nan  # noqa
    u = y == np.nan
    return y, z, w, q, v, u
'''
NOQA_AFTER = '''import keras
import numpy as np


def clean(y):
    y[y == np.nan] = 0.0  # type: ignore  # noqa: KNL107
    z = y == np.nan  # noqa: E501, KNL107
    w = """
    %s""" % (y == np.nan)  # noqa: KNL107
    q = (y == np.nan) + \\
        1
    v = y == np.nan  # noqa
    u = y == np.nan  # noqa: KNL107
    return y, z, w, q, v, u
'''


def test_add_noqa_adds_merges_and_skips_lines_that_cannot_end_with_a_comment(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": NOQA_BEFORE})
    (tmp_path / "a.py").chmod(0o640)
    result = lint(tmp_path, "--add-noqa", ".")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == NOQA_AFTER
    assert (tmp_path / "a.py").stat().st_mode & 0o777 == 0o640  # written as --fix writes
    assert "Added 4 noqa directives." in result.stderr
    assert "a.py:10: KNL107 not suppressed" in result.stderr  # the backslash-continued line
    assert [c for c in codes(lint(tmp_path, ".")) if c[2] == "KNL107"] == [("a.py", 10, "KNL107")]
    again = lint(tmp_path, "--add-noqa", ".")  # nothing left to add
    assert again.returncode == 0 and "Added 0 noqa directives." in again.stderr
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == NOQA_AFTER


def test_add_noqa_puts_several_codes_on_one_line(tmp_path: Path) -> None:
    src = (
        "import keras\nimport keras_tuner as kt\n\n\ndef build(hp):\n    return keras.Sequential()\n\n\n"
        'tuner = kt.RandomSearch(build, objective="val_f1")\n'
    )
    write(tmp_path, {"t.py": src})
    before = {c[2] for c in codes(lint(tmp_path, "t.py")) if c[1] == 9}
    assert len(before) >= 2
    result = lint(tmp_path, "--add-noqa", "t.py")
    assert "Added 1 noqa directive." in result.stderr
    last = (tmp_path / "t.py").read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith("  # noqa: " + ", ".join(sorted(before)))
    assert codes(lint(tmp_path, "t.py")) == []


def test_add_noqa_in_a_notebook_edits_the_cells(tmp_path: Path) -> None:
    import json

    from tests.helpers import notebook

    cell2 = "def clean(y):\n    y[y == np.nan] = 0.0\n    return y"
    write(tmp_path, {"n.ipynb": notebook("import keras\nimport numpy as np", ("markdown", "# title"), cell2)})
    result = lint(tmp_path, "--add-noqa", "n.ipynb")
    assert result.returncode == 0 and "Added 1 noqa directive." in result.stderr, result.stderr
    cells = json.loads((tmp_path / "n.ipynb").read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[2]["source"]) == cell2.replace("= 0.0", "= 0.0  # noqa: KNL107")
    assert codes(lint(tmp_path, "n.ipynb")) == []


def test_add_noqa_write_protected_file_is_named_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": FLAGGED, "b.py": FLAGGED})
    (tmp_path / "a.py").chmod(0o444)
    result = lint(tmp_path, "--add-noqa", ".")
    assert result.returncode == 1
    assert "a.py: noqa comments not added: permission denied" in result.stderr
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == FLAGGED
    assert "# noqa: KNL107" in (tmp_path / "b.py").read_text(encoding="utf-8")


def test_add_noqa_refuses_standard_input_and_fix(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": FLAGGED})
    assert lint(tmp_path, "--add-noqa", "-", stdin=FLAGGED).returncode == 2
    assert lint(tmp_path, "--add-noqa", "--fix", "a.py").returncode == 2
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == FLAGGED


# --- KNL001 unused-noqa -----------------------------------------------------------------------------------------

UNUSED = (
    "import keras\nimport numpy as np\n\n\n"
    "def f(y):\n    z = y + 1  # noqa: KNL107\n    return y == np.nan, z  # noqa: KNL107\n"
)


def _knl001(text: str, path: str = "a.py", **settings: object) -> list[tuple[int, str]]:
    from kerasnanlint.config import Settings
    from kerasnanlint.engine import lint_source

    s = Settings(**settings) if settings else Settings(extend_select=("KNL001",))  # type: ignore[arg-type]
    return [(d.line, d.message) for d in lint_source(text, path, s) if d.rule == "KNL001"]


def test_knl001_is_opt_in_and_judges_after_selection() -> None:
    assert _knl001(UNUSED, select=("KNL",)) == []  # off unless selected by its exact code
    assert [line for line, _ in _knl001(UNUSED)] == [6]
    # A code whose rule is not enabled for the file is left alone: not selected, or per-file-ignored.
    assert _knl001(UNUSED, select=("KNL001", "KNL3")) == []
    ignored = {"extend_select": ("KNL001",), "per_file_ignores": (("a.py", ("KNL107",)),)}
    assert _knl001(UNUSED, **ignored) == []
    assert _knl001(UNUSED, extend_select=("KNL001",), per_file_ignores=(("a.py", ("KNL001",)),)) == []


def test_knl001_file_level_comment_and_its_own_code_silence_it() -> None:
    assert _knl001("# kerasnanlint: noqa: KNL001\n" + UNUSED) == []
    assert _knl001(UNUSED.replace("# noqa: KNL107\n    return", "# noqa: KNL107, KNL001\n    return")) == []


def test_knl001_counts_a_multi_line_finding_on_its_first_line() -> None:
    text = "import keras\nimport numpy as np\n\n\ndef f(y):\n    return (y ==  # noqa: KNL107\n        np.nan)\n"
    assert _knl001(text) == []
    assert [line for line, _ in _knl001(text.replace("(y ==  # noqa: KNL107\n", "(y ==\n") + "# noqa: KNL107\n")] == [8]


def test_knl001_in_a_notebook_names_the_cell_and_fixes_it(tmp_path: Path) -> None:
    import json

    from tests.helpers import notebook

    cell = "def f(y):\n    z = y + 1  # noqa: KNL107, E501\n    return z"
    write(tmp_path, {"n.ipynb": notebook("import keras", cell)})
    result = lint(tmp_path, "--extend-select", "KNL001", "--format", "json", "n.ipynb")
    [found] = json.loads(result.stdout)
    assert (found["code"], found["cell"], found["location"]["row"]) == ("KNL001", 2, 2)
    lint(tmp_path, "--extend-select", "KNL001", "--fix", "n.ipynb")
    cells = json.loads((tmp_path / "n.ipynb").read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[1]["source"]) == cell.replace("KNL107, E501", "E501")


def test_knl001_and_the_cache_follow_the_settings(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": UNUSED})
    assert [c[2] for c in codes(lint(tmp_path, "."))] == []  # cached without KNL001
    assert [c[1:] for c in codes(lint(tmp_path, "--extend-select", "KNL001", "."))] == [(6, "KNL001")]
    assert [c[2] for c in codes(lint(tmp_path, "."))] == []
    assert lint(tmp_path, "--extend-select", "KNL001", "--fix", ".").returncode == 0
    assert "z = y + 1\n" in (tmp_path / "a.py").read_text(encoding="utf-8")


# --- --show-fixes -----------------------------------------------------------------------------------------------

LR = 'import keras_tuner as kt\n\n\ndef build(hp):\n    return hp.Float("learning_rate", 1e-4, 1e-2)\n'


def test_show_fixes_lists_the_fixes_applied_per_file_and_rule(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": FLAGGED + "\n\ndef g(y):\n    return y == np.nan\n", "b.py": LR, "c.py": CLEAN})
    result = lint(tmp_path, "--fix", "--show-fixes", ".")
    assert result.returncode == 0, result.stderr
    listing = result.stdout[result.stdout.index("Fixed 3 findings:") :].splitlines()
    assert listing[:5] == [
        "Fixed 3 findings:",
        "- a.py:",
        "    2 × KNL107 (nan-equality)",
        "- b.py:",
        "    1 × KNL401 (linear-wide-learning-rate)",
    ]
    again = lint(tmp_path, "--fix", "--show-fixes", ".")
    assert "No fixes applied." in again.stdout


def test_show_fixes_without_fix_lists_the_fixes_available(tmp_path: Path) -> None:
    write(tmp_path, {"b.py": LR})
    result = lint(tmp_path, "--show-fixes", ".")
    assert result.returncode == 1
    assert "Fixes available for 1 finding:\n- b.py:\n    1 × KNL401 (linear-wide-learning-rate)\n" in result.stdout
    assert (tmp_path / "b.py").read_text(encoding="utf-8") == LR
    as_json = lint(tmp_path, "--show-fixes", "--format", "json", ".")  # standard output stays JSON
    assert as_json.stdout.lstrip().startswith("[") and "Fixes available for 1 finding:" in as_json.stderr


# --- --watch ----------------------------------------------------------------------------------------------------


def _summaries(proc: subprocess.Popen[str], lines: queue.Queue[str], n: int, timeout: float = 60) -> list[str]:
    """Standard output up to the ``n``-th summary line (``Found ...`` or ``All checks passed!``)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while sum(line.startswith(("Found ", "All checks passed!")) for line in seen) < n:
        try:
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"no report {n} within {timeout} s; got {seen}") from None
        assert proc.poll() is None or not lines.empty(), f"--watch exited {proc.returncode}"
    return seen


def test_watch_lints_again_when_a_file_changes(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    write(tmp_path, {"a.py": CLEAN})
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerasnanlint", "--watch", "--output-format", "concise", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x.rstrip("\n")) for x in proc.stdout or ()], daemon=True).start()
    try:
        first = _summaries(proc, lines, 1)
        assert first[-1].startswith("All checks passed!")
        (tmp_path / "a.py").write_text(FLAGGED, encoding="utf-8")
        second = _summaries(proc, lines, 1)
        assert any(line.startswith("a.py:6:7: KNL107 ") for line in second), second
        assert second[-1].startswith("Found 1 finding")
        (tmp_path / "notes.txt").write_text("not a reason to lint", encoding="utf-8")
        (tmp_path / "a.py").write_text(CLEAN, encoding="utf-8")
        assert _summaries(proc, lines, 1)[-1].startswith("All checks passed!")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Starting linter in watch mode" in err and "File change detected" in err
    assert "Traceback" not in err


def test_watch_without_watchfiles_says_how_to_install_it(tmp_path: Path) -> None:
    code = "import sys; sys.modules['watchfiles'] = None; from kerasnanlint.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "--watch", "."], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'kerasnanlint[watch]'" in result.stderr and "Traceback" not in result.stderr


def test_watch_with_a_bad_path_or_confirm_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    assert lint(tmp_path, "--watch", "missing").returncode == 2
    assert lint(tmp_path, "confirm", "--watch", ".").returncode == 2


def test_add_noqa_text_knows_where_a_comment_can_go() -> None:
    from kerasnanlint.noqa_add import add_noqa_text

    text = 'x = f"""a\n{y}""" == 1\nz = 1  # noqa:E501\nw = (1 +\n     2)\n'
    new, added, skipped = add_noqa_text(text, [(1, "KNL107"), (3, "KNL107"), (3, "KNL101"), (4, "KNL107")])
    assert skipped == [(1, "KNL107")]  # the f-string goes on to line 2
    assert added == 2
    assert new.splitlines()[2] == "z = 1  # noqa:E501, KNL101, KNL107"
    assert new.splitlines()[3] == "w = (1 +  # noqa: KNL107"
    broken = "x = (1 +\n"  # does not tokenize: each line's own text decides
    assert add_noqa_text(broken, [(1, "KNL000")])[0] == "x = (1 +  # noqa: KNL000\n"
