"""What one child run measured, read per finding (parent side, no TensorFlow).

The child writes facts only (runs, trials, first non-finite values, warnings, data statistics); ``Measurements``
selects the ones that judge a given finding, and the judges in kerasnanlint.confirm.judges turn them into verdicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kerasnanlint.confirm.plan import FilePlan
from kerasnanlint.confirm.spawn import Outcome

Event = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]  # (run, trial, first non-finite value)


class Measurements:
    """Read helpers over one child result, narrowed to the runs that judge one finding (``entry``) when given."""

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
        self.call_indexes: list[int] = []
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
            self.call_indexes = self.calls_of(entry)
            runs = [r for r in runs if not r.get("builder") and not r.get("span")]
            if self.calls:  # the runs of the calls tied to this finding
                runs = [r for r in runs if r.get("call") in self.call_indexes]
            self.warnings = list(self.script.get("warnings", [])) + [w for r in runs for w in r.get("warnings", [])]
        self.runs: list[dict[str, Any]] = runs

    # -- the script's search()/fit() calls ------------------------------------------------------------------------
    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every search()/fit() call the script made, in order (kind, line, anchors, data)."""
        return list(self.r.get("calls") or [])

    def calls_of(self, entry: dict[str, Any] | None) -> list[int]:
        """The calls that judge a finding: those tied to its statement (the tuner built there, the builder defined
        there, the model compiled there, the call itself), else every call."""
        every = list(range(len(self.calls)))
        if not entry:
            return every
        first, last = entry.get("span") or [entry["line"], entry["end_line"]]
        tied = [i for i, c in enumerate(self.calls) if any(first <= a <= last for a in c.get("anchors", []))]
        return tied or every

    def call_at(self, index: int | None) -> str:
        """A call for evidence: "the search() at line 19" ("" for a run of no call)."""
        calls = self.calls
        if index is None or not 0 <= index < len(calls):
            return ""
        return f"the {calls[index]['kind']}() at {self.plan.at(calls[index].get('line'))}"

    def data(self) -> dict[str, Any] | None:
        """The data checks of the finding's calls (array names prefixed by the call when there are several);
        None when no call of the script's own passed data."""
        if self.synthetic:
            return None
        checked = [(i, self.calls[i]["data"]) for i in self.call_indexes if self.calls[i].get("data")]
        if len(checked) == 1:
            return checked[0][1]
        if not checked:
            return None
        merged: dict[str, Any] = {"arrays": [], "skipped": []}
        for i, data in checked:
            for key in ("arrays", "skipped"):
                merged[key] += [{**a, "name": f"{self.call_at(i)}: {a['name']}"} for a in data.get(key, [])]
            merged.setdefault("classes", data.get("classes"))
        return merged

    def describe(self, run: dict[str, Any], trial: dict[str, Any], ev: dict[str, Any]) -> str:
        """One non-finite value as evidence, with the call whose short run showed it."""
        call = self.call_at(run.get("call"))
        return describe(run, trial, ev) + (f", in the short run of {call}" if call else "")

    # -- summaries ----------------------------------------------------------------------------------------------
    def before_capture(self) -> str | None:
        """Why the script gave us no search()/fit() call, or None when it did."""
        status = self.script.get("status")
        if self.r.get("calls"):
            return None
        if self.outcome.timed_out and self.r.get("phase") in ("script", "import", "starting", None):
            return f"timed out after {self.outcome.seconds:.0f} s before reaching search()/fit()"
        if status == "raised":
            where = f" at {self.plan.at(self.script['lines'][-1])}" if self.script.get("lines") else ""
            return f"the script raised {self.script.get('error')}{where} before reaching search()/fit()"
        if status == "exited":
            return f"the script called exit({self.script.get('code')}) before reaching search()/fit()"
        if status == "finished":
            return "no search() or fit() reached: the script finished without calling either"
        return self.outcome.why_failed()

    def data_note(self) -> str:
        """ " (on synthetic data ...)" when the runs did not train on the script's own data, else ""."""
        if not self.synthetic:
            return ""
        if self.builder is not None:
            return f" (the model from {self.builder['name']}() on synthetic data: {self.before_capture()})"
        if self.tuner_line is not None:
            return f" (the tuner built at {self.plan.at(self.tuner_line)}, on synthetic data: {self.before_capture()})"
        shape = self.r["synthetic"]
        shapes = f"x{tuple(shape['x'])}, y{tuple(shape['y'])}"
        return f" (on synthetic data {shapes} shaped from the model: {self.before_capture()})"

    def tried(self, runs: list[dict[str, Any]] | None = None) -> str:
        """What was run, for a "not reproduced" verdict: "1 trial x 1 epoch with learning_rate=0.01 and ..."."""
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
            call = f" in {self.call_at(run.get('call'))}" if len(self.calls) > 1 and "call" in run else ""
            parts.append(f"{what} x {epochs} epoch{'s' if epochs != 1 else ''} {how}{call}{failed}")
        err = self.r.get("construction_error")
        retried = f" (objective retried as {err['retried_with']})" if err else ""
        return " and ".join(parts) + retried + self.data_note()

    def events(self, runs: list[dict[str, Any]] | None = None, clean_data: bool = False) -> Iterator[Event]:
        """(run, trial, event) for every first non-finite value, in run order; with ``clean_data``, only in runs
        of calls whose data holds no NaN/Inf (a NaN the data brings in judges the data, not the model)."""
        calls = self.calls
        for run in self.runs if runs is None else runs:
            data = calls[run["call"]].get("data") or {} if run.get("call") is not None else {}
            if clean_data and any(a["nan"] or a["inf"] for a in data.get("arrays", [])):
                continue
            for trial in run.get("trials", []):
                for fit in trial.get("fits", []):
                    for ev in fit.get("events", []):
                        yield run, trial, ev

    def history_keys(self) -> list[str]:
        """The names the first fit that logged any logged (loss, metrics, val_ metrics)."""
        for run in self.runs:
            for trial in run.get("trials", []):
                for fit in trial.get("fits", []):
                    if fit.get("history_keys"):
                        return fit["history_keys"]
        return []

    def trial_errors(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(run, trial) of every trial that failed with an error."""
        return [(run, t) for run in self.runs for t in run.get("trials", []) if t.get("error")]

    def trial_rows(self) -> list[dict[str, Any]]:
        """One row per trial (a fit counts as one) of the runs: call, hyperparameters, score, status, the first
        non-finite value and the per-batch curves (``--format json`` details and the HTML report)."""
        rows = []
        for run in self.runs:
            for trial in run.get("trials", []):
                fits = trial.get("fits", [])
                first = next((e for f in fits for e in f.get("events", [])), None)
                rows.append(
                    {
                        "call": self.call_at(run.get("call")) or None,
                        "run": run["name"],
                        "trial": trial.get("id"),
                        "hp": trial.get("hp") or run.get("fixed") or {},
                        "status": trial.get("status"),
                        "error": trial.get("error") or run.get("error"),
                        "score": trial.get("score"),
                        "first_nonfinite": {k: first[k] for k in ("name", "epoch", "batch")} if first else None,
                        "curves": fits[0].get("curves", {}) if fits else {},
                        "epoch_ends": fits[0].get("epoch_ends", []) if fits else [],
                    }
                )
        return rows

    def runs_named(self, *prefixes: str) -> list[dict[str, Any]]:
        """The runs of these probes ("lr_top", "baseline"; a builder's runs are named "builder:probe")."""
        return [run for run in self.runs if run["name"].split(":")[-1].startswith(prefixes)]


def describe(run: dict[str, Any], trial: dict[str, Any], ev: dict[str, Any]) -> str:
    """One non-finite value as evidence: what, where (epoch, batch) and in which trial."""
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
