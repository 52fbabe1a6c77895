"""Child side: run the user's script with search()/fit() intercepted and every hp declaration logged.

The patches are closures over the run's ``RunState``: they record what the script builds (compiled models, tuners
and their arguments, objective errors, hp declarations) and every search()/fit() it makes. Those calls return at
once without training (search() returns None, fit() an empty History), so the script goes on to its next call;
once one call is recorded the rest of the script gets a bounded time (``STOP_AFTER``), then it is stopped.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

from kerasnanlint.confirm.state import MAX_CALLS, Call, RunState, short

_MISSING = object()
STOP_AFTER = (2.0, 30.0, 0.25)  # after the first call the script may run on: a share of the time left, bounded


class Captured(BaseException):
    """Raised into the user's script to stop it (its time after the first call is up, or MAX_CALLS calls were
    made); a BaseException so `except Exception` in the user's code does not swallow it."""


class Interceptor:
    """Installs the patches for the script's run and removes them after (except the hp declaration log)."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.undo: list[tuple[Any, str, Any]] = []  # non-empty exactly while the script runs

    def patch(self, owner: Any, name: str, value: Any) -> None:
        """Replace ``owner.name``, remembering the original for ``unpatch``."""
        self.undo.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def unpatch(self) -> None:
        """Put every patched attribute back."""
        for owner, name, old in reversed(self.undo):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self.undo.clear()

    def capture(self, call: Call, anchors: list[int]) -> None:
        """Record one search()/fit() with the lines that tie findings to it; stop the script after MAX_CALLS."""
        state = self.state
        call.info.update(state.user_call())
        call.info["anchors"] = sorted({*anchors, *state.stack_lines()})
        state.calls.append(call)
        state.result.setdefault("calls", []).append(call.info)
        state.save()
        if len(state.calls) == 1 and hasattr(signal, "setitimer"):
            low, high, share = STOP_AFTER
            signal.setitimer(signal.ITIMER_REAL, max(low, min(high, state.time_left() * share)))
        if len(state.calls) >= MAX_CALLS:
            raise Captured

    @contextlib.contextmanager
    def stoppable(self) -> Iterator[None]:
        """While the script runs, the timer armed at its first call stops it (POSIX; elsewhere the parent's
        timeout is the bound)."""
        if not hasattr(signal, "setitimer"):
            yield
            return

        def stop(signum: int, frame: Any) -> None:
            raise Captured

        previous = signal.signal(signal.SIGALRM, stop)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def install(self) -> None:
        """Patch keras.Model.fit/compile and, when the script uses KerasTuner, the tuners and hp declarations."""
        import keras

        state = self.state
        orig_compile = keras.Model.compile

        def fit(model: Any, *args: Any, **kwargs: Any) -> Any:
            compiled = next((n for n, m in enumerate(state.compiled) if m is model), None)
            anchors = state.compile_stacks[compiled] if compiled is not None else []
            self.capture(Call("fit", model, args, dict(kwargs), {"kind": "fit"}), anchors)
            history = keras.callbacks.History()
            history.set_model(model)
            return history

        def compile_(model: Any, *args: Any, **kwargs: Any) -> Any:
            anchors = state.stack_lines() + defined_in(state.script, (args, kwargs))
            if self.undo:  # the script is running
                state.compiled.append(model)
                state.compile_lines.append(state.user_line())
                state.compile_stacks.append(anchors)
            elif state.call_index is not None:  # a short run of a call builds its model: tie what it compiles
                info = state.calls[state.call_index].info
                info["anchors"] = sorted({*info["anchors"], *anchors})
            return orig_compile(model, *args, **kwargs)

        self.patch(keras.Model, "fit", fit)
        # Not undone: the short runs of a search() compile the models its builder makes, which ties the losses
        # and metrics compiled there to that call.
        keras.Model.compile = compile_
        if state.kt is not None:
            self.install_tuner()

    def install_tuner(self) -> None:
        """Tuners: record their construction, redirect their project into the work directory, stop at search()."""
        from keras_tuner.src.engine import base_tuner, hyperparameters

        state = self.state
        base = base_tuner.BaseTuner
        orig_init = base.__init__

        def new(cls: type, *args: Any, **kwargs: Any) -> Any:
            if self.undo:  # only while the user's script runs
                state.tuner_calls.append((cls, args, kwargs, state.user_line()))
            return object.__new__(cls)

        def init(
            tuner: Any, oracle: Any, hypermodel: Any = None, directory: Any = None, project_name: Any = None,
            overwrite: bool = False, **kw: Any,
        ) -> None:  # fmt: skip
            state.result["user_project"] = [directory, project_name]
            orig_init(
                tuner,
                oracle,
                hypermodel,
                directory=os.path.join(state.workdir, "script_tuner"),
                project_name=project_name or "untitled_project",
                overwrite=True,
                **kw,
            )
            state.tuners.append(tuner)
            cls: type = type(tuner)
            if state.tuner_calls and state.tuner_calls[-1][0] is cls:
                tuner._knl_call = state.tuner_calls[-1]  # the arguments it was really built with
            tuner._knl_anchors = state.stack_lines()

        def search(tuner: Any, *args: Any, **kwargs: Any) -> None:
            self.capture(Call("search", tuner, args, dict(kwargs), {"kind": "search"}), tuner_anchors(state, tuner))

        # Not undone: deleting a patched __new__ leaves CPython's slot wrapper, which then rejects arguments.
        base.__new__ = staticmethod(new)
        self.patch(base, "__init__", init)
        self.patch(base, "search", search)
        self.patch_objectives()
        record_declarations(state, hyperparameters.HyperParameters)

    def patch_objectives(self) -> None:
        """An objective whose direction KerasTuner cannot infer: record the error, go on with a guessed direction
        so that the other findings can still be probed."""
        from keras_tuner.src.engine import objective

        state = self.state
        orig_create = objective.create_objective

        def create_objective(obj: Any) -> Any:
            try:
                return orig_create(obj)
            except (ValueError, TypeError) as exc:
                # ValueError: no direction inferable; TypeError: inference itself crashes (e.g. "val_mean_io_u").
                if not isinstance(obj, str) or (
                    isinstance(exc, ValueError) and "Could not infer optimization direction" not in str(exc)
                ):
                    raise
                guess = "min" if re.search(r"loss|error|mse|mae", obj) else "max"
                err = {
                    "type": type(exc).__name__,
                    "message": str(exc).strip().splitlines()[-1][:400] if str(exc).strip() else "",
                    "line": state.user_line(),
                    "objective": obj,
                    "retried_with": f'keras_tuner.Objective("{obj}", direction="{guess}")',
                }
                state.result.setdefault("construction_error", err)
                state.result.setdefault("construction_errors", []).append(err)
                return objective.Objective(obj, guess)

        self.patch(objective, "create_objective", create_objective)

    def run_script(self) -> None:
        """Execute the script as ``__main__`` until its first search()/fit() (or its end, exit or exception)."""
        state = self.state
        name = state.plan.get("name") or os.path.basename(state.script)  # a notebook's, not its program's
        state.phase("script", f"running {name}, recording its search()/fit() calls")
        with open(state.script, "rb") as fh:
            code = compile(fh.read(), state.script, "exec")
        state.globals = {"__name__": "__main__", "__file__": state.script, "__builtins__": builtins}
        sys.argv = [state.script]
        # A notebook's program is written elsewhere: it imports from the notebook's folder, as its kernel would.
        sys.path.insert(0, state.plan.get("import_dir") or os.path.dirname(state.script))
        info: dict[str, Any] = {}
        started = time.time()
        try:
            with self.stoppable():
                exec(code, state.globals)
            info["status"] = "finished"
        except Captured:
            info["status"] = "stopped"
        except SystemExit as exc:
            info.update(status="exited", code=str(exc.code))
        except BaseException as exc:  # the user's code may raise anything; we report it
            info.update(status="raised", error=short(exc), lines=state.user_lines(exc))
        info["seconds"] = round(time.time() - started, 2)
        info["calls"] = len(state.calls)
        info["warnings"] = state.warn_log[:20]
        state.result["script"] = info
        state.save()


def tuner_anchors(state: RunState, tuner: Any) -> list[int]:
    """Where a tuner ties to findings: its construction (and the functions around it) and its builder's ``def``."""
    anchors = list(getattr(tuner, "_knl_anchors", []))
    build = getattr(getattr(tuner, "hypermodel", None), "build", None)
    code = getattr(getattr(build, "__func__", build), "__code__", None)
    if code is not None and code.co_filename == state.script:
        anchors.append(code.co_firstlineno)
    return anchors


