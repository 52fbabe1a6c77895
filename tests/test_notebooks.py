"""Jupyter notebooks: discovery, one program per notebook, IPython syntax, locations in cells, fixes that keep the
file's JSON, exported scripts, bad input. CLI tests run the real CLI in a subprocess, as tests/test_cli.py does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kerasnanlint.config import ConfigError, Settings, settings_from_table
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.ipython import blank_ipython, ipython_lines
from kerasnanlint.notebook import parse_notebook
from kerasnanlint.notebook_lint import fix_notebook, lint_notebook
from tests.helpers import ROOT, notebook, run_cli

SETUP = "!pip install -q keras-tuner\n%matplotlib inline\nimport keras\nimport keras_tuner as kt\nimport numpy as np"
BUILD = (
    "def build_model(hp):\n"
    "    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
    "    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
    "    return model"
)
TUNER = "tuner = kt.RandomSearch(\n    build_model,\n    objective='val_acc',\n    overwrite=True,\n)"
NAN = "y = np.zeros(3)\nbad = y[y == np.nan]"
FLAGGED = notebook(SETUP, ("markdown", "# A title\n!not code"), BUILD, TUNER, NAN)
PY_FLAGGED = "import keras\nimport numpy as np\n\n\ndef clean(y):\n    y[y == np.nan] = 0.0\n    return y\n"


def lint(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args, "--no-cache", cwd=folder, stdin=stdin.encode() if stdin is not None else None)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def findings(data: str, path: str = "nb.ipynb", settings: Settings | None = None) -> list[Diagnostic]:
    return lint_notebook(data.encode(), path, settings or Settings())


def codes_at(diags: list[Diagnostic]) -> set[tuple[str, int | None, int, int]]:
    return {(d.rule, d.cell, d.line, d.col) for d in diags}


# --- 1. notebooks as inputs ------------------------------------------------------------------------------------


def test_named_and_discovered_notebooks_are_linted(tmp_path: Path):
    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.ipynb").write_text(FLAGGED, encoding="utf-8")
    named = lint(tmp_path, "tune.ipynb", "--output-format", "concise")
    assert named.returncode == 1
    assert "tune.ipynb:cell 3:3:15: KNL301 [error]" in named.stdout
    assert "All checks passed" not in named.stdout
    found = lint(tmp_path, ".", "--output-format", "concise")
    assert "sub/more.ipynb:cell 3:3:15: KNL301" in found.stdout and "tune.ipynb:cell 3" in found.stdout


def test_include_and_extend_include(tmp_path: Path):
    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "a.py").write_text(PY_FLAGGED, encoding="utf-8")
    (tmp_path / "b.pyw").write_text(PY_FLAGGED, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\ninclude = ["*.py"]\n', encoding="utf-8")
    out = lint(tmp_path, ".").stdout
    assert "a.py:6" in out and "tune.ipynb" not in out and "b.pyw" not in out
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\nextend-include = ["*.pyw"]\n', encoding="utf-8")
    out = lint(tmp_path, ".").stdout
    assert "a.py:6" in out and "tune.ipynb:cell 3" in out and "b.pyw:6" in out
    (tmp_path / "pyproject.toml").write_text('[tool.kerasnanlint]\ninclude = "*.py"\n', encoding="utf-8")
    bad = lint(tmp_path, ".")
    assert bad.returncode == 2 and "tool.kerasnanlint.include" in bad.stderr


def test_include_settings_are_validated():
    s = settings_from_table({"include": ["*.py"], "extend-include": ["nb/*.ipynb"]}, Path("."))
    assert s.included("x.py", "x.py") and not s.included("y.ipynb", "y.ipynb") and s.included("y.ipynb", "nb/y.ipynb")
    assert Settings().include == ("*.py", "*.pyi", "*.ipynb")
    with pytest.raises(ConfigError, match="extend-include"):
        settings_from_table({"extend-include": [1]}, Path("."))
    with pytest.raises(ConfigError, match="unknown key"):
        settings_from_table({"includes": ["*.py"]}, Path("."))


def test_standard_input_as_a_notebook(tmp_path: Path):
    result = lint(tmp_path, "-", "--stdin-filename", "tune.ipynb", "--output-format", "concise", stdin=FLAGGED)
    assert "tune.ipynb:cell 3:3:15: KNL301" in result.stdout
    fixed = lint(tmp_path, "-", "--stdin-filename", "tune.ipynb", "--fix", stdin=FLAGGED)
    nb = json.loads(fixed.stdout)  # standard output carries the fixed notebook
    assert "np.isnan(y)" in "".join(nb["cells"][4]["source"])


# --- 2. one program, IPython syntax ----------------------------------------------------------------------------


def test_cells_are_one_program_in_order():
    # The tuner in cell 3 uses the builder of cell 2 and the imports of cell 1: KNL301 needs all three.
    assert ("KNL301", 3, 3, 15) in codes_at(findings(FLAGGED))
    assert ("KNL107", 4, 2, 9) in codes_at(findings(FLAGGED))


def test_ipython_lines_are_blanked_where_statements_start():
    lines = [
        "%matplotlib inline",
        "!pip install x",
        "files = !ls",
        "t = %timeit -o f()",
        "x?",
        "?x",
        "  %time f()",
        's = """',
        "!not a command",
        '"""',
        "y = (1,",
        "  2)",
        "z = a if b else c  # why?",
        "!echo \\",
        "  continued",
    ]
    assert ipython_lines(lines) == [0, 1, 2, 3, 4, 5, 6, 13, 14]
    text, found = blank_ipython("import keras\n!pip install x\nx = 1\n")
    assert found == [1] and text.splitlines()[1].startswith("pass") and text.splitlines()[2] == "x = 1"


