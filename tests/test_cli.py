"""End-to-end CLI: `python -m kerasnanlint` in a subprocess, in a throw-away project folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli

FLAGGED = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[y == np.nan] = 0.0\n    return y\n"
CLEAN = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[np.isnan(y)] = 0.0\n    return y\n"
# Line 6, `y == np.nan` starts at code point 16 (1-based); the emoji before it is 2 UTF-16 code units.
EMOJI = 'import keras\nimport numpy as np\n\n\ndef clean(y):\n    s = "😀"; y[y == np.nan] = 0.0\n    return y, s\n'
MESSAGE = "Comparison with NaN is always False"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def config(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f"[tool.kerasnanlint]\n{body}\n", encoding="utf-8")


def lint(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args, cwd=folder, stdin=stdin.encode() if stdin is not None else None)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, int, str]]:
    """(path, line, code) of every finding in the default (full) output: a header, then ` --> path:line:col`."""
    found = re.findall(r"^(KNL\d{3}) .*\n *--> (.+?):(\d+):\d+$", result.stdout, flags=re.M)
    return [(p, int(line), c) for c, p, line in found]


# --- output formats --------------------------------------------------------------------------------------
def test_concise_format_lines_and_summary(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED, "good.py": CLEAN})
    result = lint(tmp_path, ".", "--output-format", "concise")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"bad\.py:6:7: KNL107 \[warning\]( \[\*\]| \[unsafe fix\])? Comparison with NaN .+", lines[0])
    assert lines[-1] == "Found 1 finding (1 warning) in 2 files."


def test_summary_counts_in_plural(tmp_path: Path):
    write(tmp_path, {"a.py": FLAGGED, "b.py": FLAGGED})
    assert lint(tmp_path, ".").stdout.splitlines()[-1] == "Found 2 findings (2 warnings) in 2 files."


def test_clean_run_exits_zero(tmp_path: Path):
    write(tmp_path, {"good.py": CLEAN, "other.py": "print('no keras here')\n"})
    result = lint(tmp_path, ".")
    assert result.returncode == 0
    assert result.stdout.strip() == "All checks passed! (2 files checked)"


def test_json_format_has_stable_fields(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED})
    result = lint(tmp_path, "bad.py", "--format", "json")
    assert result.returncode == 1
    [finding] = json.loads(result.stdout)
    assert set(finding) == {
        "code",
        "name",
        "severity",
        "filename",
        "location",
        "end_location",
        "message",
        "help",
        "fix",
        "confirmation",
    }
    assert finding["code"] == "KNL107"
    assert finding["name"] == "nan-equality"
    assert finding["severity"] == "warning"
    assert finding["filename"] == "bad.py"
    assert finding["location"] == {"row": 6, "column": 7}
    assert finding["end_location"] == {"row": 6, "column": 18}
    assert finding["message"].startswith(MESSAGE)
    assert finding["fix"] is None or set(finding["fix"]) == {"message", "applicability", "edits"}


def test_github_format_annotations(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED})
    result = lint(tmp_path, "bad.py", "--format", "github")
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(
        "::warning file=bad.py,line=6,endLine=6,col=7,endColumn=18,title=KNL107 nan-equality::KNL107 " + MESSAGE
    )


def test_gitlab_code_quality_format(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED + FLAGGED.replace("clean", "again")})
    result = lint(tmp_path, "bad.py", "--format", "gitlab")
    assert result.returncode == 1
    issues = json.loads(result.stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("KNL107", "major", {"path": "bad.py", "lines": {"begin": 6, "end": 6}}),
        ("KNL107", "major", {"path": "bad.py", "lines": {"begin": 13, "end": 13}}),
    ]
    assert issues[0]["description"].startswith("KNL107 " + MESSAGE)
    assert len({i["fingerprint"] for i in issues}) == 2  # same line text twice: still unique


def test_lsp_format_uses_zero_based_utf16_positions(tmp_path: Path):
    write(tmp_path, {"emoji.py": EMOJI})
    result = lint(tmp_path, "emoji.py", "--format", "lsp")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    uri = (tmp_path / "emoji.py").resolve().as_uri()
    [diag] = data[uri]
    assert diag["range"] == {"start": {"line": 5, "character": 16}, "end": {"line": 5, "character": 27}}
    assert diag["severity"] == 2
    assert diag["code"] == "KNL107"
    assert diag["source"] == "kerasnanlint"
    assert "codeDescription" not in diag  # no public docs URL configured: no link to a local file


def test_stdin_columns_come_from_stdin_not_disk(tmp_path: Path):
    write(tmp_path, {"emoji.py": "import keras\n"})  # what is on disk differs from the editor's buffer
    result = lint(tmp_path, "-", "--stdin-filename", "emoji.py", "--format", "lsp", stdin=EMOJI)
    [diags] = json.loads(result.stdout).values()
    assert diags[0]["range"]["start"] == {"line": 5, "character": 16}


# --- exit codes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "severity", "expected"),
    [
        ((), None, 1),
        (("--exit-zero",), None, 0),
        (("--fail-on", "error"), None, 0),
        (("--fail-on", "error"), "error", 1),
        ((), "info", 0),
        (("--fail-on", "info"), "info", 1),
    ],
)
def test_exit_codes_follow_fail_on(tmp_path: Path, args: tuple[str, ...], severity: str | None, expected: int):
    write(tmp_path, {"bad.py": FLAGGED})
    if severity:
        config(tmp_path, f'severity = {{KNL107 = "{severity}"}}')
    result = lint(tmp_path, "bad.py", *args)
    assert result.returncode == expected, result.stdout + result.stderr
    if severity:
        assert f"KNL107 [{severity}]" in result.stdout


def test_fail_on_from_config(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED})
    config(tmp_path, 'fail-on = "error"')
    assert lint(tmp_path, "bad.py").returncode == 0
    assert lint(tmp_path, "bad.py", "--fail-on", "warning").returncode == 1


def test_missing_path_is_a_usage_error(tmp_path: Path):
    write(tmp_path, {"good.py": CLEAN})
    result = lint(tmp_path, "good.py", "nope.py")
    assert result.returncode == 2
    assert "nope.py" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [("--select", "XYZ1"), ("--ignore", "KNL9"), ("--format", "xml"), ("--jobs", "0"), ("-", "good.py")],
)
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: tuple[str, ...]):
    write(tmp_path, {"good.py": CLEAN})
    result = lint(tmp_path, *args, stdin="")
    assert result.returncode == 2
    assert result.stderr.strip()


# --- configuration ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("bogus = 1", "tool.kerasnanlint.bogus"),
        ('select = "KNL1"', "tool.kerasnanlint.select"),
        ('ignore = ["E501"]', "tool.kerasnanlint.ignore"),
        ('severity = {KNL107 = "fatal"}', "tool.kerasnanlint.severity.KNL107"),
        ('severity = {KNL999 = "info"}', "tool.kerasnanlint.severity.KNL999"),
        ('per-file-ignores = {"tests/*" = ["KNL9"]}', "tool.kerasnanlint.per-file-ignores.tests/*"),
        ("thresholds = {lr-decade-ratio = -3}", "tool.kerasnanlint.thresholds.lr-decade-ratio"),
        ("thresholds = {lr-ratio = 3}", "tool.kerasnanlint.thresholds.lr-ratio"),
        ("lr-decade-ratio = 3", "tool.kerasnanlint.lr-decade-ratio"),
        ('fail-on = "sometimes"', "tool.kerasnanlint.fail-on"),
        ("respect-gitignore = 1", "tool.kerasnanlint.respect-gitignore"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, body: str, key: str):
    write(tmp_path, {"bad.py": FLAGGED})
    config(tmp_path, body)
    result = lint(tmp_path, "bad.py")
    assert result.returncode == 2
    assert f"`{key}`" in result.stderr
    assert "pyproject.toml" in result.stderr
    assert result.stdout == ""


def test_invalid_toml_is_a_config_error(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED, "pyproject.toml": "[tool.kerasnanlint\n"})
    result = lint(tmp_path, "bad.py")
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr


def test_config_select_ignore_per_file_ignores(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED, "tests/test_bad.py": FLAGGED, "sub/bad.py": FLAGGED})
    config(tmp_path, 'per-file-ignores = {"tests/*" = ["KNL107"]}')
    assert codes(lint(tmp_path, ".")) == [("bad.py", 6, "KNL107"), ("sub/bad.py", 6, "KNL107")]

    config(tmp_path, 'ignore = ["KNL1"]')
    assert codes(lint(tmp_path, ".")) == []
    config(tmp_path, 'select = ["KNL107"]\nignore = ["KNL1"]')  # the most specific code wins, as in ruff
    assert len(codes(lint(tmp_path, "."))) == 3
    config(tmp_path, 'select = ["KNL000"]')
    assert lint(tmp_path, ".").returncode == 0


def test_cli_select_and_ignore_override_config(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED})
    config(tmp_path, 'ignore = ["KNL107"]')
    assert codes(lint(tmp_path, ".")) == []
    assert codes(lint(tmp_path, ".", "--select", "KNL107")) == [("bad.py", 6, "KNL107")]
    config(tmp_path, "")
    assert codes(lint(tmp_path, ".", "--ignore", "KNL107")) == []


def test_extend_exclude_and_force_exclude(tmp_path: Path):
    write(tmp_path, {"bad.py": FLAGGED, "vendored/bad.py": FLAGGED, "gen/x_pb2.py": FLAGGED})
    config(tmp_path, 'extend-exclude = ["vendored", "*_pb2.py"]')
    assert codes(lint(tmp_path, ".")) == [("bad.py", 6, "KNL107")]
    # A file named on the command line is linted, unless --force-exclude (what pre-commit passes).
    assert codes(lint(tmp_path, "vendored/bad.py")) == [("vendored/bad.py", 6, "KNL107")]
    result = lint(tmp_path, "vendored/bad.py", "gen/x_pb2.py", "--force-exclude")
    assert result.returncode == 0 and codes(result) == []
    piped = lint(tmp_path, "-", "--stdin-filename", "vendored/bad.py", "--force-exclude", stdin=FLAGGED)
    assert piped.returncode == 0


def test_gitignore_is_honoured(tmp_path: Path):
    write(
        tmp_path,
        {
            ".gitignore": "generated/\nscratch_*.py\n",
            "bad.py": FLAGGED,
            "generated/bad.py": FLAGGED,
            "scratch_1.py": FLAGGED,
            "pkg/.gitignore": "local.py\n",
            "pkg/local.py": FLAGGED,
            "pkg/kept.py": FLAGGED,
        },
    )
    assert codes(lint(tmp_path, ".")) == [("bad.py", 6, "KNL107"), ("pkg/kept.py", 6, "KNL107")]
    config(tmp_path, "respect-gitignore = false")
    assert len(codes(lint(tmp_path, "."))) == 5


def test_gitignore_above_the_linted_folder_applies_inside_a_git_repo(tmp_path: Path):
    write(tmp_path, {".gitignore": "src/generated/\n", "src/bad.py": FLAGGED, "src/generated/bad.py": FLAGGED})
    (tmp_path / ".git").mkdir()
    assert codes(lint(tmp_path, "src")) == [("src/bad.py", 6, "KNL107")]
    assert codes(lint(tmp_path / "src", ".")) == [("bad.py", 6, "KNL107")]


def test_git_info_exclude_and_the_global_excludes_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    write(
        tmp_path,
        {
            "repo/.git/info/exclude": "local_*.py\n",
            "repo/bad.py": FLAGGED,
            "repo/local_1.py": FLAGGED,
            "repo/notes_draft.py": FLAGGED,
            "home/.config/git/ignore": "*_draft.py\n",
        },
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert codes(lint(tmp_path / "repo", ".")) == [("bad.py", 6, "KNL107")]
    (home / ".gitconfig").write_text("[core]\n\texcludesFile = ~/elsewhere\n")
    (home / "elsewhere").write_text("bad.py\n")
    assert codes(lint(tmp_path / "repo", ".")) == [("notes_draft.py", 6, "KNL107")]


# --- suppressions ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("  # noqa: KNL107", True),
        ("  # noqa:KNL101,KNL107", True),
        ("  # NOQA: knl107 -- a known false positive", True),
        ("  # noqa", True),
        ("  # noqa: KNL101", False),
        ("  # just a comment", False),
    ],
)
def test_line_noqa(tmp_path: Path, comment: str, suppressed: bool):
    write(tmp_path, {"bad.py": FLAGGED.replace("= 0.0\n", f"= 0.0{comment}\n")})
    assert (codes(lint(tmp_path, "bad.py")) == []) is suppressed


@pytest.mark.parametrize(
    ("header", "suppressed"),
    [
        ("# kerasnanlint: noqa\n", True),
        ("# kerasnanlint: noqa: KNL107\n", True),
        ("# kerasnanlint: noqa: KNL301\n", False),
    ],
)
def test_file_level_noqa(tmp_path: Path, header: str, suppressed: bool):
    write(tmp_path, {"bad.py": header + FLAGGED})
    assert (codes(lint(tmp_path, "bad.py")) == []) is suppressed


# --- standard input --------------------------------------------------------------------------------------
def test_stdin_with_filename_uses_its_path_and_config(tmp_path: Path):
    config(tmp_path, 'per-file-ignores = {"tests/*" = ["KNL107"]}')
    result = lint(tmp_path, "-", "--stdin-filename", "src/new.py", stdin=FLAGGED)
    assert result.returncode == 1
    assert codes(result) == [("src/new.py", 6, "KNL107")]
    assert "in 1 file." in result.stdout
    ignored = lint(tmp_path, "-", "--stdin-filename", "tests/test_new.py", stdin=FLAGGED)
    assert ignored.returncode == 0


def test_stdin_filename_alone_reads_stdin(tmp_path: Path):
    write(tmp_path, {"other.py": FLAGGED})  # not linted: only standard input is
    result = lint(tmp_path, "--stdin-filename", "new.py", stdin=FLAGGED)
    assert codes(result) == [("new.py", 6, "KNL107")]


def test_stdin_without_filename(tmp_path: Path):
    result = lint(tmp_path, "-", stdin=FLAGGED)
    assert codes(result) == [("-", 6, "KNL107")]


# --- bad input -------------------------------------------------------------------------------------------
def test_unparsable_files_yield_one_knl000_each(tmp_path: Path):
    write(
        tmp_path,
        {
            "a_bad.py": FLAGGED,
            "b_syntax.py": "import keras\n\ndef f(:\n    pass\n",
            "c_undecodable.py": b"import keras\nx = '\xff\xfe'\n",
            "d_good.py": CLEAN,
        },
    )
    result = lint(tmp_path, ".", "--format", "json")
    assert result.returncode == 1
    found = {(d["filename"], d["code"], d["location"]["row"]) for d in json.loads(result.stdout)}
    assert found == {("a_bad.py", "KNL107", 6), ("b_syntax.py", "KNL000", 3), ("c_undecodable.py", "KNL000", 2)}
    messages = {d["filename"]: d["message"] for d in json.loads(result.stdout) if d["code"] == "KNL000"}
    assert "syntax" in messages["b_syntax.py"]
    assert "decode" in messages["c_undecodable.py"]


def test_jobs_and_cache_do_not_change_results(tmp_path: Path):
    write(tmp_path, {f"m{i}.py": FLAGGED if i % 2 else CLEAN for i in range(10)})
    serial = lint(tmp_path, ".", "--format", "json", "--jobs", "1", "--no-cache").stdout
    assert len(json.loads(serial)) == 5
    assert lint(tmp_path, ".", "--format", "json", "--jobs", "2", "--no-cache").stdout == serial
    assert lint(tmp_path, ".", "--format", "json").stdout == serial  # fills the cache
    assert lint(tmp_path, ".", "--format", "json").stdout == serial  # reads it


# --- statistics, rules, version --------------------------------------------------------------------------
def test_statistics(tmp_path: Path):
    write(tmp_path, {"a.py": FLAGGED, "b.py": FLAGGED, "c.py": "import keras\nx = (\n"})
    result = lint(tmp_path, ".", "--statistics")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"\s*2\s+KNL107\s+\[warning\]\s+nan-equality", lines[0])
    assert re.fullmatch(r"\s*1\s+KNL000\s+\[error\]\s+unparsable-file", lines[1])
    as_json = json.loads(lint(tmp_path, ".", "--statistics", "--format", "json").stdout)
    assert as_json[0] == {"code": "KNL107", "name": "nan-equality", "severity": "warning", "count": 2}


def test_version_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from kerasnanlint.cli import main\n"
        "rc = main(['--version'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'libcst', 'tensorflow', 'keras', 'pygls'})\n"
        "print(rc, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == [f"kerasnanlint {_version()}", "0 []"]


def _version() -> str:
    from kerasnanlint import __version__

    return __version__


def test_rules_lists_the_catalogue(tmp_path: Path):
    result = lint(tmp_path, "rules")
    assert result.returncode == 0
    assert re.search(r"^KNL107\s+nan-equality\s+warning\s+", result.stdout, flags=re.M)
    listed = json.loads(lint(tmp_path, "rules", "--format", "json").stdout)
    assert {"code": "KNL107", "name": "nan-equality", "severity": "warning"}.items() <= next(
        r for r in listed if r["code"] == "KNL107"
    ).items()


def test_rule_prints_its_doc(tmp_path: Path):
    result = lint(tmp_path, "rule", "knl107")
    assert result.returncode == 0
    assert result.stdout.startswith("# nan-equality (KNL107)\n")
    assert "## What it does" in result.stdout
    unknown = lint(tmp_path, "rule", "KNL999")
    assert unknown.returncode == 2
    assert "KNL999" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("--fixx", "."), "(did you mean --fix?)"),
        (("check", "--formt", "json", "."), "(did you mean --format?)"),
        (("chekc", "."), "(did you mean the `check` command?)"),
        (("--select", "KNL1077", "."), "(did you mean KNL107?)"),
    ],
)
def test_did_you_mean(tmp_path: Path, args: tuple[str, ...], hint: str):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and hint in result.stderr, result.stderr