def defined_in(script: str, value: Any, depth: int = 0) -> list[int]:
    """The ``def`` lines of the script's functions and classes inside compile()'s arguments (its losses and
    metrics, in lists and dicts, as functions, classes or instances)."""
    if depth > 3:
        return []
    if isinstance(value, list | tuple):
        return [n for v in value for n in defined_in(script, v, depth + 1)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in defined_in(script, v, depth + 1)]
    fn = value if callable(value) and hasattr(value, "__code__") else None
    if fn is None:  # a class or an instance of one the script defines: its methods' code
        cls = value if isinstance(value, type) else type(value)
        fn = next((f for f in vars(cls).values() if getattr(f, "__code__", None) is not None), None)
    code = getattr(fn, "__code__", None)
    return [code.co_firstlineno] if code is not None and code.co_filename == script else []


def record_declarations(state: RunState, hp_cls: Any) -> None:
    """Log every hp declaration with its line in the script. Left installed after the script (harmless), so
    builders called later are logged too."""
    if getattr(hp_cls, "_knl_recording", False):
        return
    hp_cls._knl_recording = True
    for meth in ("Int", "Float", "Choice", "Boolean"):
        setattr(hp_cls, meth, _recording(state, hp_cls.__dict__[meth], meth))


def _recording(state: RunState, orig: Any, kind: str) -> Any:
    def declare(hp: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        line = state.user_line()
        decls = state.result.setdefault("hp_declarations", [])
        entry = {"kind": kind, "name": name, "args": repr((args, sorted(kwargs.items()))), "line": line}
        if kind in ("Float", "Int", "Choice"):
            _declared_top(entry, args, kwargs)
        if entry not in decls and len(decls) < 200:
            decls.append(entry)
        return orig(hp, name, *args, **kwargs)

    return declare


def _declared_top(entry: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The largest value a numeric declaration allows (for the learning-rate probes)."""
    if entry["kind"] == "Choice":
        values = kwargs.get("values", args[0] if args else None) or []
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        top = max(numbers) if numbers else None
    else:
        top = kwargs.get("max_value", args[1] if len(args) > 1 else None)
    if isinstance(top, int | float):
        entry["top"] = top
