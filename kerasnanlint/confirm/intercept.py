"""Child side: run the user's script with search()/fit() intercepted and every hp declaration logged.

A mixin of kerasnanlint.confirm.child.Child (it uses the run's state: ``result``, ``script``, ``tuners`` ...).
"""

from __future__ import annotations

import builtins
import os
import re
import sys
import time
import traceback
from typing import Any

from kerasnanlint.confirm.rulesets import LR_NAME, TOP_RULES

MARK = "@@knl "  # stderr prefix of progress lines the parent relays (kerasnanlint.confirm.spawn.MARK)
_MISSING = object()


class Captured(BaseException):
    """Raised out of search()/fit() to stop the user's script; a BaseException so `except Exception` in the
    user's code does not swallow it."""


def progress(message: str) -> None:
    print(MARK + message, file=sys.stderr, flush=True)


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1][:300] if text else ''}".rstrip(": ")


class Interceptor:
    script: str
    workdir: str
    result: dict[str, Any]
    undo: list[tuple[Any, str, Any]]

    def user_line(self) -> int | None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def user_lines(self, exc: BaseException) -> list[int]:
        return [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == self.script]

    def patch(self, owner: Any, name: str, value: Any) -> None:
        self.undo.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def unpatch(self) -> None:
        for owner, name, old in reversed(self.undo):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self.undo.clear()

    def install(self) -> None:
        import keras

        child = self
        orig_compile = keras.Model.compile

        def fit(model, *args, **kwargs):
            child.capture("fit", model, args, kwargs)
            raise Captured

        def compile_(model, *args, **kwargs):
            child.compiled.append(model)
            child.compile_lines.append(child.user_line())
            return orig_compile(model, *args, **kwargs)

        self.patch(keras.Model, "fit", fit)
        self.patch(keras.Model, "compile", compile_)
        if self.kt is None:
            return
        from keras_tuner.src.engine import base_tuner, hyperparameters, objective

        base = base_tuner.BaseTuner
        orig_init = base.__init__
        orig_create = objective.create_objective

        def new(cls, *args, **kwargs):
            if child.undo:  # only while the user's script runs
                child.tuner_calls.append((cls, args, kwargs, child.user_line()))
            return object.__new__(cls)

        def init(tuner, oracle, hypermodel=None, directory=None, project_name=None, overwrite=False, **kw):
            child.result["user_project"] = [directory, project_name]
            orig_init(
                tuner,
                oracle,
                hypermodel,
                directory=os.path.join(child.workdir, "script_tuner"),
                project_name=project_name or "untitled_project",
                overwrite=True,
                **kw,
            )
            child.tuners.append(tuner)
            if child.tuner_calls and child.tuner_calls[-1][0] is type(tuner):
                tuner._knl_call = child.tuner_calls[-1]  # the arguments it was really built with

        def create_objective(obj):
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
                    "line": child.user_line(),
                    "objective": obj,
                    "retried_with": f'keras_tuner.Objective("{obj}", direction="{guess}")',
                }
                child.result.setdefault("construction_error", err)
                child.result.setdefault("construction_errors", []).append(err)
                return objective.Objective(obj, guess)

        def search(tuner, *args, **kwargs):
            child.capture("search", tuner, args, kwargs)
            raise Captured

        # Not undone: deleting a patched __new__ leaves CPython's slot wrapper, which then rejects arguments.
        base.__new__ = staticmethod(new)
        self.patch(base, "__init__", init)
        self.patch(base, "search", search)
        self.patch(objective, "create_objective", create_objective)
        self.record_declarations(hyperparameters.HyperParameters)

    def record_declarations(self, hp_cls: Any) -> None:
        """Log every hp declaration with its line in the script. Left installed after the script (harmless), so
        builders called later are logged too."""
        if getattr(hp_cls, "_knl_recording", False):
            return
        hp_cls._knl_recording = True
        for meth in ("Int", "Float", "Choice", "Boolean"):
            setattr(hp_cls, meth, self._recording(hp_cls.__dict__[meth], meth))

    def _recording(self, orig: Any, kind: str) -> Any:
        child = self

        def declare(hp, name, *args, **kwargs):
            line = child.user_line()
            decls = child.result.setdefault("hp_declarations", [])
            entry = {"kind": kind, "name": name, "args": repr((args, sorted(kwargs.items()))), "line": line}
            if kind in ("Float", "Int", "Choice"):
                child.declared_top(entry, args, kwargs)
            if entry not in decls and len(decls) < 200:
                decls.append(entry)
            return orig(hp, name, *args, **kwargs)

        return declare

    def declared_top(self, entry: dict[str, Any], args: tuple, kwargs: dict) -> None:
        """The largest value a numeric declaration allows (for the learning-rate probes)."""
        if entry["kind"] == "Choice":
            values = kwargs.get("values", args[0] if args else None) or []
            numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            top = max(numbers) if numbers else None
        else:
            top = kwargs.get("max_value", args[1] if len(args) > 1 else None)
        if isinstance(top, int | float):
            entry["top"] = top

    def lr_targets(self) -> dict[str, Any]:
        """Hps to pin at their top: those declared on the lines of a KNL401/KNL402/KNL404 finding (a learning rate, a
        dropout rate), else learning rates found by name."""
        lines = {
            n for f in self.plan["findings"] if f["rule"] in TOP_RULES for n in range(f["line"], f["end_line"] + 1)
        }
        out = {}
        for d in self.result.get("hp_declarations", []):
            if d.get("top") is not None and (d["line"] in lines or LR_NAME.search(d["name"])):
                out.setdefault(d["name"], d["top"])
        return out

    def capture(self, kind: str, target: Any, args: tuple, kwargs: dict) -> None:
        self.kind = kind
        self.fit_args, self.fit_kwargs = args, dict(kwargs)
        self.result["call"] = {"kind": kind, "line": self.user_line()}
        if kind == "search":
            self.tuner = target
        else:
            self.model = target

    # -- the user's script --------------------------------------------------------------------------------------
    def run_script(self) -> None:
        self.phase("script", f"running {os.path.basename(self.script)} until search()/fit()")
        with open(self.script, "rb") as fh:
            code = compile(fh.read(), self.script, "exec")
        self.globals = {"__name__": "__main__", "__file__": self.script, "__builtins__": builtins}
        sys.argv = [self.script]
        sys.path.insert(0, os.path.dirname(self.script))
        info: dict[str, Any] = {}
        started = time.time()
        try:
            exec(code, self.globals)
            info["status"] = "finished"
        except Captured:
            info["status"] = "captured"
        except SystemExit as exc:
            info.update(status="exited", code=str(exc.code))
        except BaseException as exc:  # the user's code may raise anything; we report it
            info.update(status="raised", error=short(exc), lines=self.user_lines(exc))
        info["seconds"] = round(time.time() - started, 2)
        info["warnings"] = self.warn_log[:20]
        self.result["script"] = info
        self.save()

    # -- model and data -----------------------------------------------------------------------------------------
