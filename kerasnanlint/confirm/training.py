"""Child side: the short controlled searches/fits, on the captured (or synthetic) data, watched for non-finite values.

Each run is recorded in ``result["runs"]``: its name, pinned hyperparameters, trials (status, score, error, the
first non-finite values of each fit) and the warnings it printed.
"""

from __future__ import annotations

import inspect
import os
import re
import time
from typing import Any

from kerasnanlint.confirm import backends
from kerasnanlint.confirm.names import LR_NAME, WRITING_CALLBACKS, hp_info, risky
from kerasnanlint.confirm.state import RunState, short


class Trainer:
    """Runs short searches/fits for the run's state."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    # -- the planned runs ---------------------------------------------------------------------------------------
    def planned_runs(self, dirty: bool) -> None:
        """The runs the plan asks for: as written, with the pinned hyperparameters at their top, with each risky
        activation choice (and a baseline whenever the real data holds NaN/Inf: ``dirty``)."""
        state = self.state
        wants = set(state.plan.get("runs", []))
        if "baseline" in wants or (dirty and not state.synthetic):
            self.run("baseline", why=" - the data holds NaN/Inf" if dirty else "")
        if "lr_top" in wants:
            tuner = state.last_tuner()
            names = {h.name for h in tuner.oracle.hyperparameters.space} if tuner is not None else set()
            pinned = {k: v for k, v in top_targets(state).items() if k in names}
            lr = self.lr_hp()
            if not pinned and lr:
                pinned = dict([lr])
            if pinned:
                self.run("lr_top", pinned, " - at the top of the range")
        if "activations" in wants:
            for name, value in self.activation_choices():
                self.run(f"act_{value}", {name: value}, f" - activation {value}")

    def lr_hp(self) -> tuple[str, float] | None:
        """A learning-rate hyperparameter of the tuner's space (by name) and the top of its range."""
        tuner = self.state.last_tuner()
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
        """(hp name, value) of the risky activation choices in the tuner's space, at most three."""
        tuner = self.state.last_tuner()
        if tuner is None:
            return []
        pins = pins_of(self.state.findings)
        out = []
        for hp in tuner.oracle.hyperparameters.space:
            values = hp_info(hp).get("activations", [])
            out += [(hp.name, v) for v in risky(values, pins)]
        return out[:3]

    # -- one run ------------------------------------------------------------------------------------------------
    def run(
        self,
        name: str,
        fixed: dict[str, Any] | None = None,
        why: str = "",
        model: Any = None,
        builder: str = "",
        span: list[int] | None = None,
    ) -> None:
        """One short search (a tuner) or fit (``model``, else the script's), recorded as run ``name``."""
        state = self.state
        fixed = fixed or {}
        tuner_like = model is None and state.tuner_like()
        warned = len(state.warn_log)
        if state.time_left() < 8:
            state.result["runs"].append({"name": name, "fixed": fixed, "skipped": "time budget spent"})
            state.save()
            return
        import keras

        backends.seed_and_fix(keras.backend.backend(), state.seed)  # each run starts from the seed
        label = ", ".join(f"{k}={v}" for k, v in fixed.items()) or "as written"
        state.phase(f"run:{name}", f"short {'search' if tuner_like else 'fit'} ({label}){why}")
        store: list[dict[str, Any]] = []
        run: dict[str, Any] = {"name": name, "fixed": fixed, "synthetic": state.synthetic, "trials": []}
        if state.call_index is not None:
            run["call"] = state.call_index
        if builder:
            run["builder"] = builder
        if span:
            run["span"] = span
        started = time.time()
        args, kw = self.prepared(store, int(state.plan["epochs"]))
        run["epochs"] = kw["epochs"]
        try:
            if tuner_like:
                self.search(run, name, fixed, args, kw, store)
            else:
                self.fit(run, model, args, kw, store)
        except Exception as exc:
            run["error"] = short(exc)
            run["error_lines"] = state.user_lines(exc)
        run["seconds"] = round(time.time() - started, 2)
        run["warnings"] = state.warn_log[warned:][:20]
        state.result["runs"].append(run)
        state.save()

    def search(
        self, run: dict[str, Any], name: str, fixed: dict[str, Any], args: tuple[Any, ...], kw: dict[str, Any],
        store: list[dict[str, Any]],
    ) -> None:  # fmt: skip
        """A short search with a fresh tuner built like the script's; each trial's outcome goes into ``run``."""
        from kerasnanlint.confirm.probes import nan_safe_float

        tuner = self.make_tuner(name, fixed)
        obj = tuner.oracle.objective
        run["objective"] = {"name": getattr(obj, "name", str(obj)), "direction": getattr(obj, "direction", None)}
        orig_begin = tuner.on_trial_begin

        def on_trial_begin(trial: Any, _orig: Any = orig_begin) -> Any:
            self.state.current_trial = trial.trial_id
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

    def fit(
        self, run: dict[str, Any], model: Any, args: tuple[Any, ...], kw: dict[str, Any], store: list[dict[str, Any]]
    ) -> None:
        """A short fit of ``model`` (else the captured or current model)."""
        model = model or self.state.model or self.state.current_model()
        try:
            model.fit(*args, **kw)
            status = "COMPLETED"
        except Exception as exc:
            status, run["error"] = "ERROR", short(exc)
        run["trials"].append({"id": "fit", "status": status, "fits": store})

    # -- what a run trains with ---------------------------------------------------------------------------------
    def prepared(self, store: list[dict[str, Any]], epochs: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The captured fit arguments, cut to a few batches and epochs, with the watch callback added."""
        from kerasnanlint.confirm.probes import Watch

        state = self.state
        kw = dict(state.fit_kwargs)
        limit = state.max_batches * int(kw.get("batch_size") or 32)
        args = tuple(self.cut(a, limit) for a in state.fit_args[:2]) + tuple(state.fit_args[2:])
        for key in ("x", "y"):
            if key in kw:
                kw[key] = self.cut(kw[key], limit)
        if isinstance(kw.get("validation_data"), tuple | list):
            kw["validation_data"] = tuple(self.cut(v, limit) for v in kw["validation_data"])
        elif kw.get("validation_data") is not None:
            kw["validation_data"] = self.cut(kw["validation_data"], limit)
        kw["epochs"] = max(1, min(int(kw.get("epochs") or 1), epochs))
        if kw.get("steps_per_epoch"):
            kw["steps_per_epoch"] = min(int(kw["steps_per_epoch"]), state.max_batches)
        else:  # a PyDataset or a generator is cut by steps, as cut() cuts arrays and datasets
            kw.update(self.steps(args[0] if args else kw.get("x")))
        kw["verbose"] = 0
        user = [c for c in (kw.get("callbacks") or []) if type(c).__name__ not in WRITING_CALLBACKS]
        kw["callbacks"] = [*user, Watch(store, lambda: state.current_trial)]
        return args, kw

    def steps(self, x: Any) -> dict[str, int]:
        """``steps_per_epoch`` for a PyDataset/Sequence or a generator: at most ``max_batches``."""
        import keras

        from kerasnanlint.confirm.probes import one_shot

        if isinstance(x, keras.utils.PyDataset) and x.num_batches is not None:
            return {"steps_per_epoch": min(int(x.num_batches), self.state.max_batches)}
        return {"steps_per_epoch": self.state.max_batches} if one_shot(x) else {}

    def cut(self, v: Any, limit: int) -> Any:
        """``v`` cut to ``limit`` samples (max_batches batches of a dataset)."""
        import tensorflow as tf

        if isinstance(v, tf.data.Dataset):
            return v.take(self.state.max_batches)
        if isinstance(v, dict):
            return {k: self.cut(i, limit) for k, i in v.items()}
        if isinstance(v, list | tuple) and v and hasattr(v[0], "shape"):
            return type(v)(self.cut(i, limit) for i in v)
        if hasattr(v, "iloc"):
            return v.iloc[:limit]
        shape = getattr(v, "shape", None)
        if shape is not None and len(shape) and shape[0] is not None and shape[0] > limit:
            return v[:limit]
        return v

    def make_tuner(self, name: str, fixed: dict[str, Any]) -> Any:
        """A tuner of the script's class with the script's arguments, in the work directory, with few trials and
        ``fixed`` hyperparameters."""
        state = self.state
        tuner = state.last_tuner()
        calls = [c for c in state.tuner_calls if c[0] is type(tuner)]
        cls, args, kwargs, _line = getattr(tuner, "_knl_call", None) or calls[-1]
        named, params, takes_any = _bound_arguments(cls, args, kwargs)

        def put(key: str, value: Any) -> None:
            if key in params or takes_any:
                named[key] = value

        put("directory", os.path.join(state.workdir, "probes"))
        put("project_name", f"probe_{name}")
        put("overwrite", True)
        if "max_trials" in params or "max_trials" in named:
            named["max_trials"] = int(state.plan["trials"])
        if "max_epochs" in params:
            named["max_epochs"] = max(3, int(state.plan["epochs"]))  # fewer gives Hyperband no trial at all
        self.retry_objective(named)
        if fixed:
            kt = state.kt
            hp = kt.HyperParameters()
            if isinstance(named.get("hyperparameters"), kt.HyperParameters):
                hp = named["hyperparameters"].copy()
            for key, value in fixed.items():
                hp.Fixed(key, value)
            named["hyperparameters"] = hp
            put("tune_new_entries", True)
        return cls(**named)

    def retry_objective(self, named: dict[str, Any]) -> None:
        """An objective KerasTuner could not infer a direction for: give it the direction the script ran with."""
        objective_arg = named.get("objective")  # kt.Objective.__eq__ breaks on a str, so compare strings only
        errors = self.state.result.get("construction_errors", []) if isinstance(objective_arg, str) else []
        err = next((e for e in errors if e["objective"] == objective_arg), None)
        if err:
            guess = "min" if re.search(r"loss|error|mse|mae", err["objective"]) else "max"
            named["objective"] = self.state.kt.Objective(err["objective"], guess)


def _bound_arguments(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[dict[str, Any], Any, bool]:
    """The constructor call's arguments by name, the constructor's parameters, whether it takes ``**kwargs``."""
    sig = inspect.signature(cls.__init__)  # type: ignore[misc]
    bound = sig.bind_partial(None, *args, **kwargs).arguments
    params = sig.parameters
    named: dict[str, Any] = {}
    for key, value in list(bound.items())[1:]:
        if params[key].kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)
        elif params[key].kind is not inspect.Parameter.VAR_POSITIONAL:
            named[key] = value
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return named, params, takes_any


def pins_of(findings: list[dict[str, Any]]) -> set[str]:
    """The activation pins the findings' probes ask for."""
    return {pin for f in findings for pin in f["probe"]["pin_activations"]}


def top_targets(state: RunState) -> dict[str, Any]:
    """Hps to pin at their top: those declared on the lines of a finding whose probe pins the top (a learning rate,
    a dropout rate), else learning rates found by name."""
    lines = state.finding_lines([f for f in state.findings if f["probe"]["pin_top"]])
    out: dict[str, Any] = {}
    for d in state.result.get("hp_declarations", []):
        if d.get("top") is not None and (d["line"] in lines or LR_NAME.search(d["name"])):
            out.setdefault(d["name"], d["top"])
    return out
