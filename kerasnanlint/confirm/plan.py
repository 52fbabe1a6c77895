"""Which findings runtime-confirm can test, and which short runs each file needs (parent side, no TensorFlow).

Everything rule-specific comes from the rule records (``Rule.probe``); the child gets it inside each plan entry,
so it never imports the registry or the checks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.registry import all_rules
from kerasnanlint.rule import Probe, Rule

if TYPE_CHECKING:  # imported when a notebook is planned: a run of scripts never imports the notebook code
    from kerasnanlint.notebook import Program

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
    """One script to run: its confirmable findings and, for each, the JSON entry the child reads.

    A notebook runs as its ``program`` (the code cells joined, IPython lines blanked): ``source``, the entries and
    everything the child measures count lines in that program; ``findings`` keep their cells."""

    path: str  # as shown in diagnostics
    file: Path
    source: str
    findings: list[Diagnostic] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    program: Program | None = None  # a notebook's program, else None

    def child_plan(self, **extra: Any) -> dict[str, Any]:
        """The plan file of the child process (``extra`` may name another ``script``: a notebook's program)."""
        return {"script": str(self.file.resolve()), "findings": self.entries, "runs": self.runs, **extra}

    def script_in(self, workdir: Path) -> dict[str, str]:
        """The child's ``script``, ``import_dir`` and ``name``: the file itself, or a notebook's program written
        under ``workdir`` and imported from the notebook's folder (where Jupyter starts its kernel)."""
        folder = str(self.file.resolve().parent)
        if self.program is None:
            return {"script": str(self.file.resolve()), "import_dir": folder}
        script = workdir / "notebook" / f"{self.file.stem}.py"
        script.parent.mkdir(exist_ok=True)
        script.write_text(self.program.text, encoding="utf-8")
        return {"script": str(script.resolve()), "import_dir": folder, "name": self.file.name}

    def at(self, line: int | None) -> str:
        """A line the child measured, for evidence: "line 12", or in a notebook "cell 3, line 2"."""
        if self.program is None or not line:
            return f"line {line}"
        cell, in_cell, _col = self.program.cell_at(line)
        return f"cell {cell}, line {in_cell}"


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


def _read(file: Path) -> tuple[str, Program | None] | None:
    """(the text to run, the notebook's program or None), or None when the file cannot be read as code."""
    from kerasnanlint.files import is_notebook_path
    from kerasnanlint.source import SourceError

    try:
        if not is_notebook_path(str(file)):
            return file.read_text(encoding="utf-8"), None
        from kerasnanlint.notebook import read_notebook

        notebook = read_notebook(file.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError, SourceError):
        return None
    if not notebook.is_python:
        return None
    program = notebook.program()
    return program.text, program


def make_plan(file: Path, shown: str, findings: list[Diagnostic]) -> FilePlan | None:
    """The plan for one file (a script or a notebook), or None when it has nothing to confirm and no data worth
    checking."""
    read = _read(file)
    if read is None:
        return None
    source, program = read
    plan = FilePlan(shown, file, source, program=program)
    wanted: set[str] = set()
    for d in findings:
        probe = probe_for(d.rule)
        located = _in_program(d, program)
        if probe is None or located is None:
            continue
        plan.findings.append(d)
        plan.entries.append(entry_for(len(plan.entries), located, probe))
        wanted.update(probe.runs)
    if not plan.findings and not wants_run(source):
        return None
    plan.runs = [name for name in RUN_ORDER if name in wanted]
    return plan


def _in_program(d: Diagnostic, program: Program | None) -> Diagnostic | None:
    """A notebook's finding with the program's lines (its ``where`` counts in them already); a script's as it is;
    None for a notebook finding in no cell."""
    if program is None:
        return d
    if d.cell is None or d.cell not in program.starts:
        return None
    return d.with_(line=program.program_line(d.cell, d.line), end_line=program.program_line(d.cell, d.end_line))


def probe_table() -> str:
    """docs/confirm.md's table of probes, generated from the rule records so the two cannot drift."""
    rows = ["| Rule | Kind | Probe |", "|---|---|---|"]
    for r in all_rules().values():
        if r.probe is not None:
            only = " (runtime-only rule)" if r.runtime_only else ""
            how = r.probe.how.replace("|", "\\|")  # a literal pipe would end the cell
            rows.append(f"| {r.code} {r.name} | {r.probe.kind} | {how}{only} |")
    return "\n".join(rows) + "\n"
