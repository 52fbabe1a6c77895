"""Which findings runtime-confirm can test, and which short runs each file needs (parent side, no TensorFlow).

Everything rule-specific comes from the rule records (``Rule.probe``); the child gets it inside each plan entry,
so it never imports the registry or the checks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.registry import all_rules
from kerasnanlint.rule import Probe, Rule

# The short runs a probe may ask for, in the order the child runs them.
RUN_ORDER = ("baseline", "lr_top", "activations")


def probe_for(code: str) -> Probe | None:
    """The probe of a rule that lint findings carry; None for an unknown rule, a rule without a probe, or a
    runtime-only rule (confirm reports those itself)."""
    r = all_rules().get(code)
    return r.probe if r is not None and not r.runtime_only else None


def runtime_rule(judge: str) -> Rule:
    """The runtime-only rule whose probe is judged by ``judge`` (e.g. "nonfinite_data")."""
    for r in all_rules().values():
        if r.runtime_only and r.probe is not None and r.probe.judge == judge:
            return r
    raise KeyError(judge)


@dataclass
class FilePlan:
    """One script to run: its confirmable findings and, for each, the JSON entry the child reads."""

    path: str  # as shown in diagnostics
    file: Path
    source: str
    findings: list[Diagnostic] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def child_plan(self, **extra: Any) -> dict[str, Any]:
        """The plan file of the child process."""
        return {"script": str(self.file.resolve()), "findings": self.entries, "runs": self.runs, **extra}


def wants_run(source: str) -> bool:
    """Files worth executing for the runtime-only data rules even without a finding (Keras code only: an
    sklearn script calling .fit() is never run)."""
    from kerasnanlint.files import mentions_keras

    return (".search(" in source or ".fit(" in source) and mentions_keras(source.encode("utf-8", "replace"))


def entry_for(index: int, d: Diagnostic, probe: Probe) -> dict[str, Any]:
    """The child's view of one finding: where it is (from the lint walk's ``Diagnostic.where``) and its probe."""
    entry: dict[str, Any] = {
        "id": index,
        "rule": d.rule,
        "line": d.line,
        "end_line": d.end_line,
        "probe": asdict(probe),
    }
    where = d.where
    if probe.kind == "direct":
        entry["function"] = where.function if where else None
    if where and where.builder:
        entry["builder"] = where.builder
    if where and where.statement:
        entry["span"] = list(where.statement)
    return entry


def make_plan(file: Path, shown: str, findings: list[Diagnostic]) -> FilePlan | None:
    """The plan for one file, or None when it has nothing to confirm and no data worth checking."""
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    plan = FilePlan(shown, file, source)
    wanted: set[str] = set()
    for d in findings:
        probe = probe_for(d.rule)
        if probe is None:
            continue
        plan.findings.append(d)
        plan.entries.append(entry_for(len(plan.entries), d, probe))
        wanted.update(probe.runs)
    if not plan.findings and not wants_run(source):
        return None
    plan.runs = [name for name in RUN_ORDER if name in wanted]
    return plan


def probe_table() -> str:
    """docs/confirm.md's table of probes, generated from the rule records so the two cannot drift."""
    rows = ["| Rule | Kind | Probe |", "|---|---|---|"]
    for r in all_rules().values():
        if r.probe is not None:
            only = " (runtime-only rule)" if r.runtime_only else ""
            how = r.probe.how.replace("|", "\\|")  # a literal pipe would end the cell
            rows.append(f"| {r.code} {r.name} | {r.probe.kind} | {how}{only} |")
    return "\n".join(rows) + "\n"
