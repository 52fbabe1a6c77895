"""Runtime-confirm: run each script's confirmable findings as short, controlled searches in a child process.

Parent side only: this package's ``__init__``, plan, spawn and report never import TensorFlow; ``child`` and
``probes`` run in the child process (``python -m kerasnanlint.confirm.child``).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic

RUNTIME_MODULES = ("tensorflow", "keras", "keras_tuner", "tensorboard", "numpy")
INSTALL = 'pip install "kerasnanlint[runtime]"'
MIN_CHILD_SECONDS = 12.0  # importing keras_tuner alone takes ~6 s on a small CPU


def missing_extra() -> str | None:
    """The message to print when the runtime extra is not installed, else None (never imports TensorFlow)."""
    missing = [m for m in RUNTIME_MODULES if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return f"runtime-confirm needs the runtime extra (missing: {', '.join(missing)}); install it with: {INSTALL}"


class Progress:
    """One status line on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = sys.stderr.isatty()
        self.index = 0
        self.path = ""
        self.started = time.monotonic()

    def file(self, index: int, path: str) -> None:
        self.index, self.path, self.started = index, path, time.monotonic()
        self.show("starting")

    def show(self, message: str) -> None:
        text = f"confirm [{self.index}/{self.total}] {self.path}: {message} ({time.monotonic() - self.started:.0f} s)"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + text[:200])
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def note(self, message: str) -> None:
        """A line that stays (a file that could not run)."""
        if self.tty:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.write(f"confirm: {self.path}: {message}\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def confirm_cli(args: Namespace, settings: Settings, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    message = missing_extra()
    if message:
        from kerasnanlint.cli import UsageError

        raise UsageError(message)
    return confirm(
        list(getattr(args, "paths", None) or [Path(".")]),
        settings,
        diagnostics,
        budget=float(getattr(args, "budget", 120.0)),
        device=getattr(args, "device", "auto"),
        trials=int(getattr(args, "trials", 2)),
        epochs=int(getattr(args, "epochs", 1)),
    )


def confirm(
    paths: list[Path],
    settings: Settings,
    diagnostics: list[Diagnostic],
    *,
    budget: float = 120.0,
    device: str = "auto",
    trials: int = 2,
    epochs: int = 1,
    max_batches: int = 40,
) -> list[Diagnostic]:
    """Lint results in, the same results with confirmations (plus KNL503/KNL504) out."""
    from kerasnanlint.confirm.plan import make_plan
    from kerasnanlint.confirm.report import Facts, confirm_file
    from kerasnanlint.confirm.spawn import run_child
    from kerasnanlint.files import discover
    from kerasnanlint.runner import display_path

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    plans = []
    for file in discover([p for p in paths if str(p) != "-"], settings):
        shown = display_path(file)
        if any(d.rule == "KNL000" for d in by_path.get(shown, [])):
            continue
        plan = make_plan(file, shown, by_path.get(shown, []))
        if plan is not None:
            plans.append(plan)

    replaced: dict[int, Diagnostic] = {}
    added: list[Diagnostic] = []
    progress = Progress(len(plans))
    start = time.monotonic()
    for i, plan in enumerate(plans):
        left = budget - (time.monotonic() - start)
        # Leave the scripts after this one their minimum, but never less than a fair share: a hang costs one
        # share, and time a fast script leaves unused rolls over to the next ones.
        files_left = len(plans) - i
        timeout = max(left - MIN_CHILD_SECONDS * (files_left - 1), left / files_left)
        progress.file(i + 1, plan.path)
        if timeout < MIN_CHILD_SECONDS / 2:
            from kerasnanlint.confirm.spawn import Outcome

            outcome = Outcome({"fatal": f"the --budget of {budget:g} s was spent before this file"}, 0.0)
        else:
            with tempfile.TemporaryDirectory(prefix="kerasnanlint-confirm-", ignore_cleanup_errors=True) as tmp:
                child_plan = plan.child_plan(
                    workdir=tmp,
                    device=device,
                    trials=trials,
                    epochs=epochs,
                    max_batches=max_batches,
                    deadline=time.time() + timeout - 3,
                )
                outcome = run_child(child_plan, Path(tmp), timeout, device, progress.show)
        confirmed, extra = confirm_file(plan, outcome, settings)
        why = Facts(plan, outcome).before_capture()
        if why:
            progress.note(f"could not run to search()/fit(): {why}")
        for old, new in zip(plan.findings, confirmed, strict=True):
            replaced[id(old)] = new
        added.extend(extra)
    progress.done()
    out = [replaced.get(id(d), d) for d in diagnostics] + added
    out.sort(key=Diagnostic.sort_key)
    return out
