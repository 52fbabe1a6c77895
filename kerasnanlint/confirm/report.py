"""Turn the child's measurements into verdicts (parent side, no TensorFlow).

confirmed = the run showed it (evidence: which value, epoch, batch, hyperparameters, or KerasTuner's own error);
not reproduced = what was tried stayed finite; could not run = why nothing was measured.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kerasnanlint.config import Settings
from kerasnanlint.confirm.plan import FilePlan, call_range
from kerasnanlint.confirm.spawn import Outcome
from kerasnanlint.diagnostics import Confirmation, Diagnostic
from kerasnanlint.suppressions import parse_suppressions

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
# Rules whose predicted failure is an exception while the script runs, and what that exception looks like.
RAISING_RULES = {"KNL303": r"direction|[Oo]bjective", "KNL403": r"^(ValueError|TypeError)"}


def snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class Facts:
    """Read helpers over one child result."""

    def __init__(self, plan: FilePlan, outcome: Outcome, entry: dict[str, Any] | None = None) -> None:
        self.plan = plan
        self.outcome = outcome
        self.r: dict[str, Any] = outcome.result or {}
        self.script: dict[str, Any] = self.r.get("script") or {}
        runs = [run for run in self.r.get("runs", []) if not run.get("skipped")]
        self.synthetic = bool(self.r.get("synthetic"))
        self.warnings: list[str] = list(self.r.get("warnings", []))
        self.builder: dict[str, Any] | None = None
        self.tuner_line: int | None = None
        name = (entry or {}).get("builder")
        info = self.r.get("builders", {}).get(name) if name else None
        if info is not None:
            # The script only defined this builder: judge the finding by the runs of its own model.
            self.builder = {"name": name, **info}
            runs = [run for run in runs if run.get("builder") == name]
            self.synthetic = True
            self.warnings = list(info.get("warnings", [])) + [w for run in runs for w in run.get("warnings", [])]
        elif entry and entry.get("span") and any(run.get("span") == entry["span"] for run in runs):
            # The script only constructed this tuner: judge by its own short search on synthetic data.
            runs = [run for run in runs if run.get("span") == entry["span"]]
            self.synthetic = True
            self.tuner_line = entry["span"][0]
        else:
            runs = [run for run in runs if not run.get("builder") and not run.get("span")]
            self.warnings = list(self.script.get("warnings", [])) + [w for r in runs for w in r.get("warnings", [])]
        self.runs: list[dict[str, Any]] = runs

    # -- summaries ----------------------------------------------------------------------------------------------
    def before_capture(self) -> str | None:
        """Why the script gave us no search()/fit() call, or None when it did."""
        status = self.script.get("status")
        if status == "captured":
            return None
        if self.outcome.timed_out and self.r.get("phase") in ("script", "import", "starting", None):
            return f"timed out after {self.outcome.seconds:.0f} s before reaching search()/fit()"
        if status == "raised":
            where = f" at line {self.script['lines'][-1]}" if self.script.get("lines") else ""
            return f"the script raised {self.script.get('error')}{where} before reaching search()/fit()"
        if status == "exited":
            return f"the script called exit({self.script.get('code')}) before reaching search()/fit()"
        if status == "finished":
            return "the script finished without calling search() or fit()"
        return self.outcome.why_failed()

    def data_note(self) -> str:
        if not self.synthetic:
            return ""
        if self.builder is not None:
            return f" (the model from {self.builder['name']}() on synthetic data: {self.before_capture()})"
        if self.tuner_line is not None:
            return f" (the tuner built at line {self.tuner_line}, on synthetic data: {self.before_capture()})"
        shape = self.r["synthetic"]
        shapes = f"x{tuple(shape['x'])}, y{tuple(shape['y'])}"
        return f" (on synthetic data {shapes} shaped from the model: {self.before_capture()})"

    def tried(self, runs: list[dict[str, Any]] | None = None) -> str:
        runs = self.runs if runs is None else runs
        if not runs:
            return "no run"
        parts = []
        for run in runs:
            trials = run.get("trials", [])
            fixed = ", ".join(f"{k}={v}" for k, v in run.get("fixed", {}).items())
            n = len([t for t in trials if t.get("id") != "fit"])
            what = f"{n} trial{'s' if n != 1 else ''}" if n else "1 fit"
            failed = f" ({run['error']})" if run.get("error") else ""
            epochs = run.get("epochs", "?")
            how = f"with {fixed}" if fixed else "as written"
            parts.append(f"{what} x {epochs} epoch{'s' if epochs != 1 else ''} {how}{failed}")
        err = self.r.get("construction_error")
        retried = f" (objective retried as {err['retried_with']})" if err else ""
        return " and ".join(parts) + retried + self.data_note()

    def events(self, runs: list[dict[str, Any]] | None = None):
        """(run, trial, event) for every first non-finite value, in run order."""
        for run in self.runs if runs is None else runs:
            for trial in run.get("trials", []):
                for fit in trial.get("fits", []):
                    for ev in fit.get("events", []):
                        yield run, trial, ev

    def history_keys(self) -> list[str]:
        for run in self.runs:
            for trial in run.get("trials", []):
                for fit in trial.get("fits", []):
                    if fit.get("history_keys"):
                        return fit["history_keys"]
        return []

    def trial_errors(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(run, t) for run in self.runs for t in run.get("trials", []) if t.get("error")]

    def runs_named(self, *prefixes: str) -> list[dict[str, Any]]:
        return [run for run in self.runs if run["name"].split(":")[-1].startswith(prefixes)]


def describe(run: dict[str, Any], trial: dict[str, Any], ev: dict[str, Any]) -> str:
    where = (
        f"epoch {ev['epoch']}, batch {ev['batch']}" if ev.get("batch") is not None else f"end of epoch {ev['epoch']}"
    )
    kind = {"weight": "weight", "loss": "loss", "metric": "metric"}.get(ev["kind"], ev["kind"])
    text = f"{kind} `{ev['name']}` = {ev['value']} first at {where}"
    if trial.get("id") != "fit":
        hp = trial.get("hp") or {}
        shown = ", ".join(f"{k}={v}" for k, v in hp.items())
        text += f" (trial {trial['id']}{': ' + shown if shown else ''}"
        text += f"; {trial['status']}, score {trial.get('score')})"
    return text


# -- per-rule verdicts ------------------------------------------------------------------------------------------


def _function_rule(f: Facts, entry: dict[str, Any]) -> Verdict:
    direct = next((d for d in f.r.get("direct", []) if d.get("finding") == entry["id"]), None)
    name = entry.get("function") or ""
    log_name = (direct or {}).get("log_name") or snake(name.split(".")[0])
    keys = f.history_keys()
    as_metric = any(k == log_name or k.endswith("_" + log_name) for k in keys)
    for run, trial, ev in f.events():
        hit = ev["name"].endswith(log_name) if as_metric else ev["kind"] in ("loss", "weight")
        if hit:
            return CONFIRMED, describe(run, trial, ev) + f"{f.data_note()}", {"run": run["name"]}
    bad = [row for row in (direct or {}).get("results", []) if _nonfinite(row)]
    if bad:
        row = bad[0]
        value = f"forward {row['forward']}" if row.get("forward") != "finite" else f"gradient {row['gradient']}"
        cases = ", ".join(r["case"] for r in bad)
        run_note = f"; the short run ({f.tried()}) stayed finite" if f.runs else ""
        return (
            CONFIRMED,
            f"`{name}` called directly with {row['case']}: {value} (non-finite for: {cases}){run_note}",
            {"direct": bad},
        )
    rows = (direct or {}).get("results", [])
    if rows and all("error" in r for r in rows):
        direct = {**direct, "results": [], "error": f"calling `{name}` directly raised {rows[0]['error']}"}
    if direct and direct.get("results"):
        cases = ", ".join(r["case"] for r in direct["results"] if "error" not in r)
        ran = f"; short run: {f.tried()} without a non-finite value" if f.runs else ""
        return NOT_REPRODUCED, f"`{name}` stayed finite (value and gradient) on: {cases}{ran}", {}
    why = (direct or {}).get("error") or (
        "the flagged code is not in a function that can be called on its own"
        if not name
        else f"`{name}` was not called"
    )
    if f.runs:
        return NOT_REPRODUCED, f"{why}; short run: {f.tried()} without a non-finite value", {}
    return COULD_NOT_RUN, f"{why}; {f.before_capture() or 'no run'}", {}


def _nonfinite(row: dict[str, Any]) -> bool:
    return row.get("forward", "finite") != "finite" or row.get("gradient", "finite") not in ("finite", "none")


def _training_rule(f: Facts, entry: dict[str, Any]) -> Verdict:
    rule = entry["rule"]
    warns = f.warnings
    if rule == "KNL201":
        w = next((w for w in warns if "from_logits=True" in w and ("Sigmoid" in w or "Softmax" in w)), None)
        if w:
            return CONFIRMED, f"Keras warned: {w}", {}
    if rule == "KNL203":
        w = next((w for w in warns if "softmax over axis" in w.lower() or "always return the value 1" in w), None)
        if w:
            return CONFIRMED, f"Keras warned: {w}", {}
        if (f.builder or {}).get("constant_output") == 1.0:
            return CONFIRMED, f"every output of {f.builder['name']}()'s model is exactly 1.0 on 8 random inputs", {}
    if rule == "KNL404":
        w = next((w for w in warns if "Gradients do not exist" in w), None)
        if w:
            return CONFIRMED, f"Keras warned: {w[:300]}", {}
    for run, trial, ev in f.events():
        if ev["kind"] in ("loss", "weight"):
            return CONFIRMED, describe(run, trial, ev) + f.data_note(), {"run": run["name"]}
    if not f.runs:
        why = (f.builder or {}).get("error") or f.before_capture() or "no run fitted"
        return COULD_NOT_RUN, why, {}
    return NOT_REPRODUCED, f"no non-finite loss or weight in {f.tried()}", {}


def _objective_rule(f: Facts, entry: dict[str, Any]) -> Verdict:
    rule = entry["rule"]
    errors = [(run, t) for run, t in f.trial_errors() if "KeyError" in (t.get("error") or "")]
    if rule == "KNL303":
        span = entry.get("span") or [entry["line"], entry["end_line"]]
        errors = f.r.get("construction_errors", [])
        err = next((e for e in errors if e.get("line") and span[0] <= e["line"] <= span[1]), None)
        if err:
            return (
                CONFIRMED,
                f"KerasTuner raised {err['type']} at tuner construction: {err['message']}",
                {"retried_with": err.get("retried_with")},
            )
        errors = [(run, t) for run, t in f.trial_errors() if "direction" in (t.get("error") or "")]
        if errors:
            return CONFIRMED, f"trial {errors[0][1]['id']} FAILED: {errors[0][1]['error']}", {}
        obj = next((run.get("objective") for run in f.runs if run.get("objective")), None)
        if obj:
            base = re.sub(r"^val_", "", str(obj.get("name")))
            if obj.get("direction") == "min" and base in WRONG_MIN:
                return CONFIRMED, f"KerasTuner inferred direction 'min' for '{obj['name']}' (higher is better)", {}
            if obj.get("direction") == "max" and re.search(r"loss|crossentropy|error|^ms|^ma|hinge", base):
                return CONFIRMED, f"KerasTuner maximizes '{obj['name']}', a loss (lower is better)", {}
            return NOT_REPRODUCED, f"KerasTuner accepted '{obj['name']}' with direction '{obj.get('direction')}'", {}
        return COULD_NOT_RUN, f.before_capture() or "no tuner was constructed", {}
    if rule == "KNL302" and f.synthetic:
        return COULD_NOT_RUN, f"search() was never reached, so its validation arguments are unknown{f.data_note()}", {}
    if errors:
        _run, t = errors[0]
        keys = f.history_keys()
        failed = sum(1 for _, t2 in errors)
        total = sum(len(r.get("trials", [])) for r in f.runs)
        logged = f" (logged: {', '.join(keys)})" if keys else ""
        return CONFIRMED, f"{failed} of {total} trial(s) FAILED with {t['error']}{logged}{f.data_note()}", {}
    completed = [t for run in f.runs for t in run.get("trials", []) if t.get("status") == "COMPLETED"]
    if completed:
        return NOT_REPRODUCED, f"the objective was logged; {len(completed)} trial(s) completed ({f.tried()})", {}
    if f.runs:
        ran = any(run.get("trials") for run in f.runs)
        why = next((run.get("error") for run in f.runs if run.get("error")), None)
        why = why or ("no trial completed" if ran else "the short search ran no trial (an empty search space?)")
        return NOT_REPRODUCED, f"no KeyError on the objective; {why}", {}
    return COULD_NOT_RUN, f.before_capture() or "no search ran", {}


def _nan_hidden(f: Facts, entry: dict[str, Any]) -> Verdict:
    for run, trial, ev in f.events():
        score = trial.get("score")
        if ev["kind"] == "loss" and trial.get("status") == "COMPLETED" and isinstance(score, float):
            return CONFIRMED, describe(run, trial, ev) + f", yet the trial COMPLETED with score {score}", {}
    if not f.runs:
        return COULD_NOT_RUN, f.before_capture() or "no search ran", {}
    return NOT_REPRODUCED, f"no trial's loss went non-finite in {f.tried()}, so nothing was hidden", {}


def _learning_rate(f: Facts, entry: dict[str, Any]) -> Verdict:
    runs = f.runs_named("lr_top") or (f.runs_named("baseline") if entry["rule"] == "KNL402" else [])
    if not runs:
        why = (f.builder or {}).get("error") or f.before_capture()
        why = why or "no learning-rate hyperparameter (named lr/learning_rate) was found in the space"
        return COULD_NOT_RUN, why, {}
    for run, trial, ev in f.events(runs):
        return CONFIRMED, describe(run, trial, ev) + f.data_note(), {"fixed": run.get("fixed")}
    return NOT_REPRODUCED, f"no non-finite loss, metric or weight in {f.tried(runs)}", {}


def _declaration(f: Facts, entry: dict[str, Any]) -> Verdict:
    lines = range(entry["line"], entry["end_line"] + 1)
    if f.script.get("status") == "raised" and (
        any(n in lines for n in f.script.get("lines", [])) or "HyperParameters" in str(f.script.get("error"))
    ):
        return CONFIRMED, f"the script raised {f.script['error']} (line {f.script['lines'][-1]})", {}
    for _run, t in f.trial_errors():
        if re.search(r"sampling|min_value|max_value|step", t["error"] or ""):
            return CONFIRMED, f"trial {t['id']} FAILED: {t['error']}", {}
    if f.script.get("status") is None:
        return COULD_NOT_RUN, f.outcome.why_failed(), {}
    return NOT_REPRODUCED, "KerasTuner accepted the range when the model was built", {}


def _redeclared(f: Facts, entry: dict[str, Any]) -> Verdict:
    seen: dict[str, dict[str, Any]] = {}
    for d in f.r.get("hp_declarations", []):
        first = seen.setdefault(d["name"], d)
        if first is not d and first["args"] != d["args"]:
            return (
                CONFIRMED,
                f"'{d['name']}' declared at line {first['line']} as {first['kind']}{first['args']} and again at line "
                f"{d['line']} as {d['kind']}{d['args']}; KerasTuner keeps the first and ignores the second",
                {},
            )
    if f.script.get("status") is None:
        return COULD_NOT_RUN, f.outcome.why_failed(), {}
    return NOT_REPRODUCED, "every declaration seen while building the model used the same range", {}


def _stale(f: Facts, entry: dict[str, Any]) -> Verdict:
    project = f.r.get("user_project")
    if not project:
        return COULD_NOT_RUN, f.before_capture() or "no tuner was constructed", {}
    directory, name = project[0] or ".", project[1] or "untitled_project"
    places = [Path.cwd() / directory / name, f.plan.file.resolve().parent / directory / name]
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


def _data_rule(f: Facts, entry: dict[str, Any]) -> Verdict:
    data = f.r.get("data")
    if not data or f.synthetic:
        return COULD_NOT_RUN, f.before_capture() or "no data was captured", {}
    if entry["rule"] == "KNL501":
        bad = [a for a in data["arrays"] if a["nan"] or a["inf"]]
        if bad:
            return CONFIRMED, "; ".join(_count(a) for a in bad), {}
        names = ", ".join(a["name"] for a in data["arrays"])
        return NOT_REPRODUCED, f"no NaN or Inf in {names or 'the arrays'} (this run's data)", {}
    classes = data.get("classes")
    if classes is not None and len(classes) == 1:
        return CONFIRMED, f"the training labels hold a single class ({classes[0]:g})", {}
    if classes is None:
        return NOT_REPRODUCED, "the labels are continuous or could not be read", {}
    return NOT_REPRODUCED, f"the training labels hold {len(classes)} classes", {}


def _count(a: dict[str, Any]) -> str:
    parts = [f"{a[k]} {'NaN' if k == 'nan' else 'Inf'}" for k in ("nan", "inf") if a[k]]
    return f"{a['name']}: {' and '.join(parts)} of {a['size']} values (shape {tuple(a['shape'])})"


HANDLERS = {
    **{code: _function_rule for code in ("KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106")},
    **{code: _training_rule for code in ("KNL201", "KNL202", "KNL203", "KNL204", "KNL206", "KNL404")},
    "KNL301": _objective_rule,
    "KNL302": _objective_rule,
    "KNL303": _objective_rule,
    "KNL304": _stale,
    "KNL305": _nan_hidden,
    "KNL401": _learning_rate,
    "KNL402": _learning_rate,
    "KNL403": _declaration,
    "KNL405": _redeclared,
    "KNL501": _data_rule,
    "KNL502": _data_rule,
}


def verdict(f: Facts, entry: dict[str, Any]) -> Verdict:
    if f.outcome.result is None or (f.r.get("fatal") and not f.script):
        return COULD_NOT_RUN, f.outcome.why_failed(), {}
    lines = range(entry["line"], entry["end_line"] + 1)
    raised_here = f.script.get("status") == "raised" and any(n in lines for n in f.script.get("lines", []))
    expected_error = RAISING_RULES.get(entry["rule"])
    if raised_here and expected_error and re.search(expected_error, str(f.script.get("error"))):
        # the failure these rules predict is this very exception
        return CONFIRMED, f"the script raised {f.script['error']} at line {f.script['lines'][-1]}", {}
    v = HANDLERS[entry["rule"]](f, entry)
    if v[0] != CONFIRMED and f.outcome.timed_out and not v[1].startswith("timed out"):
        return COULD_NOT_RUN, f"timed out after {f.outcome.seconds:.0f} s (during {f.r.get('phase')}); {v[1]}", v[2]
    return v


# -- the whole file ---------------------------------------------------------------------------------------------


def confirm_file(plan: FilePlan, outcome: Outcome, settings: Settings) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(the plan's findings with confirmations, new runtime-only diagnostics)."""
    f = Facts(plan, outcome)
    device = f.r.get("device")
    details_common = {"seconds": round(outcome.seconds, 1)}
    out = []
    for d, entry in zip(plan.findings, plan.entries, strict=True):
        v, evidence, details = verdict(Facts(plan, outcome, entry), entry)
        out.append(d.with_(confirmation=Confirmation(v, evidence, device, {**details, **details_common})))
    return out, runtime_only(f, settings, device)


