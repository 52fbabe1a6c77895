"""The child process of runtime-confirm: ``python -m kerasnanlint.confirm.child PLAN.json RESULT.json``.

Runs the user's script with ``BaseTuner.search`` and ``keras.Model.fit`` intercepted (the script stops there),
then measures: data checks, direct calls of flagged loss/metric functions, short controlled searches/fits in the
temporary working directory. Facts only; kerasnanlint.confirm.report turns them into verdicts. The result file is
rewritten after every step, so a parent that kills us on timeout still reads what was measured.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import json
import os
import re
import sys
import time
import traceback
import warnings
from typing import Any

MARK = "@@knl "  # stderr prefix of progress lines the parent relays
LR_NAME = re.compile(r"(^|_)(lr|learning_?rate)($|_)|learning", re.IGNORECASE)
ACTIVATIONS = {
    "relu", "linear", "sigmoid", "softmax", "tanh", "elu", "selu", "gelu", "swish", "silu", "softplus",
    "softsign", "exponential", "leaky_relu", "relu6", "hard_sigmoid", "mish", "log_softmax",
}  # fmt: skip
SAFE_OUTPUT = {"sigmoid", "softmax", "tanh", "hard_sigmoid"}
WRITING_CALLBACKS = {"TensorBoard", "ModelCheckpoint", "CSVLogger", "BackupAndRestore"}
ACTIVATION_RULES = {"KNL102", "KNL106", "KNL202", "KNL204"}


class Captured(BaseException):
    """Raised out of search()/fit() to stop the user's script; a BaseException so `except Exception` in the
    user's code does not swallow it."""


def progress(message: str) -> None:
    print(MARK + message, file=sys.stderr, flush=True)


def short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1][:300] if text else ''}".rstrip(": ")


