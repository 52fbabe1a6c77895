"""The verdict routines, one per probe ``judge`` name (parent side, no TensorFlow).

A rule's probe (``Rule.probe``) names its judge; ``JUDGES`` maps the name to the routine. Each routine takes the
measurements narrowed to the finding, the finding's plan entry and its probe, and returns (verdict, evidence,
details).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kerasnanlint.confirm.measurements import Measurements
from kerasnanlint.rule import Probe

CONFIRMED, NOT_REPRODUCED, COULD_NOT_RUN = "confirmed", "not reproduced", "could not run"
# Higher is better, yet KerasTuner infers "min" (reference facts, section 1).
WRONG_MIN = {
    "f1_score",
    "f_beta_score",
    "fbeta_score",
    "r2_score",
    "cosine_similarity",
    "pearson_correlation",
    "concordance_correlation",
    "binary_io_u",
}
Verdict = tuple[str, str, dict[str, Any]]
Judge = Callable[[Measurements, dict[str, Any], Probe], Verdict]


def snake(name: str) -> str:
    """CamelCase -> snake_case, as Keras names a metric in the logs."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def count(a: dict[str, Any]) -> str:
    """An array's NaN/Inf counts as evidence: "x: 2 NaN of 2048 values (shape (512, 4))"."""
    parts = [f"{a[k]} {'NaN' if k == 'nan' else 'Inf'}" for k in ("nan", "inf") if a[k]]
    sample = f"; {a['sample']}" if a.get("sample") else ""
    return f"{a['name']}: {' and '.join(parts)} of {a['size']} values (shape {tuple(a['shape'])}{sample})"


def not_checked(data: dict[str, Any]) -> str:
    """The data the checks skipped, for evidence: "; not checked: x (one-shot generator)"."""
    notes = [f"{d['name']} ({d['why']})" for d in data.get("skipped", [])]
    return f"; not checked: {', '.join(notes)}" if notes else ""


# -- flagged functions ------------------------------------------------------------------------------------------