def runtime_only(f: Facts, settings: Settings, device: str | None) -> list[Diagnostic]:
    from kerasnanlint.checks.runtime_only import KNL503, KNL504

    data = f.r.get("data")
    if not data or f.synthetic:
        return []
    call = f.r.get("call") or {}
    line, col, end_line, end_col = call_range(f.plan.source, call.get("line"))
    what = f"{call.get('kind', 'fit')}()"
    suppress = parse_suppressions(f.plan.source)
    out = []

    def add(rule, message: str, conf: Confirmation) -> None:
        if not settings.rule_selected(rule.code) or settings.ignored_for_path(rule.code, f.plan.path):
            return
        if suppress.suppressed(rule.code, line):
            return
        sev = settings.severity_of(rule.code, rule.severity)
        out.append(
            Diagnostic(rule.code, rule.name, sev, f.plan.path, line, col, end_line, end_col, message, None, conf)
        )

    bad = [a for a in data["arrays"] if a["nan"] or a["inf"]]
    if bad:
        counts = "; ".join(_count(a) for a in bad)
        ev = next(((r, t, e) for r, t, e in f.events() if e["kind"] in ("loss", "weight")), None)
        evidence = f"counted before training: {counts}"
        if ev:
            evidence += f"; in the short run: {describe(*ev)}"
        add(
            KNL503,
            f"the data passed to {what} holds non-finite values ({counts}); the loss goes NaN at the first batch "
            "that holds one, and an accuracy objective still scores the trial: clean it with np.nan_to_num or "
            "drop the rows (np.isfinite(x).all(axis=1))",
            Confirmation("confirmed", evidence, device, {"arrays": bad}),
        )
    limit = settings.threshold("input-scale-max")
    if data.get("input_scaled") is False:
        wide = [a for a in data["arrays"] if a["name"].startswith("x") and (a.get("absmax") or 0) > limit]
        if wide:
            a = wide[0]
            hint = "keras.layers.Rescaling(1.0 / 255)" if a["absmax"] <= 255 else "a keras.layers.Normalization layer"
            add(
                KNL504,
                f"inputs `{a['name']}` reach |{a['absmax']:g}| (above input-scale-max {limit:g}) and the model has no "
                f"Rescaling/Normalization layer at its input: large inputs saturate activations and blow up "
                f"gradients; add {hint} as the first layer (or scale the arrays)",
                Confirmation("confirmed", f"max |{a['name']}| = {a['absmax']:g}, shape {tuple(a['shape'])}", device),
            )
    return out