def test_cell_magics_and_markdown():
    nb = parse_notebook(
        notebook(
            "%%bash\necho y == np.nan",
            "%%writefile a.py\nimport keras",
            "%%capture\nimport keras\nimport numpy as np\ny = np.zeros(2)",
            ("markdown", "y[y == np.nan]"),
            ("raw", "%%%"),
            "bad = y[y == np.nan]",
        )
    )
    assert [c.skipped for c in nb.cells] == ["%%bash", "%%writefile", None, None]
    diags = lint_notebook(nb.text.encode(), "nb.ipynb", Settings())
    assert codes_at(diags) == {("KNL107", 4, 1, 9)}


# --- 3. locations name the cell ---------------------------------------------------------------------------------


def test_json_has_the_cell_only_for_notebooks(tmp_path: Path):
    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "a.py").write_text(PY_FLAGGED, encoding="utf-8")
    data = json.loads(lint(tmp_path, ".", "--format", "json").stdout)
    by_file = {d["filename"]: d for d in data}
    assert "cell" not in by_file["a.py"] and list(by_file["a.py"]) == [
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
    ]
    knl301 = next(d for d in data if d["code"] == "KNL301")
    assert knl301["cell"] == 3 and knl301["location"] == {"row": 3, "column": 15}
    assert knl301["fix"]["edits"][0]["cell"] == 3


def test_cache_keeps_the_cell():
    d = next(d for d in findings(FLAGGED) if d.rule == "KNL301")
    again = Diagnostic.from_json(json.loads(json.dumps(d.to_json(where=True))))
    assert again == d and again.cell == 3 and again.fix is not None and again.fix.edits[0].cell == 3


def test_noqa_in_a_cell_and_for_the_file():
    line = notebook(SETUP, BUILD, TUNER.replace("'val_acc',", "'val_acc',  # noqa: KNL301"), NAN)
    assert "KNL301" not in {d.rule for d in findings(line)}
    assert "KNL107" in {d.rule for d in findings(line)}
    whole = notebook("# kerasnanlint: noqa\n" + SETUP, BUILD, TUNER, NAN)
    assert findings(whole) == []


def test_sarif_github_gitlab_name_the_cell(tmp_path: Path):
    from jsonschema import Draft4Validator

    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    log = json.loads(lint(tmp_path, "tune.ipynb", "--format", "sarif").stdout)
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(log))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "KNL301")
    assert result["properties"]["cell"] == 3 and result["message"]["text"].startswith("cell 3: ")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tune.ipynb" and location["region"]["startLine"] == 3
    github = lint(tmp_path, "tune.ipynb", "--format", "github").stdout
    assert "line=3," in github and "(cell 3)::cell 3, line 3, column 15: KNL301" in github
    gitlab = json.loads(lint(tmp_path, "tune.ipynb", "--format", "gitlab").stdout)
    assert any(i["description"].startswith("KNL301 cell 3:") for i in gitlab)


