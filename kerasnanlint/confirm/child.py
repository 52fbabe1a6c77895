"""The child process of runtime-confirm: ``python -m kerasnanlint.confirm.child PLAN.json RESULT.json``.

Runs the user's script with ``BaseTuner.search`` and ``keras.Model.fit`` intercepted (the script stops there),
then measures: data checks, direct calls of flagged loss/metric functions, short controlled searches/fits in the
temporary working directory. Facts only; kerasnanlint.confirm.report turns them into verdicts. The result file is
rewritten after every step, so a parent that kills us on timeout still reads what was measured.
"""

from __future__ import annotations

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

from kerasnanlint.confirm.fallback import Fallbacks
from kerasnanlint.confirm.intercept import Interceptor, progress, short
from kerasnanlint.confirm.rulesets import (
    DIRECT_RULES,
    LR_NAME,
    WRITING_CALLBACKS,
    hp_info,
    risky,
)


class Child(Interceptor, Fallbacks):
    """One run of one script: state shared by the interception, probe and fallback steps."""

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
            values = hp_info(hp).get("activations", [])
            out += [(hp.name, v) for v in risky(values, self.rules)]
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
