"""The state of one confirm child run, shared explicitly by its steps (intercept, measure, training, fallback).

Child side, but no TensorFlow at import. ``result`` is what the parent reads: ``save()`` rewrites the result file
after every step, so a parent that kills the child on timeout still reads what was measured.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kerasnanlint.confirm.frames import call_range, stack_lines, user_frame, user_lines

MARK = "@@knl "  # stderr prefix of progress lines the parent relays (kerasnanlint.confirm.spawn)
PID_MARK = "@@knl-pid "  # stderr prefix of the line naming the script's process (the group killed on timeout)
TunerCall = tuple[type, tuple[Any, ...], dict[str, Any], int | None]  # (class, args, kwargs, line in the script)
MAX_CALLS = 8  # search()/fit() calls recorded per script; the script is stopped at the next one


@dataclass
class Call:
    """One search() (``target`` is the tuner) or top-level fit() (the model) the script made, with what it passed.

    ``info`` goes into the result: kind, line (and range), and ``anchors``: the script's lines that tie findings
    to this call (the call, the tuner's construction, the builder's ``def``, the model's compile() and its callers).
    """

    kind: str
    target: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    info: dict[str, Any]


def progress(message: str) -> None:
    """A progress line for the parent's status display."""
    print(MARK + message, file=sys.stderr, flush=True)


def short(exc: BaseException) -> str:
    """``Type: last line of the message`` (at most 300 characters of it)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1][:300] if text else ''}".rstrip(": ")


def _new_result() -> dict[str, Any]:
    return {"phase": "starting", "runs": [], "direct": [], "warnings": []}


@dataclass
class RunState:
    """One run of one script: the plan, what the script built and passed, and the result being written."""

    plan: dict[str, Any]
    out_path: str
    script: str  # absolute path of the user's script
    result: dict[str, Any] = field(default_factory=_new_result)
    globals: dict[str, Any] = field(default_factory=dict)  # the script's module namespace
    kt: Any = None  # the keras_tuner module, once imported
    tuner: Any = None  # the tuner of the call being measured (its search())
    tuner_calls: list[TunerCall] = field(default_factory=list)  # every tuner construction while the script ran
    tuners: list[Any] = field(default_factory=list)  # every tuner constructed
    compiled: list[Any] = field(default_factory=list)  # every model compiled, with the line of its compile()
    compile_lines: list[int | None] = field(default_factory=list)
    compile_stacks: list[list[int]] = field(default_factory=list)  # the script's lines on the stack at compile()
    model: Any = None  # the model of the call being measured (its fit())
    fit_args: tuple[Any, ...] = ()
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False  # fit_args/fit_kwargs were made up, not the script's
    current_trial: str | None = None
    calls: list[Call] = field(default_factory=list)  # every search()/fit() the script made, in order
    call_index: int | None = None  # the call whose short runs are running
    warn_log: list[str] = field(default_factory=list)  # every warning, in order (result["warnings"]: distinct)

    @classmethod
    def from_plan(cls, plan: dict[str, Any], out_path: str) -> RunState:
        """The state for the plan file the parent wrote."""
        state = cls(plan, out_path, os.path.abspath(plan["script"]))
        state.result["token"] = plan.get("token")  # the parent takes only a result that carries its plan's token
        return state

    # -- the plan -----------------------------------------------------------------------------------------------
    @property
    def findings(self) -> list[dict[str, Any]]:
        """The plan's entries: a finding's id, rule, lines, where it is and its ``probe`` (the rule's Probe)."""
        return self.plan["findings"]

    @property
    def workdir(self) -> str:
        """The script's working directory (a subfolder of the run's temporary folder; tuner projects go there)."""
        return self.plan["workdir"]

    @property
    def max_batches(self) -> int:
        """Batches per epoch of a short run."""
        return int(self.plan.get("max_batches", 40))

    @property
    def seed(self) -> int:
        """The seed of every short run (``--seed``)."""
        return int(self.plan.get("seed", 0))

    def time_left(self) -> float:
        """Seconds until the deadline the parent set (it kills the child a little after)."""
        return float(self.plan["deadline"]) - time.time()

    def finding_lines(self, findings: list[dict[str, Any]]) -> set[int]:
        """Every line these findings span."""
        return {n for f in findings for n in range(f["line"], f["end_line"] + 1)}

    # -- the result ---------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Rewrite the result file (atomically: the parent may read it at any time after a kill)."""
        tmp = self.out_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.result, fh, default=str)
        os.replace(tmp, self.out_path)

    def phase(self, name: str, message: str) -> None:
        """Enter a step: recorded in the result (a timeout names it) and shown by the parent."""
        self.result["phase"] = name
        self.save()
        progress(message)

    # -- the user's code ----------------------------------------------------------------------------------------
    def user_line(self) -> int | None:
        """The script's line on the current call stack (the declaration, construction or call being made)."""
        frame = user_frame(self.script)
        return frame.f_lineno if frame is not None else None

    def user_call(self) -> dict[str, Any]:
        """The line, and the range when known, of the script's call on the current call stack."""
        frame = user_frame(self.script)
        if frame is None:
            return {"line": None}
        span = call_range(frame)
        return {"line": frame.f_lineno, **({"range": span} if span else {})}

    def stack_lines(self) -> list[int]:
        """The script's lines on the current call stack, with the ``def`` lines of its functions there."""
        return stack_lines(self.script)

    def user_lines(self, exc: BaseException) -> list[int | None]:
        """The script's lines in the exception's traceback."""
        return user_lines(self.script, exc)

    # -- what the script built ----------------------------------------------------------------------------------
    def last_tuner(self) -> Any:
        """The captured tuner, else the last one constructed, else None."""
        return self.tuner or (self.tuners[-1] if self.tuners else None)

    def tuner_like(self) -> bool:
        """Short runs search with a tuner (rather than fit a model)."""
        return self.tuner is not None or (self.model is None and bool(self.tuners))

    def current_model(self) -> Any:
        """The model to measure: the captured one, one compiled on a finding's line, the tuner's, the last compiled."""
        if self.model is not None:
            return self.model
        lines = self.finding_lines([f for f in self.findings if not f.get("builder")])
        for model, line in zip(reversed(self.compiled), reversed(self.compile_lines), strict=True):
            if line in lines:  # a module-level finding on this model's compile() call
                return model
        tuner = self.last_tuner()
        if tuner is not None:
            try:
                return tuner.hypermodel.build(tuner.oracle.get_space())
            except Exception as exc:
                self.result["model_error"] = short(exc)
                return None
        return self.compiled[-1] if self.compiled else None

    @contextlib.contextmanager
    def on_call(self, index: int) -> Iterator[Call]:
        """Measure and train as call ``index`` did: its tuner or model and its arguments."""
        call = self.calls[index]
        saved = self.tuner, self.model, self.fit_args, self.fit_kwargs, self.call_index
        self.fit_args, self.fit_kwargs, self.call_index = call.args, call.kwargs, index
        self.tuner, self.model = (call.target, None) if call.kind == "search" else (None, call.target)
        try:
            yield call
        finally:
            self.tuner, self.model, self.fit_args, self.fit_kwargs, self.call_index = saved

    @contextlib.contextmanager
    def training_on(self, fit_args: tuple[Any, ...], fit_kwargs: dict[str, Any], tuner: Any = None) -> Iterator[None]:
        """Temporarily train on synthetic data (and with another tuner when given), then restore."""
        saved = self.tuner, self.fit_args, self.fit_kwargs, self.synthetic
        self.fit_args, self.fit_kwargs, self.synthetic = fit_args, fit_kwargs, True
        if tuner is not None:
            self.tuner = tuner
        try:
            yield
        finally:
            self.tuner, self.fit_args, self.fit_kwargs, self.synthetic = saved