# --- 4. fixes ----------------------------------------------------------------------------------------------------


def _with_outputs(text: str) -> str:
    data = json.loads(text)
    data["cells"][0]["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ok ✓\n"]}]
    data["metadata"]["custom"] = {"z": 1, "a": 2}
    return json.dumps(data, indent=2, ensure_ascii=True)  # another layout: indent 2, escaped, no final newline


def test_fix_edits_cells_and_keeps_everything_else(tmp_path: Path):
    for text in (FLAGGED, _with_outputs(FLAGGED)):
        path = tmp_path / "tune.ipynb"
        path.write_text(text, encoding="utf-8")
        result = lint(tmp_path, "tune.ipynb", "--fix", "--unsafe-fixes")
        assert "Fixed" in result.stdout
        after = path.read_text(encoding="utf-8")
        before_data, after_data = json.loads(text), json.loads(after)
        assert "'val_accuracy'" in "".join(after_data["cells"][3]["source"])
        assert "np.isnan(y)" in "".join(after_data["cells"][4]["source"])
        assert after_data["cells"][0] == before_data["cells"][0]  # the !pip / %matplotlib cell, its outputs
        assert [c["id"] for c in after_data["cells"]] == [c["id"] for c in before_data["cells"]]
        assert after_data["metadata"] == before_data["metadata"]
        # The layout is the file's: the same text once the edited cells are put back.
        for i in (3, 4):
            after_data["cells"][i] = before_data["cells"][i]
        indent = 2 if text != FLAGGED else 1
        again = json.dumps(after_data, indent=indent, ensure_ascii=text != FLAGGED) + ("\n" if text == FLAGGED else "")
        assert again == text
        relint = lint(tmp_path, "tune.ipynb")
        assert "KNL301" not in relint.stdout and "KNL107" not in relint.stdout


def test_diff_prints_cells_and_writes_nothing(tmp_path: Path):
    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    result = lint(tmp_path, "tune.ipynb", "--diff")
    assert result.returncode == 1
    assert "--- tune.ipynb:cell 4\n+++ tune.ipynb:cell 4\n" in result.stdout
    assert "-bad = y[y == np.nan]\n+bad = y[np.isnan(y)]\n" in result.stdout
    assert (tmp_path / "tune.ipynb").read_text(encoding="utf-8") == FLAGGED


def test_a_fix_never_touches_an_ipython_line():
    # Blanked lines are whole statements and fixes edit expressions; a fix whose span reached one is not offered.
    from kerasnanlint.diagnostics import Applicability, Edit, Fix, Severity
    from kerasnanlint.notebook_lint import to_cells

    program = parse_notebook(notebook(SETUP, NAN)).program()
    first = program.program_line(1, 1)  # `!pip install`, blanked
    edit = Edit(first, 1, first + 2, 1, "")
    d = Diagnostic("KNL107", "nan-equality", Severity.WARNING, "nb.ipynb", first, 1, first, 2, "m")
    moved = to_cells(d.with_(fix=Fix("t", Applicability.SAFE, (edit,))), program)
    assert (moved.cell, moved.line, moved.fix) == (1, 1, None)
    plain = notebook(SETUP, NAN)
    result = fix_notebook(plain.encode(), "nb.ipynb", Settings(), unsafe=False)
    cells = json.loads(result.data)["cells"]
    assert cells[0]["source"] == json.loads(plain)["cells"][0]["source"]
    assert "".join(cells[1]["source"]) == "y = np.zeros(3)\nbad = y[np.isnan(y)]"


# --- 5. pre-commit: tests/test_precommit.py runs a notebook through both hooks -----------------------------------


def test_hooks_take_notebooks():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert hooks.count("types_or: [python, pyi, jupyter]") == 2


# --- 6. scripts exported from notebooks --------------------------------------------------------------------------


