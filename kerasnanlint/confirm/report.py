"""Turn the child's measurements into verdicts and runtime-only findings (parent side, no TensorFlow).

confirmed = the run showed it (evidence: which value, epoch, batch, hyperparameters, or KerasTuner's own error);
not reproduced = what was tried stayed finite; could not run = why nothing was measured.
"""

from __future__ import annotations

import re
from typing import Any

from kerasnanlint.config import Settings
from kerasnanlint.confirm.judges import CONFIRMED, COULD_NOT_RUN, JUDGES, Verdict, count
from kerasnanlint.confirm.measurements import Measurements
from kerasnanlint.confirm.plan import FilePlan, probe_for, runtime_rule
from kerasnanlint.confirm.spawn import Outcome
from kerasnanlint.diagnostics import Confirmation, Diagnostic
from kerasnanlint.rule import Rule
from kerasnanlint.suppressions import parse_suppressions


def verdict(m: Measurements, entry: dict[str, Any]) -> Verdict:
    """The verdict on one finding: the exception its probe expects, else its judge's."""
    probe = probe_for(entry["rule"])
    assert probe is not None, entry  # the plan holds confirmable findings only
    if m.outcome.result is None or (m.r.get("fatal") and not m.script):
        return COULD_NOT_RUN, m.outcome.why_failed(), {}
    lines = range(entry["line"], entry["end_line"] + 1)
    raised_here = m.script.get("status") == "raised" and any(n in lines for n in m.script.get("lines", []))
    if raised_here and probe.raises and re.search(probe.raises, str(m.script.get("error"))):
        # the failure this rule predicts is this very exception
        return CONFIRMED, f"the script raised {m.script['error']} at {m.plan.at(m.script['lines'][-1])}", {}
    v = JUDGES[probe.judge](m, entry, probe)
    if v[0] != CONFIRMED and m.outcome.timed_out and not v[1].startswith("timed out"):
        return COULD_NOT_RUN, f"timed out after {m.outcome.seconds:.0f} s (during {m.r.get('phase')}); {v[1]}", v[2]
    return v


def confirm_file(plan: FilePlan, outcome: Outcome, settings: Settings) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(the plan's findings with confirmations, new runtime-only diagnostics)."""
    m = Measurements(plan, outcome)
    device = m.r.get("device")
    details_common = {"seconds": round(outcome.seconds, 1), **({"seed": m.r["seed"]} if "seed" in m.r else {})}
    out = []
    for d, entry in zip(plan.findings, plan.entries, strict=True):
        narrowed = Measurements(plan, outcome, entry)
        v, evidence, details = verdict(narrowed, entry)
        trials = {"trials": narrowed.trial_rows()} if narrowed.runs else {}
        out.append(d.with_(confirmation=Confirmation(v, evidence, device, {**details, **details_common, **trials})))
    return out, runtime_only(m, settings, device)


def call_span(source: str, call: dict[str, Any]) -> tuple[int, int, int, int]:
    """(line, col, end_line, end_col) of the search()/fit() call that received the data (1-based, end exclusive):
    the range the child read from the running code, else the statement's text on the line."""
    line = call.get("line")
    if not line:
        return 1, 1, 1, 1
    if call.get("range"):
        first, col, last, end_col = call["range"]
        return first, col, last, end_col
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    col = len(text) - len(text.lstrip()) + 1
    return line, col, line, len(text) + 1


class _Reporter:
    """Makes the runtime-only findings of one search()/fit() call at that call, as the settings allow."""

    def __init__(self, m: Measurements, settings: Settings, index: int) -> None:
        self.m, self.settings, self.index = m, settings, index
        call = m.calls[index]
        self.span = call_span(m.plan.source, call)
        self.what = f"{call.get('kind', 'fit')}()"
        self.suppress = parse_suppressions(m.plan.source)
        self.out: list[Diagnostic] = []

    def first_event(self) -> str | None:
        """The first non-finite loss or weight in this call's short runs, as evidence."""
        runs = [run for run in self.m.runs if run.get("call") == self.index]
        ev = next(((r, t, e) for r, t, e in self.m.events(runs) if e["kind"] in ("loss", "weight")), None)
        return self.m.describe(*ev) if ev else None

    def add(self, rule: Rule, message: str, conf: Confirmation, help: str) -> None:
        """A finding of ``rule`` at the call, unless deselected, ignored for the path or suppressed by a noqa."""
        code, path, line = rule.code, self.m.plan.path, self.span[0]
        if not self.settings.rule_selected(code) or self.settings.ignored_for_path(code, path):
            return
        if self.suppress.suppressed(code, line):
            return
        sev = self.settings.severity_of(code, rule.severity)
        found = Diagnostic(code, rule.name, sev, path, *self.span, message, None, conf, help=help)
        if self.m.plan.program is not None:
            from kerasnanlint.notebook_lint import to_cells  # notebooks only

            found = to_cells(found, self.m.plan.program)
        self.out.append(found)


def runtime_only(m: Measurements, settings: Settings, device: str | None) -> list[Diagnostic]:
    """The runtime-only findings at each search()/fit() call: non-finite data, unscaled inputs (only on the
    script's own data)."""
    out: list[Diagnostic] = []
    for index, call in enumerate(m.calls):
        data = call.get("data")
        if not data:
            continue
        reporter = _Reporter(m, settings, index)
        _nonfinite_data(reporter, data, device)
        _input_scale(reporter, data, device)
        out += reporter.out
    return out


def _nonfinite_data(reporter: _Reporter, data: dict[str, Any], device: str | None) -> None:
    bad = [a for a in data["arrays"] if a["nan"] or a["inf"]]
    if not bad:
        return
    counts = "; ".join(count(a) for a in bad)
    evidence = f"counted before training: {counts}"
    ev = reporter.first_event()
    if ev:
        evidence += f"; in the short run: {ev}"
    reporter.add(
        runtime_rule("nonfinite_data"),
        f"The data passed to {reporter.what} holds NaN or Inf values in {', '.join(a['name'] for a in bad)}",
        Confirmation("confirmed", evidence, device, {"arrays": bad}),
        f"Counted: {counts}; the loss goes NaN at the first batch that holds one, and an accuracy objective still"
        " scores the trial; clean it with np.nan_to_num or drop the rows (np.isfinite(x).all(axis=1))",
    )


def _input_scale(reporter: _Reporter, data: dict[str, Any], device: str | None) -> None:
    limit = reporter.settings.threshold("input-scale-max")
    if data.get("input_scaled") is not False:
        return
    wide = [a for a in data["arrays"] if a["name"].startswith("x") and (a.get("absmax") or 0) > limit]
    if not wide:
        return
    a = wide[0]
    sample = f" ({a['sample']})" if a.get("sample") else ""
    hint = "keras.layers.Rescaling(1.0 / 255)" if a["absmax"] <= 255 else "a keras.layers.Normalization layer"
    reporter.add(
        runtime_rule("input_scale"),
        f"Inputs `{a['name']}` reach |{a['absmax']:g}| (above input-scale-max {limit:g}) with no rescaling layer",
        Confirmation("confirmed", f"max |{a['name']}| = {a['absmax']:g}, shape {tuple(a['shape'])}{sample}", device),
        "The model has no Rescaling/Normalization layer at its input: large inputs saturate activations and blow"
        f" up gradients; add {hint} as the first layer (or scale the arrays)",
    )
