"""The child process of runtime-confirm: ``python -m kerasnanlint.confirm.child PLAN.json RESULT.json``.

Runs the user's script with ``BaseTuner.search`` and ``keras.Model.fit`` intercepted (each call is recorded and
returns without training), then measures: direct calls of flagged loss/metric functions and, for each recorded call
in order, data checks and short controlled searches/fits in the temporary working directory. Facts only;
kerasnanlint.confirm.report turns them into verdicts. Every step gets the run's ``RunState`` explicitly: the
interceptor, the measurements, the trainer and the fallbacks.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from typing import Any

from kerasnanlint.confirm import backends
from kerasnanlint.confirm.fallback import BuilderRuns, synthesize, tuner_runs
from kerasnanlint.confirm.intercept import Interceptor
from kerasnanlint.confirm.measure import call_flagged, check_data
from kerasnanlint.confirm.reaper import contain, exit_like
from kerasnanlint.confirm.state import PID_MARK, RunState, short
from kerasnanlint.confirm.training import Trainer


def start(state: RunState) -> bool:
    """Import Keras under the script's backend (and KerasTuner when the script uses it), seed it, pick the device,
    log warnings; False when the backend or the requested device is missing (recorded as fatal)."""
    state.phase("import", "importing Keras and its backend")
    state.result["warm"] = "keras" in sys.modules  # forked from a warm worker: the import was paid once there
    try:
        import keras
    except ImportError as exc:
        why = backends.not_installed(exc)
        if why is None:
            raise
        state.result["fatal"] = why
        state.save()
        return False
    backend = keras.backend.backend()
    # Python, NumPy and the backend seeded, its deterministic kernels on: the same first NaN batch every run.
    backends.seed_and_fix(backend, state.seed)
    state.result["seed"] = state.seed
    with open(state.script, "rb") as fh:
        source = fh.read()
    if b"keras_tuner" in source or b"kerastuner" in source:
        import keras_tuner

        state.kt = keras_tuner
    shown = backends.device(backend, state.plan["device"])
    if shown is None:
        state.result["fatal"] = f"--device gpu, but the {backend} backend sees no GPU"
        state.save()
        return False
    state.result["device"] = shown
    log_warnings(state)
    return True


def log_warnings(state: RunState) -> None:
    """Every warning into ``warn_log`` (in order) and, once each, into the result."""
    warnings.simplefilter("always")
    seen = state.result["warnings"]

    def showwarning(
        message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        text = f"{category.__name__}: {str(message).strip()[:400]}"
        if len(state.warn_log) < 500:
            state.warn_log.append(text)
        if text not in seen and len(seen) < 40:
            seen.append(text)

    warnings.showwarning = showwarning


def fallback(state: RunState, trainer: Trainer) -> bool:
    """The script never reached search()/fit(): probe its builders and tuners on synthetic data; True when the
    script's own model (or its tuner's) was given synthetic data to check and run like a captured call."""
    BuilderRuns(state, trainer).run_all()
    spans = tuner_runs(state, trainer)
    built = {n for n, info in state.result.get("builders", {}).items() if "error" not in info}
    if state.findings and all(f.get("builder") in built or f.get("span") in spans for f in state.findings):
        return False
    model = state.current_model()
    if model is not None and not any(model is m for m in state.compiled):
        tuner = state.tuners[-1] if state.tuners else None
        hypermodel = getattr(getattr(tuner, "hypermodel", None), "build", None)
        if getattr(hypermodel, "__name__", None) in built:
            model = None  # that builder was probed already; a search would only repeat it
    if model is None or not synthesize(state, model):
        return False
    if (state.tuner is None and not state.tuners) or any(model is m for m in state.compiled):
        state.model = model
    return True


def run(state: RunState) -> int:
    """The whole child run; the result file says what was measured."""
    if not start(state):
        return 0
    interceptor = Interceptor(state)
    interceptor.install()
    try:
        interceptor.run_script()
    finally:
        interceptor.unpatch()
    call_flagged(state)
    trainer = Trainer(state)
    for index in range(len(state.calls)):  # each call its own short runs, on what that call passed
        with state.on_call(index) as call:
            call.info["data"] = check_data(state)
            trainer.planned_runs(dirty(call.info["data"]))
    if not state.calls and fallback(state, trainer):
        trainer.planned_runs(dirty=False)
    state.phase("done", "done")
    return 0


def dirty(data: dict[str, Any]) -> bool:
    """The data holds NaN/Inf (its short runs then include a baseline as written)."""
    return any(a["nan"] or a["inf"] for a in data.get("arrays", []))


def main(argv: list[str]) -> int:
    """``PLAN.json RESULT.json``: never a bare traceback, the parent turns a crash into "could not run"."""
    with open(argv[0], encoding="utf-8") as fh:
        plan = json.load(fh)
    os.chdir(plan["workdir"])  # the script's own folder, apart from the plan and result files
    state = RunState.from_plan(plan, os.path.abspath(argv[1]))
    try:
        return run(state)
    except BaseException as exc:
        state.result["fatal"] = short(exc)
        state.result["fatal_traceback"] = traceback.format_exc()[-3000:]
        state.save()
        return 0


def announce(pid: int) -> None:
    """Tell the parent which process group to kill on timeout (the script's, not this supervisor's)."""
    print(f"{PID_MARK}{pid}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # This process only supervises: the run forks below it, and whatever the script leaves running is killed.
    exit_like(contain(lambda: main(sys.argv[1:]), announce))
