"""Runtime-confirm: run each script's confirmable findings as short, controlled searches in a child process.

A notebook runs as one script: its code cells in order, IPython lines blanked (kerasnanlint.notebook).

Parent side only: this package's ``__init__``, plan, spawn, measurements, judges and report never import
TensorFlow; ``child`` and the modules it uses run in the child process (``python -m kerasnanlint.confirm.child``).
Independent of the CLI: it takes ``ConfirmOptions`` and raises ``ConfirmUnavailable``, which the CLI reports.
"""

from __future__ import annotations

import importlib.util
import math
import os
import queue
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kerasnanlint.diagnostics import Diagnostic

if TYPE_CHECKING:  # imported when used: the child process imports this package and needs none of them
    from kerasnanlint.config import Settings
    from kerasnanlint.confirm.html_report import Section
    from kerasnanlint.confirm.plan import FilePlan
    from kerasnanlint.confirm.progress import Progress
    from kerasnanlint.confirm.spawn import Outcome, Worker

RUNTIME_MODULES = ("tensorflow", "keras", "keras_tuner", "tensorboard", "numpy")
INSTALL = 'pip install ".[runtime-cpu]" in a clone of kerasnanlint (or runtime, or gpu: see its README)'
DEFAULT_SEED = 1234
MIN_CHILD_SECONDS = 12.0  # importing keras_tuner alone takes ~6 s on a small CPU


@dataclass(frozen=True)
class ConfirmOptions:
    """How much runtime-confirm may run (the CLI's --budget, --device, --trials, --epochs, --batches, --seed)."""

    budget: float = 120.0  # wall seconds for all scripts together
    device: str = "auto"  # "auto" | "cpu" | "gpu"
    trials: int = 2  # trials per probe search
    epochs: int = 1  # epochs per probe trial (never more than the script asked for)
    max_batches: int = 40  # batches per epoch, and the batches of a dataset or generator the data checks read
    seed: int = DEFAULT_SEED  # seeds Python, NumPy and the backend before the script and before each short run
    report: Path | None = None  # write the HTML report there (its folder must exist)
    jobs: int = 1  # scripts run at once
    shard: tuple[int, int] | None = None  # (i, n): run only the i-th of n deterministic parts of the scripts

    def __post_init__(self) -> None:
        # nan would give every script the 1 s floor, inf no limit at all: a budget is a finite number of seconds.
        if not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be a finite number of seconds above 0, not {self.budget!r}")


class ConfirmUnavailable(Exception):
    """Runtime-confirm cannot run here (the runtime extra is missing); the message says how to fix it."""