def test_exported_script_is_linted(tmp_path: Path):
    script = "# Colab export\n!pip install keras-tuner\n%matplotlib inline\n" + PY_FLAGGED.replace(
        "def clean", "if True:\n    !nvidia-smi\n\n\ndef clean"
    )
    (tmp_path / "tune.py").write_text(script, encoding="utf-8")
    result = lint(tmp_path, "tune.py", "--output-format", "concise")
    assert "KNL000" not in result.stdout
    assert "tune.py:13:7: KNL107" in result.stdout
    fixed = lint(tmp_path, "tune.py", "--fix")
    assert "Fixed 1 finding" in fixed.stdout
    text = (tmp_path / "tune.py").read_text(encoding="utf-8")
    assert "!pip install keras-tuner\n%matplotlib inline\n" in text and "    !nvidia-smi\n" in text
    assert "np.isnan(y)" in text


def test_a_real_syntax_error_stays_knl000(tmp_path: Path):
    (tmp_path / "a.py").write_text("import keras\n!pip install x\nx = (\n", encoding="utf-8")
    result = lint(tmp_path, "a.py", "--output-format", "concise")
    assert "a.py:3:5: KNL000 [error] syntax error: '(' was never closed" in result.stdout


# --- 7. bad input -------------------------------------------------------------------------------------------------


def test_bad_notebooks_get_a_clear_knl000_and_do_not_stop_the_others(tmp_path: Path):
    files = {
        "truncated.ipynb": FLAGGED[: len(FLAGGED) // 2],
        "v3.ipynb": json.dumps({"nbformat": 3, "worksheets": [{"cells": []}], "metadata": {"k": "keras"}}),
        "string_source.ipynb": _string_sources(FLAGGED),
        "empty.ipynb": notebook(),
        "nolang.ipynb": notebook(SETUP, BUILD, TUNER, language=None),
        "r.ipynb": notebook("library(keras)\ny == NaN", language="R"),
        "z.py": PY_FLAGGED,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, ".", "--output-format", "concise")
    out = result.stdout
    assert "r.ipynb: skipped: its kernel language is R, not Python" in result.stderr
    assert "truncated.ipynb:" in out and "KNL000 [error] not a notebook: invalid JSON" in out
    assert "v3.ipynb:1:1: KNL000 [error] nbformat 3 notebooks are not supported" in out
    assert "string_source.ipynb:cell 3:3:15: KNL301" in out
    assert "empty.ipynb" not in out and "r.ipynb" not in out
    assert "nolang.ipynb:cell 3:3:15: KNL301" in out
    assert "z.py:6:7: KNL107" in out


def _string_sources(text: str) -> str:
    data = json.loads(text)
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"])
    return json.dumps(data, indent=1)


def test_a_syntax_error_in_a_cell_is_placed_in_it():
    diags = findings(notebook(SETUP, "import keras\nx = (1,\n", "y = 2"))
    assert [(d.rule, d.cell) for d in diags] == [("KNL000", 2)]


# --- runtime-confirm and start-up ---------------------------------------------------------------------------------


def test_confirm_is_given_notebooks_like_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The CLI hands a folder's notebooks and their findings to confirm (tests/test_confirm.py runs them)."""
    import kerasnanlint.confirm
    from kerasnanlint import cli

    (tmp_path / "tune.ipynb").write_text(FLAGGED, encoding="utf-8")
    given: list[tuple[list[Path], list[Diagnostic]]] = []

    def fake(paths: list[Path], settings: Settings, diagnostics: list[Diagnostic], options: object) -> list:
        given.append((paths, diagnostics))
        return diagnostics

    monkeypatch.setattr(kerasnanlint.confirm, "confirm", fake)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["confirm", "--no-cache", "-q", "."]) == 1
    [(paths, diagnostics)] = given
    assert paths == [Path(".")] and ("tune.ipynb", 3, 3) in [(d.path, d.cell, d.line) for d in diagnostics]


def test_notebook_code_is_imported_only_for_notebooks(tmp_path: Path):
    (tmp_path / "a.py").write_text(PY_FLAGGED, encoding="utf-8")
    probe = (
        "import sys\nfrom kerasnanlint.cli import main\n"
        "main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m in ('kerasnanlint.notebook', 'kerasnanlint.notebook_lint',"
        " 'kerasnanlint.ipython')), file=sys.stderr)\n"
    )
    for args in (["a.py", "--no-cache", "-j", "1"], ["--version"]):
        result = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, capture_output=True, text=True)
        assert result.stderr.strip().endswith("[]"), result.stderr