def function(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A flagged loss/metric/layer: its own value in a short run, else its direct call on adversarial inputs."""
    direct = next((d for d in m.r.get("direct", []) if d.get("finding") == entry["id"]), None)
    name = entry.get("function") or ""
    log_name = (direct or {}).get("log_name") or snake(name.split(".")[0])
    keys = m.history_keys()
    as_metric = any(k == log_name or k.endswith("_" + log_name) for k in keys)
    for run, trial, ev in m.events(clean_data=True):
        hit = ev["name"].endswith(log_name) if as_metric else ev["kind"] in ("loss", "weight")
        if hit:
            return CONFIRMED, m.describe(run, trial, ev) + f"{m.data_note()}", {"run": run["name"]}
    bad = [row for row in (direct or {}).get("results", []) if _nonfinite(row)]
    if bad:
        row = bad[0]
        value = f"forward {row['forward']}" if row.get("forward") != "finite" else f"gradient {row['gradient']}"
        cases = ", ".join(r["case"] for r in bad)
        run_note = f"; the short run ({m.tried()}) stayed finite" if m.runs else ""
        return (
            CONFIRMED,
            f"`{name}` called directly with {row['case']}: {value} (non-finite for: {cases}){run_note}",
            {"direct": bad},
        )
    return _function_finite(m, direct, name)


def _function_finite(m: Measurements, direct: dict[str, Any] | None, name: str) -> Verdict:
    """Nothing went non-finite: what the direct call and the runs tried, or why they could not."""
    rows = (direct or {}).get("results", [])
    if direct and rows and all("error" in r for r in rows):
        direct = {**direct, "results": [], "error": f"calling `{name}` directly raised {rows[0]['error']}"}
    if direct and direct.get("results"):
        cases = ", ".join(r["case"] for r in direct["results"] if "error" not in r)
        ran = f"; short run: {m.tried()} without a non-finite value" if m.runs else ""
        return NOT_REPRODUCED, f"`{name}` stayed finite (value and gradient) on: {cases}{ran}", {}
    why = (direct or {}).get("error") or (
        "the flagged code is not in a function that can be called on its own"
        if not name
        else f"`{name}` was not called"
    )
    if m.runs:
        return NOT_REPRODUCED, f"{why}; short run: {m.tried()} without a non-finite value", {}
    return COULD_NOT_RUN, f"{why}; {m.before_capture() or 'no run'}", {}


def _nonfinite(row: dict[str, Any]) -> bool:
    return row.get("forward", "finite") != "finite" or row.get("gradient", "finite") not in ("finite", "none")


# -- training runs ----------------------------------------------------------------------------------------------


def _warned(m: Measurements, probe: Probe) -> Verdict | None:
    """Keras's own warning as evidence, when the probe names one and the run printed it."""
    if probe.warning is None:
        return None
    w = next((w for w in m.warnings if re.search(probe.warning, w)), None)
    return (CONFIRMED, f"Keras warned: {w[:300]}", {}) if w else None


def training(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A configuration that should go NaN in training: a Keras warning, else a non-finite loss or weight."""
    return _warned(m, probe) or _nonfinite_training(m)


def constant_output(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """An output that cannot learn (softmax over one unit): Keras's warning, an output that is always exactly 1.0,
    else judged as training."""
    warned = _warned(m, probe)
    if warned:
        return warned
    if m.builder is not None and m.builder.get("constant_output") == 1.0:
        return CONFIRMED, f"every output of {m.builder['name']}()'s model is exactly 1.0 on 8 random inputs", {}
    return _nonfinite_training(m)


def _nonfinite_training(m: Measurements) -> Verdict:
    for run, trial, ev in m.events(clean_data=True):
        if ev["kind"] in ("loss", "weight"):
            return CONFIRMED, m.describe(run, trial, ev) + m.data_note(), {"run": run["name"]}
    if not m.runs:
        why = (m.builder or {}).get("error") or m.before_capture() or "no run fitted"
        return COULD_NOT_RUN, why, {}
    return NOT_REPRODUCED, f"no non-finite loss or weight in {m.tried()}", {}


def learning_rate(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A learning rate too high: the first of the probe's runs that ran (lr_top, then the baseline if it asks)."""
    runs: list[dict[str, Any]] = []
    for name in probe.runs:
        runs = runs or m.runs_named(name)
    if not runs:
        why = (m.builder or {}).get("error") or m.before_capture()
        why = why or "no learning-rate hyperparameter (named lr/learning_rate) was found in the space"
        return COULD_NOT_RUN, why, {}
    for run, trial, ev in m.events(runs, clean_data=True):
        return CONFIRMED, m.describe(run, trial, ev) + m.data_note(), {"fixed": run.get("fixed")}
    return NOT_REPRODUCED, f"no non-finite loss, metric or weight in {m.tried(runs)}", {}


def nan_hidden(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A trial whose loss went non-finite yet completed with a finite score."""
    for run, trial, ev in m.events():
        score = trial.get("score")
        if ev["kind"] == "loss" and trial.get("status") == "COMPLETED" and isinstance(score, float):
            return CONFIRMED, m.describe(run, trial, ev) + f", yet the trial COMPLETED with score {score}", {}
    if not m.runs:
        return COULD_NOT_RUN, m.before_capture() or "no search ran", {}
    return NOT_REPRODUCED, f"no trial's loss went non-finite in {m.tried()}, so nothing was hidden", {}


# -- objectives -------------------------------------------------------------------------------------------------


def objective_logged(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """An objective the trials never log: KerasTuner's KeyError fails them."""
    if probe.needs_real_data and m.synthetic:
        return COULD_NOT_RUN, f"search() was never reached, so its validation arguments are unknown{m.data_note()}", {}
    errors = [(run, t) for run, t in m.trial_errors() if "KeyError" in (t.get("error") or "")]
    if errors:
        run, t = errors[0]
        keys = m.history_keys()
        failed = len(errors)
        total = sum(len(r.get("trials", [])) for r in m.runs)
        logged = f" (logged: {', '.join(keys)})" if keys else ""
        call = m.call_at(run.get("call"))
        where = f" in the short run of {call}" if call else ""
        return CONFIRMED, f"{failed} of {total} trial(s) FAILED with {t['error']}{logged}{where}{m.data_note()}", {}
    completed = [t for run in m.runs for t in run.get("trials", []) if t.get("status") == "COMPLETED"]
    if completed:
        return NOT_REPRODUCED, f"the objective was logged; {len(completed)} trial(s) completed ({m.tried()})", {}
    if m.runs:
        ran = any(run.get("trials") for run in m.runs)
        why = next((run.get("error") for run in m.runs if run.get("error")), None)
        why = why or ("no trial completed" if ran else "the short search ran no trial (an empty search space?)")
        return NOT_REPRODUCED, f"no KeyError on the objective; {why}", {}
    return COULD_NOT_RUN, m.before_capture() or "no search ran", {}


def objective_direction(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """An objective whose direction KerasTuner cannot infer or infers wrongly."""
    span = entry.get("span") or [entry["line"], entry["end_line"]]
    errors = m.r.get("construction_errors", [])
    err = next((e for e in errors if e.get("line") and span[0] <= e["line"] <= span[1]), None)
    if err:
        return (
            CONFIRMED,
            f"KerasTuner raised {err['type']} at tuner construction: {err['message']}",
            {"retried_with": err.get("retried_with")},
        )
    failed = [(run, t) for run, t in m.trial_errors() if "direction" in (t.get("error") or "")]
    if failed:
        return CONFIRMED, f"trial {failed[0][1]['id']} FAILED: {failed[0][1]['error']}", {}
    obj = next((run.get("objective") for run in m.runs if run.get("objective")), None)
    if obj:
        base = re.sub(r"^val_", "", str(obj.get("name")))
        if obj.get("direction") == "min" and base in WRONG_MIN:
            return CONFIRMED, f"KerasTuner inferred direction 'min' for '{obj['name']}' (higher is better)", {}
        if obj.get("direction") == "max" and re.search(r"loss|crossentropy|error|^ms|^ma|hinge", base):
            return CONFIRMED, f"KerasTuner maximizes '{obj['name']}', a loss (lower is better)", {}
        return NOT_REPRODUCED, f"KerasTuner accepted '{obj['name']}' with direction '{obj.get('direction')}'", {}
    return COULD_NOT_RUN, m.before_capture() or "no tuner was constructed", {}


def stale_project(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A saved tuner project a rerun would reload (looked for, read-only)."""
    project = m.r.get("user_project")
    if not project:
        return COULD_NOT_RUN, m.before_capture() or "no tuner was constructed", {}
    directory, name = project[0] or ".", project[1] or "untitled_project"
    places = [Path.cwd() / directory / name, m.plan.file.resolve().parent / directory / name]
    for place in places:
        if (place / "tuner0.json").is_file():
            trials = len(list(place.glob("trial_*")))
            return (
                CONFIRMED,
                f"{place / 'tuner0.json'} exists ({trials} saved trial(s)): a rerun reloads them and keeps the saved "
                "search space",
                {},
            )
    return NOT_REPRODUCED, f"no saved project at {places[0]} yet; the first run will create one that reruns reload", {}


# -- hyperparameter declarations --------------------------------------------------------------------------------


def declaration(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A range KerasTuner rejects when the model is built."""
    lines = range(entry["line"], entry["end_line"] + 1)
    if m.script.get("status") == "raised" and (
        any(n in lines for n in m.script.get("lines", [])) or "HyperParameters" in str(m.script.get("error"))
    ):
        return CONFIRMED, f"the script raised {m.script['error']} ({m.plan.at(m.script['lines'][-1])})", {}
    for _run, t in m.trial_errors():
        if re.search(r"sampling|min_value|max_value|step", t["error"] or ""):
            return CONFIRMED, f"trial {t['id']} FAILED: {t['error']}", {}
    if m.script.get("status") is None:
        return COULD_NOT_RUN, m.outcome.why_failed(), {}
    return NOT_REPRODUCED, "KerasTuner accepted the range when the model was built", {}


def redeclared(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """A hyperparameter declared twice with different ranges (KerasTuner keeps the first)."""
    seen: dict[str, dict[str, Any]] = {}
    for d in m.r.get("hp_declarations", []):
        first = seen.setdefault(d["name"], d)
        if first is not d and first["args"] != d["args"]:
            return (
                CONFIRMED,
                f"'{d['name']}' declared at {m.plan.at(first['line'])} as {first['kind']}{first['args']} and again "
                f"at {m.plan.at(d['line'])} as {d['kind']}{d['args']}; KerasTuner keeps the first and ignores the "
                "second",
                {},
            )
    if m.script.get("status") is None:
        return COULD_NOT_RUN, m.outcome.why_failed(), {}
    return NOT_REPRODUCED, "every declaration seen while building the model used the same range", {}


# -- data -------------------------------------------------------------------------------------------------------


def nan_counts(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """NaN/Inf in the arrays the script passed to search()/fit()."""
    data = m.data()
    if data is None:
        return COULD_NOT_RUN, m.before_capture() or "no data was captured", {}
    bad = [a for a in data["arrays"] if a["nan"] or a["inf"]]
    if bad:
        return CONFIRMED, "; ".join(count(a) for a in bad), {}
    names = ", ".join(a["name"] for a in data["arrays"])
    return NOT_REPRODUCED, f"no NaN or Inf in {names or 'the arrays'} (this run's data){not_checked(data)}", {}


def label_classes(m: Measurements, entry: dict[str, Any], probe: Probe) -> Verdict:
    """Training labels that hold a single class."""
    data = m.data()
    if data is None:
        return COULD_NOT_RUN, m.before_capture() or "no data was captured", {}
    classes = data.get("classes")
    if classes is not None and len(classes) == 1:
        return CONFIRMED, f"the training labels hold a single class ({classes[0]:g})", {}
    if classes is None:
        return NOT_REPRODUCED, "the labels are continuous or could not be read", {}
    return NOT_REPRODUCED, f"the training labels hold {len(classes)} classes", {}


# The judges of the findings lint reports; the runtime-only rules' judges ("nonfinite_data", "input_scale") are
# kerasnanlint.confirm.report.runtime_only, which makes the findings itself.
JUDGES: dict[str, Judge] = {
    "function": function,
    "training": training,
    "constant_output": constant_output,
    "learning_rate": learning_rate,
    "nan_hidden": nan_hidden,
    "objective_logged": objective_logged,
    "objective_direction": objective_direction,
    "stale_project": stale_project,
    "declaration": declaration,
    "redeclared": redeclared,
    "nan_counts": nan_counts,
    "label_classes": label_classes,
}
