"""Child side: run the user's script with search()/fit() intercepted and every hp declaration logged.

The patches are closures over the run's ``RunState``: they record what the script builds (compiled models, tuners
and their arguments, objective errors, hp declarations) and stop the script at its first search()/fit().
"""

from __future__ import annotations

import builtins
import os
import re
import sys
import time
from typing import Any

from kerasnanlint.confirm.state import RunState, short

_MISSING = object()


class Captured(BaseException):
    """Raised out of search()/fit() to stop the user's script; a BaseException so `except Exception` in the
    user's code does not swallow it."""


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

    def install(self) -> None:
        """Patch keras.Model.fit/compile and, when the script uses KerasTuner, the tuners and hp declarations."""
        import keras

        state = self.state
        orig_compile = keras.Model.compile

        def fit(model: Any, *args: Any, **kwargs: Any) -> None:
            capture(state, "fit", model, args, kwargs)
            raise Captured

        def compile_(model: Any, *args: Any, **kwargs: Any) -> Any:
            state.compiled.append(model)
            state.compile_lines.append(state.user_line())
            return orig_compile(model, *args, **kwargs)

        self.patch(keras.Model, "fit", fit)
        self.patch(keras.Model, "compile", compile_)
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

        def search(tuner: Any, *args: Any, **kwargs: Any) -> None:
            capture(state, "search", tuner, args, kwargs)
            raise Captured

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
        state.phase("script", f"running {name} until search()/fit()")
        with open(state.script, "rb") as fh:
            code = compile(fh.read(), state.script, "exec")
        state.globals = {"__name__": "__main__", "__file__": state.script, "__builtins__": builtins}
        sys.argv = [state.script]
        # A notebook's program is written elsewhere: it imports from the notebook's folder, as its kernel would.
        sys.path.insert(0, state.plan.get("import_dir") or os.path.dirname(state.script))
        info: dict[str, Any] = {}
        started = time.time()
        try:
            exec(code, state.globals)
            info["status"] = "finished"
        except Captured:
            info["status"] = "captured"
        except SystemExit as exc:
            info.update(status="exited", code=str(exc.code))
        except BaseException as exc:  # the user's code may raise anything; we report it
            info.update(status="raised", error=short(exc), lines=state.user_lines(exc))
        info["seconds"] = round(time.time() - started, 2)
        info["warnings"] = state.warn_log[:20]
        state.result["script"] = info
        state.save()


def capture(state: RunState, kind: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The script called search() (``target`` is the tuner) or fit() (the model): keep what it passed."""
    state.kind = kind
    state.fit_args, state.fit_kwargs = args, dict(kwargs)
    state.result["call"] = {"kind": kind, **state.user_call()}
    if kind == "search":
        state.tuner = target
    else:
        state.model = target


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
