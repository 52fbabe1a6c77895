"""Runtime-confirm against the measured ground truth (shared/reference/runtime-ground-truth.md).

The ``runtime`` tests really run TensorFlow and KerasTuner on CPU in child processes; each fixture shares one
confirm call (one child per script) across several assertions, with 1 trial x 1 epoch per probe.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kerasnanlint.config import Settings
from kerasnanlint.confirm import INSTALL, ConfirmOptions, confirm, missing_extra
from kerasnanlint.confirm.measurements import Measurements
from kerasnanlint.confirm.plan import FilePlan, make_plan
from kerasnanlint.confirm.report import call_span, confirm_file
from kerasnanlint.confirm.spawn import Outcome
from kerasnanlint.diagnostics import Diagnostic, Severity, Where
from tests.helpers import ROOT, RULES, expected, notebook, run_cli

DATA = ROOT / "tests" / "data" / "confirm"


def runtime(test):
    """Really runs TensorFlow/KerasTuner: marked ``runtime`` and skipped without the runtime extra."""
    skip = pytest.mark.skipif(missing_extra() is not None, reason="needs the runtime extra")
    return pytest.mark.runtime(skip(test))


def where_at(source: str, line: int) -> Where:
    """What the lint walk records for a finding on ``line``: its function, builder and statement."""
    import libcst as cst

    from kerasnanlint.details import where_of
    from kerasnanlint.engine import parse
    from kerasnanlint.positions import Positions

    module = parse(source)
    positions = Positions(module)
    node = next(n for n in positions if isinstance(n, cst.Name) and positions[n].start.line == line)
    return where_of(module, positions, node)


def finding(path: Path, rule: str, line: int) -> Diagnostic:
    """A static finding as the linter would report it (keyed by rule code, independent of the static rules)."""
    shown = path.relative_to(ROOT).as_posix()
    where = where_at(path.read_text(encoding="utf-8"), line)
    return Diagnostic(rule, rule.lower(), Severity.WARNING, shown, line, 1, line, 2, "static finding", where=where)


def run(paths: list[Path], diagnostics: list[Diagnostic], budget: float = 240, **options: Any) -> list[Diagnostic]:
    chosen = ConfirmOptions(budget=budget, device="cpu", trials=1, epochs=1, **options)
    return confirm(paths, Settings(root=ROOT), diagnostics, chosen)


def verdict(diags: list[Diagnostic], rule: str, name: str = "") -> tuple[str, str]:
    d = next(d for d in diags if d.rule == rule and name in d.path)
    assert d.confirmation is not None, d
    return d.confirmation.verdict, d.confirmation.evidence


# -- fast: no TensorFlow ----------------------------------------------------------------------------------------


def test_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "keras_tuner" else real(n, *a))
    message = missing_extra()
    assert message is not None and INSTALL in message and "keras_tuner" in message
    assert INSTALL.startswith('pip install ".[runtime-cpu]"')  # the package is not published: from a clone


def test_confirm_without_extra_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    from kerasnanlint import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "tensorflow" else real(n, *a))
    assert cli.main(["confirm", "--no-cache", str(ROOT / "examples")]) == 2
    assert 'pip install ".[runtime-cpu]" in a clone' in capsys.readouterr().err


def test_parent_never_imports_tensorflow() -> None:
    code = (
        "import sys, kerasnanlint.confirm, kerasnanlint.confirm.plan, kerasnanlint.confirm.report, "
        "kerasnanlint.confirm.spawn; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_child_needs_no_rule_records() -> None:
    """What the child knows of the rules comes in its plan: it imports neither the registry nor the checks."""
    code = (
        "import sys, kerasnanlint.confirm.child; "
        "assert not [m for m in sys.modules if m.startswith(('kerasnanlint.registry', 'kerasnanlint.checks'))]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_plan_takes_callable_definitions_from_the_lint_walk(tmp_path: Path) -> None:
    source = "def f(a, b):\n    return a / b\nclass L:\n    def call(self, x):\n        return x\n"
    assert where_at(source, 2).function == "f"
    assert where_at(source, 5).function == "L.call"
    assert where_at(source, 3).function is None
    path = tmp_path / "losses.py"
    path.write_text(source, encoding="utf-8")
    diags = [
        Diagnostic(rule, "x", Severity.WARNING, "losses.py", line, 1, line, 2, "m", where=where_at(source, line))
        for rule, line in (("KNL101", 2), ("KNL101", 5), ("KNL401", 2))
    ]
    plan = make_plan(path, "losses.py", diags)
    assert plan is not None
    direct, method, search = plan.entries
    assert (direct["function"], direct["builder"], direct["span"]) == ("f", "f", [1, 2])
    assert method["function"] == "L.call" and "builder" not in method and method["span"] == [3, 5]
    assert "function" not in search  # only "direct" probes call the flagged function
    assert direct["probe"]["judge"] == "function" and search["probe"]["pin_top"] is True
    assert plan.runs == ["baseline", "lr_top"]


def test_every_probe_names_a_judge_and_known_runs() -> None:
    import re

    from kerasnanlint.confirm.judges import JUDGES
    from kerasnanlint.confirm.names import PINS
    from kerasnanlint.confirm.plan import RUN_ORDER, runtime_rule
    from kerasnanlint.registry import all_rules

    probed = [r for r in all_rules().values() if r.probe is not None]
    assert probed
    for r in probed:
        assert r.probe is not None
        if r.runtime_only:
            assert runtime_rule(r.probe.judge) is r  # reported by confirm/report.py, looked up by judge
        else:
            assert r.probe.judge in JUDGES, r.code
        assert set(r.probe.runs) <= set(RUN_ORDER), r.code
        assert set(r.probe.pin_activations) <= set(PINS), r.code
        for pattern in (r.probe.raises, r.probe.warning):
            if pattern is not None:
                re.compile(pattern)
    assert {runtime_rule(j).code for j in ("nonfinite_data", "input_scale")} == {
        r.code for r in probed if r.runtime_only
    }


def test_docs_probe_table_is_generated_from_the_rules() -> None:
    from kerasnanlint.confirm.plan import probe_table

    docs = (ROOT / "docs" / "confirm.md").read_text(encoding="utf-8")
    assert probe_table() in docs, "docs/confirm.md probe table is stale: paste kerasnanlint.confirm.plan.probe_table()"


def test_confirm_spells_no_rule_code_and_parses_nothing() -> None:
    package = ROOT / "kerasnanlint" / "confirm"
    for path in package.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "KNL" not in text, f"{path.name} names a rule: read it from the rule records instead"
        assert "import ast" not in text and "ast.parse" not in text, path.name


def test_call_range_is_read_from_the_running_code(tmp_path: Path) -> None:
    helper = tmp_path / "fake_model.py"
    helper.write_text(
        "from kerasnanlint.confirm.frames import call_range, user_frame\n"
        "SEEN = []\n"
        "class Model:\n"
        "    def fit(self, *args):\n"
        "        frame = user_frame(SCRIPT)\n"
        "        SEEN.append((frame.f_lineno, call_range(frame)))\n"
        "    search = fit\n",
        encoding="utf-8",
    )
    script = tmp_path / "script.py"
    script.write_text(
        "import fake_model\n"
        "fake_model.SCRIPT = __file__\n"
        "model = fake_model.Model()\n"
        "history = model.fit(1,\n"
        "    2)\n"
        "(model\n"
        "    .search(3))\n"
        "fit = model.fit\n"
        "fit(4)\n",
        encoding="utf-8",
    )
    code = f"import runpy, sys; sys.path.insert(0, {str(tmp_path)!r}); runpy.run_path({str(script)!r})"
    code += "; import fake_model, json; print(json.dumps(fake_model.SEEN))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    seen = json.loads(out)
    if sys.version_info < (3, 11):  # no code positions: the report falls back to the line
        assert seen == [[4, None], [7, None], [9, None]]
    else:  # as ast's Call: the call of a method named fit/search on its first line, else the line
        assert seen == [[4, [4, 11, 5, 7]], [7, None], [9, None]]
    source = script.read_text(encoding="utf-8")
    assert call_span(source, {"line": 4, "range": [4, 11, 5, 7]}) == (4, 11, 5, 7)
    assert call_span(source, {"line": 7}) == (7, 5, 7, 16)  # the line's text
    assert call_span(source, {"line": None}) == (1, 1, 1, 1)


def test_a_child_that_never_reports_is_could_not_run() -> None:
    path = DATA / "val_acc.py"
    plan = make_plan(path, "val_acc.py", [finding(path, "KNL301", 19)])
    assert isinstance(plan, FilePlan)
    out, extra = confirm_file(plan, Outcome(None, 30.0, timed_out=True), Settings())
    assert extra == []
    assert out[0].confirmation is not None
    assert out[0].confirmation.verdict == "could not run"
    assert "timed out after 30 s" in out[0].confirmation.evidence


# A data cell, a hypermodel cell and a tuner cell whose objective is never logged, with IPython lines around them.
TUNE_CELLS = (
    "!pip install -q keras-tuner\n%matplotlib inline\nimport keras\nimport keras_tuner as kt\nimport numpy as np",
    ("markdown", "# The data"),
    "x = np.random.rand(128, 4).astype('float32')\ny = np.random.randint(0, 2, size=(128, 1)).astype('float32')",
    "def build_model(hp):\n    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(hp.Int('u', 4, 8, "
    "step=4), activation='relu'), keras.layers.Dense(1, activation='sigmoid')])\n    model.compile(optimizer='adam', "
    "loss='binary_crossentropy', metrics=['accuracy'])\n    return model",
    "tuner = kt.RandomSearch(\n    build_model,\n    objective='val_acc',\n    max_trials=2,\n    overwrite=True,\n)\n"
    "tuner.search(x, y, epochs=1, validation_split=0.25)",
)
# NaN in the arrays of a plain fit(), in the last cell.
NAN_CELLS = (
    "import keras\nimport numpy as np",
    "x = np.random.rand(128, 4).astype('float32')\nx[5, 1] = np.nan\ny = (x[:, :1] > 0.5).astype('float32')",
    "%matplotlib inline\nmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, "
    "activation='sigmoid')])\nmodel.compile(optimizer='adam', loss='binary_crossentropy')\n"
    "model.fit(x, y, epochs=1)",
)
# Definitions only (no search/fit): the metric is called by name, the builder built, the tuner (after a shell
# line in its cell) searched on synthetic data.
DEFS_CELLS = (
    "import keras\nimport keras_tuner as kt\nimport tensorflow as tf",
    "def precision(y_true, y_pred):\n    y_pred_pos = tf.round(tf.clip_by_value(y_pred, 0.0, 1.0))\n"
    "    return tf.reduce_sum(y_true * y_pred_pos) / tf.reduce_sum(y_pred_pos)",
    TUNE_CELLS[3].replace("metrics=['accuracy']", "metrics=['accuracy', precision]"),
    "!nvidia-smi\n" + TUNE_CELLS[4].split("\ntuner.search")[0],
)


def test_plan_of_a_notebook_counts_in_its_program(tmp_path: Path) -> None:
    from kerasnanlint.notebook_lint import lint_notebook

    path = tmp_path / "tune.ipynb"
    path.write_text(notebook(*TUNE_CELLS), encoding="utf-8")
    diags = [d for d in lint_notebook(path.read_bytes(), "tune.ipynb", Settings()) if d.rule == "KNL301"]
    assert [(d.cell, d.line) for d in diags] == [(4, 3)]
    plan = make_plan(path, "tune.ipynb", diags)
    assert plan is not None and plan.program is not None and plan.findings == diags
    first = plan.program.program_line(4, 1)
    assert plan.entries[0]["line"] == first + 2 and plan.entries[0]["span"] == [first, first + 5]
    assert plan.at(first + 2) == "cell 4, line 3" and plan.source.splitlines()[first + 1] == "    objective='val_acc',"
    work = tmp_path / "work"
    work.mkdir()
    script = plan.script_in(work)
    assert Path(script["script"]).read_text(encoding="utf-8") == plan.source
    assert script["import_dir"] == str(tmp_path.resolve())
    assert "pass  #:knl-ipython" in plan.source and "!pip" not in plan.source
    raised = Outcome({"script": {"status": "raised", "error": "NameError: x", "lines": [first + 2]}}, 1.0)
    assert "NameError: x at cell 4, line 3 before" in str(Measurements(plan, raised).before_capture())


# -- runtime: real TensorFlow / KerasTuner on CPU -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> list[dict]:
    """The seed scripts through the real CLI: lint, confirm, JSON out."""
    proc = run_cli(
        "confirm", "--no-cache", "--format", "json", "--device", "cpu", "--trials", "1", "--epochs", "1",
        "--select", "KNL303,KNL401,KNL502", "--budget", "200", "examples",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "confirm [" in proc.stderr  # the progress display
    return json.loads(proc.stdout)


def _seed(seeds: list[dict], script: str, code: str) -> dict:
    found = [d for d in seeds if script in d["filename"] and d["code"] == code]
    assert found, f"the static linter no longer reports {code} on {script}"
    assert found[0]["confirmation"] is not None
    return found[0]["confirmation"]


@runtime
def test_seed2_objective_direction_confirmed_by_construction_error(seeds: list[dict]) -> None:
    c = _seed(seeds, "seed2", "KNL303")
    assert c["verdict"] == "confirmed"
    assert "ValueError at tuner construction" in c["evidence"] and "val_custom_metric" in c["evidence"]
    assert c["device"] == "CPU, TensorFlow backend"


@runtime
def test_seed1_linear_learning_rate_not_reproduced(seeds: list[dict]) -> None:
    c = _seed(seeds, "seed1", "KNL401")
    assert c["verdict"] == "not reproduced"
    assert "learning_rate=0.01" in c["evidence"]  # what was tried: the top of the range


@runtime
def test_seed3_single_class_labels_confirmed(seeds: list[dict]) -> None:
    c = _seed(seeds, "seed3", "KNL502")
    assert c["verdict"] == "confirmed" and "single class" in c["evidence"]


@pytest.fixture(scope="module")
def training() -> list[Diagnostic]:
    scripts = {
        "precision_below_half.py": ("KNL101", 10),
        "log_loss_relu.py": ("KNL102", 8),
        "sgd_regression.py": ("KNL402", 9),
        "val_acc.py": ("KNL301", 19),
    }
    diags = [finding(DATA / name, rule, line) for name, (rule, line) in scripts.items()]
    return run([DATA / name for name in scripts], diags)


@runtime
def test_precision_without_epsilon_names_metric_and_epoch(training: list[Diagnostic]) -> None:
    v, evidence = verdict(training, "KNL101", "precision")
    assert v == "confirmed"
    assert "`precision_metric` = nan" in evidence and "epoch 1" in evidence


@runtime
def test_log_loss_after_relu_nan_at_epoch_1_batch_0(training: list[Diagnostic]) -> None:
    v, evidence = verdict(training, "KNL102", "log_loss")
    assert v == "confirmed"
    assert "epoch 1, batch 0" in evidence


@runtime
def test_sgd_learning_rate_one_on_regression(training: list[Diagnostic]) -> None:
    v, evidence = verdict(training, "KNL402", "sgd")
    assert v == "confirmed"
    assert "learning_rate=1.0" in evidence and ("inf" in evidence or "nan" in evidence)


@runtime
def test_val_acc_objective_confirmed_by_keyerror(training: list[Diagnostic]) -> None:
    v, evidence = verdict(training, "KNL301", "val_acc")
    assert v == "confirmed"
    assert "KeyError: 'val_acc'" in evidence and "val_accuracy" in evidence


@pytest.fixture(scope="module")
def data_rules() -> list[Diagnostic]:
    return run([RULES / "KNL503", RULES / "KNL504"], [])


@runtime
@pytest.mark.parametrize("code", ["KNL503", "KNL504"])
def test_runtime_only_rules_on_their_examples(data_rules: list[Diagnostic], code: str) -> None:
    flagged = RULES / code / "flagged.py"
    got = {(d.line, d.rule) for d in data_rules if d.path.endswith(f"{code}/flagged.py")}
    assert got == expected(flagged)
    assert not [d for d in data_rules if d.path.endswith(f"{code}/clean.py")]


@runtime
def test_nan_count_and_pixel_scale_in_messages(data_rules: list[Diagnostic]) -> None:
    nan = next(d for d in data_rules if d.rule == "KNL503")
    assert "x: 2 NaN of 2048 values" in (nan.help or "")
    assert nan.confirmation is not None and "in the short run:" in nan.confirmation.evidence
    assert "= nan first at epoch 1" in nan.confirmation.evidence  # the loss or a weight, whichever turns first
    scale = next(d for d in data_rules if d.rule == "KNL504")
    assert "255" in scale.message and "Rescaling" in (scale.help or "")


@runtime
def test_broken_scripts_could_not_run_and_the_rest_continues() -> None:
    broken = DATA / "broken"
    diags = [
        finding(broken / "a_hangs.py", "KNL402", 11),
        finding(broken / "b_exits.py", "KNL402", 10),
        finding(broken / "c_raises.py", "KNL402", 7),
    ]
    out = run([broken], diags, budget=50)  # 50 s: the hanging script gets 50 - 3 x 12 s
    assert verdict(out, "KNL402", "a_hangs") == ("could not run", verdict(out, "KNL402", "a_hangs")[1])
    assert "timed out" in verdict(out, "KNL402", "a_hangs")[1]
    assert verdict(out, "KNL402", "b_exits")[0] == "could not run"
    assert "exit(3)" in verdict(out, "KNL402", "b_exits")[1]
    assert verdict(out, "KNL402", "c_raises")[0] == "could not run"
    assert "FileNotFoundError" in verdict(out, "KNL402", "c_raises")[1]
    assert [d.rule for d in out if "d_nan_data" in d.path] == ["KNL503"]


# Confirmable rules whose catalogue example is confirmed at run time (see docs/confirm.md for the others).
CATALOGUE_CONFIRMED = [
    *("KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106", "KNL108"),
    *("KNL201", "KNL203", "KNL301", "KNL302", "KNL303", "KNL403", "KNL404", "KNL405", "KNL502"),
]


@pytest.fixture(scope="module")
def catalogue() -> list[Diagnostic]:
    from kerasnanlint.engine import lint_source

    paths = [RULES / code / name for code in CATALOGUE_CONFIRMED for name in ("flagged.py", "clean.py")]
    diags = []
    for path in paths:
        shown = path.relative_to(ROOT).as_posix()
        diags += [
            d for d in lint_source(path.read_bytes(), shown, Settings(root=ROOT)) if d.rule in CATALOGUE_CONFIRMED
        ]
    return run(paths, diags, budget=400)


@runtime
@pytest.mark.parametrize("code", CATALOGUE_CONFIRMED)
def test_catalogue_flagged_confirmed_and_clean_not(catalogue: list[Diagnostic], code: str) -> None:
    mine = [d for d in catalogue if d.rule == code and d.path.endswith(f"{code}/flagged.py")]
    assert mine, f"rules/{code}/flagged.py produced no {code} finding"
    assert any(d.confirmation and d.confirmation.verdict == "confirmed" for d in mine), [d.confirmation for d in mine]
    clean = [d for d in catalogue if d.path.endswith(f"{code}/clean.py")]
    assert not [d for d in clean if d.confirmation and d.confirmation.verdict == "confirmed"]
    assert not [d for d in clean if d.rule == "KNL503"]


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Two notebooks in a folder through the real CLI: the folder's notebooks are run like its scripts."""
    folder = tmp_path_factory.mktemp("notebooks")
    (folder / "tune.ipynb").write_text(notebook(*TUNE_CELLS), encoding="utf-8")
    (folder / "nan_data.ipynb").write_text(notebook(*NAN_CELLS), encoding="utf-8")
    (folder / "defs.ipynb").write_text(notebook(*DEFS_CELLS), encoding="utf-8")
    proc = run_cli(
        "confirm", "--no-cache", "--format", "json", "--device", "cpu", "--trials", "1", "--epochs", "1",
        "--select", "KNL101,KNL301,KNL503", "--budget", "150", ".", cwd=folder,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "not yet run" not in proc.stderr
    return json.loads(proc.stdout)


@runtime
def test_notebook_objective_confirmed_by_keyerror(notebooks: list[dict]) -> None:
    found = [d for d in notebooks if d["filename"].endswith("tune.ipynb")]
    assert [(d["code"], d["cell"], d["location"]["row"]) for d in found] == [("KNL301", 4, 3)]
    c = found[0]["confirmation"]
    assert c["verdict"] == "confirmed" and "KeyError: 'val_acc'" in c["evidence"], c


@runtime
def test_notebook_nan_data_found_in_its_cell(notebooks: list[dict]) -> None:
    found = [d for d in notebooks if d["filename"].endswith("nan_data.ipynb")]
    assert [(d["code"], d["cell"], d["location"]["row"]) for d in found] == [("KNL503", 3, 4)]
    assert "x: 1 NaN of 512 values" in found[0]["help"] and found[0]["message"].endswith(" in x")


@runtime
def test_notebook_definitions_probed_by_name_and_span(notebooks: list[dict]) -> None:
    found = {d["code"]: d for d in notebooks if d["filename"].endswith("defs.ipynb")}
    assert (found["KNL101"]["cell"], found["KNL301"]["cell"]) == (2, 4)
    assert found["KNL101"]["confirmation"]["verdict"] == "confirmed"
    assert "`precision` called directly" in found["KNL101"]["confirmation"]["evidence"]
    c = found["KNL301"]["confirmation"]
    assert c["verdict"] == "confirmed" and "the tuner built at cell 4, line 2, on synthetic data" in c["evidence"], c


# -- every search()/fit() call, seeded -----------------------------------------------------------------------------

CALLS = DATA / "calls"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report") / "report.html"


@pytest.fixture(scope="module")
def two_runs(report_file: Path) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The script with a warm-up search, the real search and a fit, confirmed twice with the same seed (the first
    time writing the HTML report)."""
    diags = [
        finding(CALLS / "two_searches.py", "KNL101", 10),
        finding(CALLS / "two_searches.py", "KNL301", 29),
        finding(CALLS / "no_call.py", "KNL502", 5),
    ]
    paths = [CALLS / "two_searches.py", CALLS / "no_call.py"]
    return run(paths, diags, seed=7, report=report_file), run(paths, diags, seed=7)


@runtime
def test_each_call_judges_its_own_findings(two_runs: tuple[list[Diagnostic], list[Diagnostic]]) -> None:
    out = two_runs[0]
    v, evidence = verdict(out, "KNL101", "two_searches")
    assert v == "confirmed"  # the metric of the second search, not the warm-up's or the fit's NaN loss
    assert "metric `precision_metric` = nan" in evidence and "(trial 0: bias=" in evidence
    assert "in the short run of the search() at line 32" in evidence
    v, evidence = verdict(out, "KNL301", "two_searches")
    assert v == "confirmed" and "KeyError: 'val_acc'" in evidence and "the search() at line 30" in evidence
    nan = [d for d in out if d.rule == "KNL503"]
    assert [(d.line, d.path.endswith("two_searches.py")) for d in nan] == [(37, True)]  # at the fit, not a search
    assert nan[0].confirmation is not None and "the fit() at line 37" in nan[0].confirmation.evidence


@runtime
def test_a_script_without_a_training_call_could_not_run(two_runs: tuple[list[Diagnostic], list[Diagnostic]]) -> None:
    v, evidence = verdict(two_runs[0], "KNL502", "no_call")
    assert v == "could not run" and evidence.startswith("no search() or fit() reached")


@runtime
def test_two_seeded_runs_give_the_same_verdicts_and_evidence(
    two_runs: tuple[list[Diagnostic], list[Diagnostic]],
) -> None:
    def shown(diags: list[Diagnostic]) -> list[tuple[str, int, str, str, Any]]:
        return [
            (d.rule, d.line, d.confirmation.verdict, d.confirmation.evidence, d.confirmation.details.get("seed"))
            for d in diags
            if d.confirmation is not None
        ]

    first, second = shown(two_runs[0]), shown(two_runs[1])
    assert first == second and len(first) == 4
    assert {seed for rule, *_, seed in first if rule != "KNL503"} == {7}  # the lint findings' details


def test_confirm_options_are_checked(tmp_path: Path) -> None:
    script = tmp_path / "a.py"
    script.write_text("import keras\n", encoding="utf-8")
    proc = run_cli("confirm", "--batches", "0", str(script))
    assert proc.returncode == 2 and "--batches" in proc.stderr and "Traceback" not in proc.stderr


# -- data checks of every input kind -------------------------------------------------------------------------------

INPUTS = DATA / "data_kinds" / "inputs.py"


@pytest.fixture(scope="module")
def input_kinds() -> list[Diagnostic]:
    """A Dataset, a PyDataset, a generator and a Dataset of strings, each in its own fit(); 4 batches checked."""
    return run([INPUTS], [finding(INPUTS, "KNL501", 34), finding(INPUTS, "KNL501", 37)], max_batches=4)


@runtime
def test_dataset_checked_for_nan_in_its_first_batches(input_kinds: list[Diagnostic]) -> None:
    nan = [d for d in input_kinds if d.rule == "KNL503"]
    assert [d.line for d in nan] == [32]
    # The NaN of batch 0 is counted; the Inf of batch 12 lies beyond the 4 batches read.
    assert "x: 1 NaN of 512 values (shape (128, 4); first 4 batches of the tf.data.Dataset)" in (nan[0].help or "")


@runtime
def test_pydataset_checked_for_scale(input_kinds: list[Diagnostic]) -> None:
    scale = [d for d in input_kinds if d.rule == "KNL504"]
    assert [d.line for d in scale] == [33]
    assert scale[0].confirmation is not None and "first 4 batches of the Pixels" in scale[0].confirmation.evidence


@runtime
def test_generator_and_strings_skipped_with_a_note(input_kinds: list[Diagnostic]) -> None:
    by_line = {d.line: d.confirmation for d in input_kinds if d.rule == "KNL501"}
    assert by_line[34] is not None and "not checked: x (one-shot generator)" in by_line[34].evidence
    assert by_line[37] is not None and "not checked: x (holds strings)" in by_line[37].evidence
    assert not [d for d in input_kinds if d.rule in ("KNL503", "KNL504") and d.line in (34, 37)]


# -- the HTML report -------------------------------------------------------------------------------------------------


@runtime
def test_json_details_carry_each_trial_and_its_curves(two_runs: tuple[list[Diagnostic], list[Diagnostic]]) -> None:
    d = next(d for d in two_runs[0] if d.rule == "KNL101")
    assert d.confirmation is not None
    (row,) = d.confirmation.details["trials"]  # the runs of the search() the metric belongs to: 1 trial
    assert row["call"] == "the search() at line 32" and set(row["hp"]) == {"bias"}
    assert row["first_nonfinite"] == {"name": "precision_metric", "epoch": 1, "batch": 0}
    assert row["curves"]["precision_metric"][0] == "nan" and isinstance(row["curves"]["loss"][0], float)


@runtime
def test_report_holds_verdicts_trials_and_curves(
    two_runs: tuple[list[Diagnostic], list[Diagnostic]], report_file: Path
) -> None:
    text = report_file.read_text(encoding="utf-8")
    assert "KNL101" in text and "confirmed" in text and "FAILED (KeyError: &#x27;val_acc&#x27;)" in text
    assert "precision_metric at epoch 1, batch 0" in text  # the trial table's first non-finite value
    assert text.count("<svg") == 3 and "first nan: precision_metric" in text  # a plot per trial, NaN marked
    assert "no search() or fit() reached" in text
    assert not re.search(r"<script|<link|<img|(src|href)=.https?:", text)  # self-contained: nothing to fetch


@runtime
def test_report_renders_in_headless_chromium(
    two_runs: tuple[list[Diagnostic], list[Diagnostic]], report_file: Path, tmp_path: Path
) -> None:
    import shutil

    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1600",
         f"--screenshot={shot}", report_file.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1200)
    inked = (pixels.min(axis=2) < 0.9).mean()
    assert inked > 0.02, inked  # text, tables and curves, not a blank page
    red = ((pixels[..., 0] > 0.8) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)).sum()
    assert red > 20  # the first-NaN markers


def test_report_in_a_missing_folder_exits_2(tmp_path: Path) -> None:
    script = tmp_path / "a.py"
    script.write_text("import keras\n", encoding="utf-8")
    proc = run_cli("confirm", "--report", str(tmp_path / "missing" / "r.html"), str(script))
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


# -- backends ------------------------------------------------------------------------------------------------------

BACKENDS = DATA / "backends"


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@runtime
@pytest.mark.skipif(not _installed("jax"), reason="needs JAX (the jax extra, part of dev)")
def test_script_selecting_jax_runs_on_jax() -> None:
    out = run([BACKENDS / "jax_nan.py"], [])
    (nan,) = [d for d in out if d.rule == "KNL503"]
    assert nan.confirmation is not None and nan.confirmation.device == "CPU, JAX backend"
    assert "x: 1 NaN of 384 values" in (nan.help or "") and "= nan first at epoch 1" in nan.confirmation.evidence


@runtime
@pytest.mark.skipif(_installed("torch"), reason="PyTorch is installed, so its absence cannot be shown")
def test_backend_not_installed_could_not_run_names_the_extra() -> None:
    out = run([BACKENDS / "torch_labels.py"], [finding(BACKENDS / "torch_labels.py", "KNL502", 9)])
    v, evidence = verdict(out, "KNL502", "torch_labels")
    assert v == "could not run"
    assert "PyTorch backend (KERAS_BACKEND=torch), which is not installed" in evidence
    assert 'pip install "kerasnanlint[torch]"' in evidence


# -- many scripts: warm workers, --jobs, --shard ------------------------------------------------------------------


def test_shard_splits_the_scripts_deterministically(tmp_path: Path) -> None:
    from kerasnanlint.confirm import shard

    plans = [FilePlan(f"s{i}.py", tmp_path / f"s{i}.py", "") for i in (3, 1, 4, 0, 2)]
    parts = [[p.path for p in shard(plans, (i, 2))] for i in (1, 2)]
    assert parts == [["s0.py", "s2.py", "s4.py"], ["s1.py", "s3.py"]]
    assert shard(list(reversed(plans)), (1, 2)) == shard(plans, (1, 2))  # the order found does not matter
    assert shard(plans, None) == plans


@pytest.mark.parametrize("bad", ["0/2", "3/2", "1-2", "x"])
def test_bad_shard_exits_2(tmp_path: Path, bad: str) -> None:
    script = tmp_path / "a.py"
    script.write_text("import keras\n", encoding="utf-8")
    proc = run_cli("confirm", "--shard", bad, str(script))
    assert proc.returncode == 2 and "--shard" in proc.stderr and "Traceback" not in proc.stderr


@runtime
def test_warm_worker_runs_each_script_in_a_fresh_process() -> None:
    from kerasnanlint.confirm import _run_all

    folder = DATA / "isolation"
    plans = [make_plan(folder / name, name, []) for name in ("a_leaks.py", "b_checks.py", "c_checks.py")]
    assert all(plans)
    outcomes = _run_all([p for p in plans if p], ConfirmOptions(budget=200, device="cpu", trials=1, jobs=1))
    results = [o.result or {} for o in outcomes]
    assert [r.get("warm") for r in results] == [True, True, True]  # Keras imported once, in the worker
    assert [len(r.get("calls", [])) for r in results] == [1, 1, 1]
    for r in results[1:]:  # nothing the first script left is seen by the next ones
        assert [a["nan"] for a in r["calls"][0]["data"]["arrays"]] == [0, 0], r["calls"][0]["data"]


@runtime
def test_jobs_2_over_a_folder_with_a_broken_script() -> None:
    broken = DATA / "broken"
    out = run([broken / "c_raises.py", broken / "d_nan_data.py", DATA / "isolation" / "b_checks.py"], [], jobs=2)
    assert [d.rule for d in out if "d_nan_data" in d.path] == ["KNL503"]
    assert not [d for d in out if "b_checks" in d.path]