def missing_extra(with_report: bool = False) -> str | None:
    """The message to print when the runtime extra (and matplotlib for ``--report``) is not installed, else None
    (never imports TensorFlow)."""
    wanted = RUNTIME_MODULES + (("matplotlib",) if with_report else ())
    missing = [m for m in wanted if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return f"runtime-confirm needs the runtime extra (missing: {', '.join(missing)}); install it with: {INSTALL}"


def confirm(
    paths: list[Path], settings: Settings, diagnostics: list[Diagnostic], options: ConfirmOptions | None = None
) -> list[Diagnostic]:
    """Lint results in, the same results with confirmations (plus the runtime-only findings) out.

    Raises ConfirmUnavailable without the runtime extra."""
    from kerasnanlint.confirm.progress import Progress
    from kerasnanlint.confirm.report import confirm_file

    options = options or ConfirmOptions()
    message = missing_extra(with_report=options.report is not None)
    if message:
        raise ConfirmUnavailable(message)
    plans = shard(_plans(paths, settings, diagnostics), options.shard)
    replaced: dict[int, Diagnostic] = {}
    added: list[Diagnostic] = []
    sections: list[Section] = []
    progress = Progress(len(plans))
    for plan, outcome in zip(plans, _run_all(plans, options), strict=True):
        confirmed, extra = confirm_file(plan, outcome, settings)
        progress.path = plan.path
        for note in _notes(plan, outcome):
            progress.note(note)
        for old, new in zip(plan.findings, confirmed, strict=True):
            replaced[id(old)] = new
        added.extend(extra)
        sections.append(_section(plan, outcome, confirmed + extra))
    progress.done()
    if options.report is not None:
        from kerasnanlint.confirm.html_report import write_report

        write_report(options.report, sections)
    out = [replaced.get(id(d), d) for d in diagnostics] + added
    out.sort(key=Diagnostic.sort_key)
    return out


def shard(plans: list[FilePlan], part: tuple[int, int] | None) -> list[FilePlan]:
    """Shard ``i`` of ``n`` (1-based) of the plans: every n-th by sorted path, the same split on every machine."""
    if part is None:
        return plans
    i, n = part
    return [p for k, p in enumerate(sorted(plans, key=lambda p: p.path)) if k % n == i - 1]


class _Budget:
    """Each script's timeout out of --budget: what is left, minus the minimum of the scripts after it in its lane
    (``jobs`` run at once), but never less than a fair share; a hang costs one share, and time a fast script
    leaves unused rolls over to the next ones."""

    def __init__(self, budget: float, files: int, jobs: int) -> None:
        self.budget, self.files_left, self.jobs = budget, files, jobs
        self.start = time.monotonic()
        self.lock = threading.Lock()

    def timeout(self) -> float:
        with self.lock:
            left = self.budget - (time.monotonic() - self.start)
            in_lane = -(-self.files_left // self.jobs)  # this script and those after it in its lane
            self.files_left -= 1
        return max(left - MIN_CHILD_SECONDS * (in_lane - 1), left / in_lane)


def _run_all(plans: list[FilePlan], options: ConfirmOptions) -> list[Outcome]:
    """Every plan's outcome, in order: ``options.jobs`` at once; with several scripts on POSIX each lane keeps a
    warm worker (one framework import per lane, a forked process per script)."""
    from concurrent.futures import ThreadPoolExecutor

    from kerasnanlint.confirm.progress import Progress
    from kerasnanlint.confirm.spawn import Worker

    budget = _Budget(options.budget, len(plans), options.jobs)
    warm = len(plans) > 1 and hasattr(os, "fork")
    lanes: queue.Queue[Worker | None] = queue.Queue()
    for _ in range(options.jobs):
        lanes.put(Worker(options.device) if warm else None)

    def one(index: int) -> Outcome:
        worker = lanes.get()
        try:
            progress = Progress(len(plans))
            progress.file(index + 1, plans[index].path)
            return _run_plan(plans[index], options, budget.timeout(), progress, worker)
        finally:
            lanes.put(worker)

    try:
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            return list(pool.map(one, range(len(plans))))
    finally:
        while not lanes.empty():
            worker = lanes.get()
            if worker is not None:
                worker.close()


def _plans(paths: list[Path], settings: Settings, diagnostics: list[Diagnostic]) -> list[FilePlan]:
    """A plan per script or notebook worth running (files lint could not parse are skipped)."""
    from kerasnanlint.confirm.plan import make_plan
    from kerasnanlint.files import discover
    from kerasnanlint.registry import SYNTAX_ERROR
    from kerasnanlint.runner import display_path

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    plans = []
    for file in discover([p for p in paths if str(p) != "-"], settings):
        shown = display_path(file)
        if any(d.rule == SYNTAX_ERROR.code for d in by_path.get(shown, [])):
            continue
        plan = make_plan(file, shown, by_path.get(shown, []))
        if plan is not None:
            plans.append(plan)
    return plans


def _run_plan(
    plan: FilePlan, options: ConfirmOptions, timeout: float, progress: Progress, worker: Worker | None
) -> Outcome:
    """Run one plan with ``timeout`` seconds, in a fresh temporary folder (the script's working directory is its
    ``run/`` subfolder): in the warm ``worker`` when it runs the script's backend, else in a child of its own."""
    from kerasnanlint.confirm.backends import selected
    from kerasnanlint.confirm.spawn import Outcome, run_child

    if timeout < MIN_CHILD_SECONDS / 2:
        return Outcome({"fatal": f"the --budget of {options.budget:g} s was spent before this file"}, 0.0)
    with tempfile.TemporaryDirectory(prefix="kerasnanlint-confirm-", ignore_cleanup_errors=True) as tmp:
        # The script runs in run/: its relative paths (a result.json of its own) never meet the plan and result
        # files beside it, and the token tells our result from anything else found under that name.
        rundir = Path(tmp) / "run"
        rundir.mkdir()
        child_plan = plan.child_plan(
            **plan.script_in(Path(tmp)),
            workdir=str(rundir),
            token=secrets.token_hex(16),
            device=options.device,
            trials=options.trials,
            epochs=options.epochs,
            max_batches=options.max_batches,
            seed=options.seed,
            deadline=time.time() + timeout - 3,
        )
        if worker is not None and worker.fits(selected(plan.source)):
            return worker.run(child_plan, Path(tmp), timeout, progress.show)
        return run_child(child_plan, Path(tmp), timeout, options.device, progress.show)


def _notes(plan: FilePlan, outcome: Outcome) -> list[str]:
    """Lines for stderr: why the script never reached search()/fit(), the data its calls' checks skipped."""
    from kerasnanlint.confirm.measurements import Measurements

    m = Measurements(plan, outcome)
    why = m.before_capture()
    notes = [f"could not run: {why}"] if why else []
    for index, call in enumerate(m.calls):
        for skipped in (call.get("data") or {}).get("skipped", []):
            notes.append(f"data checks of {m.call_at(index)}: not checked: {skipped['name']} ({skipped['why']})")
    return notes


def _section(plan: FilePlan, outcome: Outcome, diagnostics: list[Diagnostic]) -> Section:
    """The report's part for one script: its findings, the trials of all its short runs, its device."""
    from kerasnanlint.confirm.html_report import Section
    from kerasnanlint.confirm.measurements import Measurements

    m = Measurements(plan, outcome)
    every = [run for run in m.r.get("runs", []) if not run.get("skipped")]
    m.runs = every  # the report shows the fallbacks' runs too, not only those of the script's calls
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    return Section(plan.path, ordered, m.trial_rows(), m.r.get("device"), m.before_capture())