class Child:
    def __init__(self, plan: dict[str, Any], out_path: str) -> None:
        self.plan = plan
        self.out_path = out_path
        self.script = os.path.abspath(plan["script"])
        self.workdir = plan["workdir"]
        self.deadline = float(plan["deadline"])
        self.result: dict[str, Any] = {"phase": "starting", "runs": [], "direct": [], "warnings": []}
        self.rules = {f["rule"] for f in plan["findings"]}
        self.globals: dict[str, Any] = {}
        self.tuner: Any = None
        self.tuner_calls: list[tuple[type, tuple, dict]] = []
        self.tuners: list[Any] = []
        self.compiled: list[Any] = []
        self.compile_lines: list[int | None] = []
        self.model: Any = None
        self.fit_args: tuple = ()
        self.fit_kwargs: dict[str, Any] = {}
        self.kind: str | None = None  # "search" | "fit"
        self.synthetic = False
        self.current_trial: str | None = None
        self.undo: list[tuple[Any, str, Any]] = []
        self.warn_log: list[str] = []
        self.kt: Any = None

    # -- bookkeeping --------------------------------------------------------------------------------------------
    def save(self) -> None:
        tmp = self.out_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.result, fh, default=str)
        os.replace(tmp, self.out_path)

    def phase(self, name: str, message: str) -> None:
        self.result["phase"] = name
        self.save()
        progress(message)

    def time_left(self) -> float:
        return self.deadline - time.time()

    def user_line(self) -> int | None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def user_lines(self, exc: BaseException) -> list[int]:
        return [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == self.script]

    # -- interception -------------------------------------------------------------------------------------------
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
    def current_model(self) -> Any:
        if self.model is not None:
            return self.model
        lines = {n for f in self.plan["findings"] if not f.get("builder") for n in range(f["line"], f["end_line"] + 1)}
        for model, line in zip(reversed(self.compiled), reversed(self.compile_lines), strict=True):
            if line in lines:  # a module-level finding on this model's compile() call
                return model
        tuner = self.tuner or (self.tuners[-1] if self.tuners else None)
        if tuner is not None:
            try:
                return tuner.hypermodel.build(tuner.oracle.get_space())
            except Exception as exc:
                self.result["model_error"] = short(exc)
                return None
        return self.compiled[-1] if self.compiled else None

    def synthesize(self, model: Any) -> bool:
        """Data shaped from the model when the script never reached search()/fit() with its own."""
        data = self.synthetic_data(model)
        if data is None:
            return False
        self.fit_args, self.fit_kwargs = data
        self.synthetic = True
        y = data[0][1]
        self.result["synthetic"] = {"x": list(data[0][0].shape), "y": list((y[0] if isinstance(y, list) else y).shape)}
        return True

    def synthetic_data(self, model: Any) -> tuple[tuple, dict] | None:
        import numpy as np

        try:
            in_shape = tuple(model.inputs[0].shape)
            out_shapes = [tuple(o.shape) for o in model.outputs]
        except Exception:
            return None
        if len(model.inputs) != 1:
            return None
        n = 512
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, *[d or 1 for d in in_shape[1:]])).astype("float32")  # standardized features
        losses = getattr(model, "loss", None)
        ys = []
        for i, out_shape in enumerate(out_shapes):
            loss = losses
            if isinstance(losses, dict):
                loss = list(losses.values())[i] if i < len(losses) else None
            elif isinstance(losses, list | tuple):
                loss = losses[i] if i < len(losses) else None
            ys.append(self._synthetic_y(rng, n, out_shape, str(getattr(loss, "__name__", loss) or "").lower()))
        y = ys[0] if len(ys) == 1 else ys
        return (x, y), {"epochs": 1, "validation_split": 0.25}

    def _synthetic_y(self, rng: Any, n: int, out_shape: tuple, loss: str) -> Any:
        import numpy as np

        k = out_shape[-1] if len(out_shape) > 1 and out_shape[-1] else 1
        if "sparse" in loss:
            y = rng.integers(0, max(k, 2), size=(n,))
        elif k > 1 and "categorical" in loss:
            y = np.eye(k, dtype="float32")[rng.integers(0, k, size=n)]
        elif "crossentropy" in loss or "hinge" in loss or (k == 1 and not loss):
            y = rng.integers(0, 2, size=(n, k)).astype("float32")
        else:
            y = rng.standard_normal((n, k)).astype("float32")
        return y

    def check_data(self) -> None:
        from kerasnanlint.confirm import probes

        self.phase("data", "checking the arrays passed to search()/fit()")
        args, kw = self.fit_args, self.fit_kwargs
        x = args[0] if args else kw.get("x")
        y = args[1] if len(args) > 1 else kw.get("y")
        arrays = probes.as_arrays(x, "x") + probes.as_arrays(y, "y")
        val = kw.get("validation_data")
        if isinstance(val, tuple | list) and len(val) >= 2:
            arrays += probes.as_arrays(val[0], "validation x") + probes.as_arrays(val[1], "validation y")
        data: dict[str, Any] = {"arrays": [probes.array_stats(n, a) for n, a in arrays]}
        ys = [a for n, a in arrays if n.startswith("y")]
        if len(ys) == 1:
            data["classes"] = probes.label_classes(ys[0])
        model = self.current_model()
        if model is not None:
            data["input_scaled"] = probes.input_scaled(model)
            with contextlib.suppress(Exception):
                data["output_shape"] = [d for d in model.outputs[0].shape]
        self.result["data"] = data
        self.save()

    def prepared(self, store: list, epochs: int) -> tuple[tuple, dict]:
        """The captured fit arguments, cut to a few batches and epochs, with the watch callback added."""
        import tensorflow as tf

        from kerasnanlint.confirm.probes import Watch

        kw = dict(self.fit_kwargs)
        limit = int(self.plan.get("max_batches", 40)) * int(kw.get("batch_size") or 32)

        def cut(v: Any) -> Any:
            if isinstance(v, tf.data.Dataset):
                return v.take(int(self.plan.get("max_batches", 40)))
            if isinstance(v, dict):
                return {k: cut(i) for k, i in v.items()}
            if isinstance(v, list | tuple) and v and hasattr(v[0], "shape"):
                return type(v)(cut(i) for i in v)
            if hasattr(v, "iloc"):
                return v.iloc[:limit]
            shape = getattr(v, "shape", None)
            if shape is not None and len(shape) and shape[0] is not None and shape[0] > limit:
                return v[:limit]
            return v

        args = tuple(cut(a) for a in self.fit_args[:2]) + tuple(self.fit_args[2:])
        for key in ("x", "y"):
            if key in kw:
                kw[key] = cut(kw[key])
        if isinstance(kw.get("validation_data"), tuple | list):
            kw["validation_data"] = tuple(cut(v) for v in kw["validation_data"])
        elif kw.get("validation_data") is not None:
            kw["validation_data"] = cut(kw["validation_data"])
        kw["epochs"] = max(1, min(int(kw.get("epochs") or 1), epochs))
        if kw.get("steps_per_epoch"):
            kw["steps_per_epoch"] = min(int(kw["steps_per_epoch"]), int(self.plan.get("max_batches", 40)))
        kw["verbose"] = 0
        user = [c for c in (kw.get("callbacks") or []) if type(c).__name__ not in WRITING_CALLBACKS]
        kw["callbacks"] = [*user, Watch(store, lambda: self.current_trial)]
        return args, kw

    # -- runs ---------------------------------------------------------------------------------------------------
    def make_tuner(self, name: str, fixed: dict[str, Any]) -> Any:
        kt = self.kt
        tuner = self.tuner or self.tuners[-1]
        calls = [c for c in self.tuner_calls if c[0] is type(tuner)]
        cls, args, kwargs, _line = getattr(tuner, "_knl_call", None) or calls[-1]
        sig = inspect.signature(cls.__init__)
        bound = sig.bind_partial(None, *args, **kwargs).arguments
        params = sig.parameters
        named: dict[str, Any] = {}
        for key, value in list(bound.items())[1:]:
            if params[key].kind is inspect.Parameter.VAR_KEYWORD:
                named.update(value)
            elif params[key].kind is not inspect.Parameter.VAR_POSITIONAL:
                named[key] = value
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())

        def put(key: str, value: Any) -> None:
            if key in params or takes_any:
                named[key] = value

        put("directory", os.path.join(self.workdir, "probes"))
        put("project_name", f"probe_{name}")
        put("overwrite", True)
        if "max_trials" in params or "max_trials" in named:
            named["max_trials"] = int(self.plan["trials"])
        if "max_epochs" in params:
            named["max_epochs"] = max(3, int(self.plan["epochs"]))  # fewer gives Hyperband no trial at all
        objective_arg = named.get("objective")  # kt.Objective.__eq__ breaks on a str, so compare strings only
        errors = self.result.get("construction_errors", []) if isinstance(objective_arg, str) else []
        err = next((e for e in errors if e["objective"] == objective_arg), None)
        if err:
            guess = "min" if re.search(r"loss|error|mse|mae", err["objective"]) else "max"
            named["objective"] = kt.Objective(err["objective"], guess)
        if fixed:
            hp = kt.HyperParameters()
            if isinstance(named.get("hyperparameters"), kt.HyperParameters):
                hp = named["hyperparameters"].copy()
            for key, value in fixed.items():
                hp.Fixed(key, value)
            named["hyperparameters"] = hp
            put("tune_new_entries", True)
        return cls(**named)

    def run(
        self,
        name: str,
        fixed: dict[str, Any] | None = None,
        why: str = "",
        model: Any = None,
        builder: str = "",
        span: list[int] | None = None,
    ) -> None:
        from kerasnanlint.confirm.probes import nan_safe_float

        fixed = fixed or {}
        tuner_like = model is None and self.tuner_like()
        warned = len(self.warn_log)
        if self.time_left() < 8:
            self.result["runs"].append({"name": name, "fixed": fixed, "skipped": "time budget spent"})
            self.save()
            return
        label = ", ".join(f"{k}={v}" for k, v in fixed.items()) or "as written"
        self.phase(f"run:{name}", f"short {'search' if tuner_like else 'fit'} ({label}){why}")
        store: list[dict[str, Any]] = []
        run: dict[str, Any] = {"name": name, "fixed": fixed, "synthetic": self.synthetic, "trials": []}
        if builder:
            run["builder"] = builder
        if span:
            run["span"] = span
        started = time.time()
        args, kw = self.prepared(store, int(self.plan["epochs"]))
        run["epochs"] = kw["epochs"]
        try:
            if tuner_like:
                tuner = self.make_tuner(name, fixed)
                obj = tuner.oracle.objective
                run["objective"] = {
                    "name": getattr(obj, "name", str(obj)),
                    "direction": getattr(obj, "direction", None),
                }
                orig_begin = tuner.on_trial_begin

                def on_trial_begin(trial, _orig=orig_begin):
                    self.current_trial = trial.trial_id
                    return _orig(trial)

                tuner.on_trial_begin = on_trial_begin
                try:
                    tuner.search(*args, **kw)
                except Exception as exc:
                    run["error"] = short(exc)
                for tid, trial in sorted(tuner.oracle.trials.items()):
                    message = (trial.message or "").strip().splitlines()
                    run["trials"].append(
                        {
                            "id": tid,
                            "status": str(trial.status),
                            "score": nan_safe_float(trial.score),
                            "hp": {k: v for k, v in trial.hyperparameters.values.items()},
                            "error": message[-1][:300] if message else None,
                            "fits": [r for r in store if r.get("trial") == tid],
                        }
                    )
            else:
                model = model or self.model or self.current_model()
                try:
                    model.fit(*args, **kw)
                    status = "COMPLETED"
                except Exception as exc:
                    status, run["error"] = "ERROR", short(exc)
                run["trials"].append({"id": "fit", "status": status, "fits": store})
        except Exception as exc:
            run["error"] = short(exc)
            run["error_lines"] = self.user_lines(exc)
        run["seconds"] = round(time.time() - started, 2)
        run["warnings"] = self.warn_log[warned:][:20]
        self.result["runs"].append(run)
        self.save()

    def tuner_like(self) -> bool:
        return self.tuner is not None or (self.model is None and bool(self.tuners))

    def lr_hp(self) -> tuple[str, float] | None:
        tuner = self.tuner or (self.tuners[-1] if self.tuners else None)
        if tuner is None:
            return None
        for hp in tuner.oracle.hyperparameters.space:
            if not LR_NAME.search(hp.name):
                continue
            if hasattr(hp, "max_value") and isinstance(hp.max_value, int | float):
                return hp.name, hp.max_value
            values = [v for v in getattr(hp, "values", []) if isinstance(v, int | float)]
            if values:
                return hp.name, max(values)
        return None

    def activation_choices(self) -> list[tuple[str, str]]:
        tuner = self.tuner or (self.tuners[-1] if self.tuners else None)
        if tuner is None:
            return []
        out = []
        for hp in tuner.oracle.hyperparameters.space:
            values = _hp_info(hp).get("activations", [])
            out += [(hp.name, v) for v in _risky(values, self.rules)]
        return out[:3]

    # -- direct probes ------------------------------------------------------------------------------------------
    def direct(self) -> None:
        import keras
        from keras.src.utils.naming import to_snake_case

        from kerasnanlint.confirm import probes

        targets = [f for f in self.plan["findings"] if f.get("function") and f["rule"] in DIRECT_RULES]
        if not targets:
            return
        self.phase("direct", f"calling {len(targets)} flagged function(s) on adversarial inputs")
        shape = (8, 1)
        model = self.model or (self.compiled[-1] if self.compiled else None)
        with contextlib.suppress(Exception):
            k = model.outputs[0].shape[-1]
            shape = (8, int(k or 1))
        done: dict[str, dict[str, Any]] = {}
        for f in targets:
            qual = f["function"]
            if qual in done:
                self.result["direct"].append({**done[qual], "finding": f["id"]})
                continue
            entry: dict[str, Any] = {"finding": f["id"], "function": qual}
            try:
                obj: Any = self.globals[qual.split(".")[0]]
                parts = qual.split(".")
                if len(parts) == 2 and inspect.isclass(obj):
                    inst = obj()
                    if isinstance(inst, keras.metrics.Metric | keras.losses.Loss):
                        entry["results"] = probes.probe_function(inst, shape)
                    elif isinstance(inst, keras.layers.Layer):
                        entry["results"] = probes.probe_unary(inst)
                    else:
                        raise TypeError(f"{parts[0]} is neither a Loss, a Metric nor a Layer")
                elif len(parts) == 1 and callable(obj):
                    positional = [
                        p
                        for p in inspect.signature(obj).parameters.values()
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
                    ]
                    if len(positional) == 2:
                        entry["results"] = probes.probe_function(obj, shape)
                        entry["log_name"] = to_snake_case(obj.__name__)
                    elif len(positional) == 1:
                        entry["results"] = probes.probe_unary(obj)
                    else:  # e.g. an inline lambda inside build_model(): judged by the short run instead
                        entry["error"] = f"the flagged code sits inside {qual}(), not in a loss/metric of its own"
                        done[qual] = entry
                        self.result["direct"].append(entry)
                        continue
                else:
                    raise TypeError(f"{qual} cannot be called on its own")
            except KeyError:
                entry["error"] = f"{qual} was not defined when search()/fit() was reached"
            except Exception as exc:
                entry["error"] = short(exc)
            done[qual] = entry
            self.result["direct"].append(entry)
        self.save()

    # -- main ---------------------------------------------------------------------------------------------------
    def main(self) -> int:
        self.phase("import", "importing TensorFlow/Keras")
        import keras  # noqa: F401
        import tensorflow as tf

        with open(self.script, "rb") as fh:
            source = fh.read()
        if b"keras_tuner" in source or b"kerastuner" in source:
            import keras_tuner

            self.kt = keras_tuner
        gpus = tf.config.list_physical_devices("GPU")
        if self.plan["device"] == "gpu" and not gpus:
            self.result["fatal"] = "--device gpu, but TensorFlow sees no GPU"
            self.save()
            return 0
        if gpus and self.plan["device"] != "cpu":
            details = tf.config.experimental.get_device_details(gpus[0])
            self.result["device"] = f"GPU ({details.get('device_name', gpus[0].name)})"
        else:
            self.result["device"] = "CPU"
        warnings.simplefilter("always")
        seen = self.result["warnings"]

        def showwarning(message, category, filename, lineno, file=None, line=None):
            text = f"{category.__name__}: {str(message).strip()[:400]}"
            if len(self.warn_log) < 500:
                self.warn_log.append(text)
            if text not in seen and len(seen) < 40:
                seen.append(text)

        warnings.showwarning = showwarning
        self.install()
        try:
            self.run_script()
        finally:
            self.unpatch()
        status = self.result["script"]["status"]
        self.direct()
        if status != "captured":
            self.builder_runs()
            spans = self.tuner_runs()
            built = {n for n, info in self.result.get("builders", {}).items() if "error" not in info}
            if self.plan["findings"] and all(
                f.get("builder") in built or f.get("span") in spans for f in self.plan["findings"]
            ):
                self.phase("done", "done")
                return 0
            model = self.current_model()
            if model is not None and not any(model is m for m in self.compiled):
                tuner = self.tuners[-1] if self.tuners else None
                hypermodel = getattr(getattr(tuner, "hypermodel", None), "build", None)
                if getattr(hypermodel, "__name__", None) in built:
                    model = None  # that builder was probed already; a search would only repeat it
            if model is None or not self.synthesize(model):
                self.phase("done", "done")
                return 0
            if (self.tuner is None and not self.tuners) or any(model is m for m in self.compiled):
                self.model = model
        self.check_data()
        self.runs()
        self.phase("done", "done")
        return 0

    def tuner_runs(self) -> list[list[int]]:
        """Scripts that construct tuners but never search: one short search per tuner that holds an objective
        finding, on synthetic data shaped from its hypermodel. Returns the statement spans covered."""
        covered: list[list[int]] = []
        wanted = [f for f in self.plan["findings"] if f["rule"] in OBJECTIVE_RULES and f.get("span")]
        for tuner in list(self.tuners):
            call = getattr(tuner, "_knl_call", None)
            line = call[3] if call else None
            span = next((f["span"] for f in wanted if line and f["span"][0] <= line <= f["span"][1]), None)
            if span is None or span in covered:
                continue
            covered.append(span)
            try:
                model = tuner.hypermodel.build(tuner.oracle.get_space())
            except Exception as exc:
                self.result.setdefault("tuner_errors", {})[str(span[0])] = short(exc)
                continue
            data = self.synthetic_data(model)
            if data is None:
                continue
            saved = self.tuner, self.fit_args, self.fit_kwargs, self.synthetic
            self.tuner, self.fit_args, self.fit_kwargs, self.synthetic = tuner, data[0], data[1], True
            try:
                self.run(f"tuner@{span[0]}", {}, f" - the tuner at line {span[0]} on synthetic data", span=span)
            finally:
                self.tuner, self.fit_args, self.fit_kwargs, self.synthetic = saved
        return covered

    def builder_runs(self) -> None:
        """Scripts that only define model builders: build each builder holding a finding, fit it on synthetic data
        (and again with its learning rate at the top / each risky activation), so every example gets measured."""
        names: list[str] = []
        for f in self.plan["findings"]:
            if f.get("builder") and f["rule"] in TRAINING_RULES and f["builder"] not in names:
                names.append(f["builder"])
        for name in names:
            fn = self.globals.get(name)
            if not callable(fn) or inspect.isclass(fn):
                continue
            try:
                required = [
                    p
                    for p in inspect.signature(fn).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
            except (TypeError, ValueError):
                continue
            if len(required) > 1:
                continue
            if required and self.kt is None:
                import keras_tuner  # a builder taking `hp` in a script that never imported KerasTuner
                from keras_tuner.src.engine import hyperparameters

                self.kt = keras_tuner
                self.record_declarations(hyperparameters.HyperParameters)
            rules = {f["rule"] for f in self.plan["findings"] if f.get("builder") == name}
            self.run_builder(name, fn, bool(required), {}, "baseline")
            space = self.result.get("builders", {}).get(name, {}).get("space", [])
            if rules & TOP_RULES:
                names = {h["name"] for h in space}
                pinned = {k: v for k, v in self.lr_targets().items() if k in names}
                if pinned:
                    self.run_builder(name, fn, True, pinned, "lr_top")
            for h in space:
                for value in _risky(h.get("activations", []), rules)[:3]:
                    self.run_builder(name, fn, True, {h["name"]: value}, f"act_{value}")

    def run_builder(self, name: str, fn: Any, takes_hp: bool, fixed: dict[str, Any], probe: str) -> None:
        import keras

        info = self.result.setdefault("builders", {}).setdefault(name, {})
        warned = len(self.warn_log)
        try:
            keras.backend.clear_session()
            if takes_hp:
                hp = self.kt.HyperParameters()
                model = fn(hp)
                if fixed:  # registered by the first build; now pin the values and build again
                    hp.values.update(fixed)
                    keras.backend.clear_session()
                    model = fn(hp)
                info.setdefault("space", [_hp_info(h) for h in hp.space])
            else:
                model = fn()
        except Exception as exc:
            info["error"] = short(exc)
            info["warnings"] = self.warn_log[warned:][:20]
            return
        info.setdefault("warnings", self.warn_log[warned:][:20])
        if not isinstance(model, keras.Model):
            info["error"] = f"{name}() returned {type(model).__name__}, not a keras.Model"
            return
        if getattr(model, "optimizer", None) is None:
            info["error"] = f"the model from {name}() is not compiled, so it cannot be fitted"
            return
        data = self.synthetic_data(model)
        if data is None:
            info["error"] = f"cannot shape synthetic data for the model from {name}()"
            return
        saved = self.fit_args, self.fit_kwargs, self.synthetic
        self.fit_args, self.fit_kwargs, self.synthetic = data[0], data[1], True
        try:
            self.run(f"{name}:{probe}", fixed, f" - {name}() on synthetic data", model=model, builder=name)
        finally:
            self.fit_args, self.fit_kwargs, self.synthetic = saved

    def runs(self) -> None:
        wants = set(self.plan.get("runs", []))
        dirty = any(a["nan"] or a["inf"] for a in self.result.get("data", {}).get("arrays", []))
        if "baseline" in wants or (dirty and not self.synthetic):
            self.run("baseline", why=" - the data holds NaN/Inf" if dirty else "")
        if "lr_top" in wants:
            tuner = self.tuner or (self.tuners[-1] if self.tuners else None)
            names = {h.name for h in tuner.oracle.hyperparameters.space} if tuner is not None else set()
            pinned = {k: v for k, v in self.lr_targets().items() if k in names}
            if not pinned and self.lr_hp():
                pinned = dict([self.lr_hp()])
            if pinned:
                self.run("lr_top", pinned, " - at the top of the range")
        if "activations" in wants:
            for name, value in self.activation_choices():
                self.run(f"act_{value}", {name: value}, f" - activation {value}")


TRAINING_RULES = {
    "KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106", "KNL201", "KNL202", "KNL203", "KNL204", "KNL206",
    "KNL305", "KNL401", "KNL402", "KNL404",
}  # fmt: skip


def _hp_info(hp: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"name": hp.name, "kind": type(hp).__name__}
    if isinstance(getattr(hp, "max_value", None), int | float):
        info["top"] = hp.max_value
    values = getattr(hp, "values", None) or []
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:
        info["top"] = max(numbers)
    if values and all(isinstance(v, str) and v.lower() in ACTIVATIONS for v in values):
        info["activations"] = list(values)
    return info


def _risky(values: list[str], rules: set[str]) -> list[str]:
    """Activation choices worth pinning: non-probability outputs for the log/mismatch rules, the probability ones
    for KNL201 (probabilities into from_logits=True)."""
    out = []
    if rules & ACTIVATION_RULES:
        out += [v for v in values if v.lower() not in SAFE_OUTPUT]
    if "KNL201" in rules:
        out += [v for v in values if v.lower() in ("sigmoid", "softmax")]
    return out


TOP_RULES = {"KNL401", "KNL402", "KNL404"}
OBJECTIVE_RULES = {"KNL301", "KNL302", "KNL303", "KNL305"}
DIRECT_RULES = {"KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106"}
_MISSING = object()


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        plan = json.load(fh)
    child = Child(plan, argv[1])
    try:
        return child.main()
    except BaseException as exc:  # report, never a bare traceback: the parent turns this into "could not run"
        child.result["fatal"] = short(exc)
        child.result["fatal_traceback"] = traceback.format_exc()[-3000:]
        child.save()
        return 0


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main(sys.argv[1:]))
