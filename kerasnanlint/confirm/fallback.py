"""Child side: what to train when the script never reaches search()/fit() itself.

Model builders holding a finding are built and fitted on synthetic data; constructed tuners holding an objective
finding get their own short search. Synthetic data is shaped from the model's inputs and outputs.
"""

from __future__ import annotations

import inspect
from typing import Any

from kerasnanlint.confirm.intercept import record_declarations
from kerasnanlint.confirm.names import hp_info, risky
from kerasnanlint.confirm.state import RunState, short
from kerasnanlint.confirm.training import Trainer, pins_of, top_targets

FitData = tuple[tuple[Any, ...], dict[str, Any]]  # (fit args, fit kwargs)


def synthesize(state: RunState, model: Any) -> bool:
    """Data shaped from the model when the script never reached search()/fit() with its own."""
    data = synthetic_data(model)
    if data is None:
        return False
    state.fit_args, state.fit_kwargs = data
    state.synthetic = True
    y = data[0][1]
    state.result["synthetic"] = {"x": list(data[0][0].shape), "y": list((y[0] if isinstance(y, list) else y).shape)}
    return True


def synthetic_data(model: Any) -> FitData | None:
    """Standardized features and labels matching each output's loss, for a single-input model."""
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
        ys.append(_synthetic_y(rng, n, out_shape, str(getattr(loss, "__name__", loss) or "").lower()))
    y = ys[0] if len(ys) == 1 else ys
    return (x, y), {"epochs": 1, "validation_split": 0.25}


def _synthetic_y(rng: Any, n: int, out_shape: tuple[Any, ...], loss: str) -> Any:
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


def tuner_runs(state: RunState, trainer: Trainer) -> list[list[int]]:
    """Scripts that construct tuners but never search: one short search per tuner that holds an objective finding,
    on synthetic data shaped from its hypermodel. Returns the statement spans covered."""
    covered: list[list[int]] = []
    wanted = [f for f in state.findings if f["probe"]["objective"] and f.get("span")]
    for tuner in list(state.tuners):
        call = getattr(tuner, "_knl_call", None)
        line = call[3] if call else None
        span = next((f["span"] for f in wanted if line and f["span"][0] <= line <= f["span"][1]), None)
        if span is None or span in covered:
            continue
        covered.append(span)
        try:
            model = tuner.hypermodel.build(tuner.oracle.get_space())
        except Exception as exc:
            state.result.setdefault("tuner_errors", {})[str(span[0])] = short(exc)
            continue
        data = synthetic_data(model)
        if data is None:
            continue
        with state.training_on(*data, tuner=tuner):
            trainer.run(f"tuner@{span[0]}", {}, f" - the tuner at line {span[0]} on synthetic data", span=span)
    return covered


class BuilderRuns:
    """Scripts that only define model builders: build each builder holding a finding, fit it on synthetic data
    (and again with its learning rate at the top / each risky activation), so every example gets measured."""

    def __init__(self, state: RunState, trainer: Trainer) -> None:
        self.state = state
        self.trainer = trainer

    def run_all(self) -> None:
        """Every builder holding a finding whose probe judges by training."""
        names: list[str] = []
        for f in self.state.findings:
            if f.get("builder") and f["probe"]["training"] and f["builder"] not in names:
                names.append(f["builder"])
        for name in names:
            fn = self.state.globals.get(name)
            if callable(fn) and not inspect.isclass(fn):
                self.run_builder(name, fn)

    def run_builder(self, name: str, fn: Any) -> None:
        """A builder as written, then with its top-pinned hyperparameters and each risky activation choice."""
        state = self.state
        try:
            required = [
                p
                for p in inspect.signature(fn).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            return
        if len(required) > 1:
            return
        if required and state.kt is None:
            import keras_tuner  # a builder taking `hp` in a script without KerasTuner
            from keras_tuner.src.engine import hyperparameters

            state.kt = keras_tuner
            record_declarations(state, hyperparameters.HyperParameters)
        findings = [f for f in state.findings if f.get("builder") == name]
        self.build_and_fit(name, fn, bool(required), {}, "baseline")
        space = state.result.get("builders", {}).get(name, {}).get("space", [])
        if any(f["probe"]["pin_top"] for f in findings):
            names = {h["name"] for h in space}
            pinned = {k: v for k, v in top_targets(state).items() if k in names}
            if pinned:
                self.build_and_fit(name, fn, True, pinned, "lr_top")
        for h in space:
            for value in risky(h.get("activations", []), pins_of(findings))[:3]:
                self.build_and_fit(name, fn, True, {h["name"]: value}, f"act_{value}")

    def build_and_fit(self, name: str, fn: Any, takes_hp: bool, fixed: dict[str, Any], probe: str) -> None:
        """Build the model (with ``fixed`` hyperparameters), then one short fit on synthetic data."""
        state = self.state
        info = state.result.setdefault("builders", {}).setdefault(name, {})
        warned = len(state.warn_log)
        built, model = self.build(fn, takes_hp, fixed, info)
        if not built:
            info["warnings"] = state.warn_log[warned:][:20]
            return
        info.setdefault("warnings", state.warn_log[warned:][:20])
        import keras

        if not isinstance(model, keras.Model):
            info["error"] = f"{name}() returned {type(model).__name__}, not a keras.Model"
            return
        if getattr(model, "optimizer", None) is None:
            info["error"] = f"the model from {name}() is not compiled, so it cannot be fitted"
            forward_only(state, model, info, warned)
            return
        data = synthetic_data(model)
        if data is None:
            info["error"] = f"cannot shape synthetic data for the model from {name}()"
            return
        with state.training_on(*data):
            self.trainer.run(f"{name}:{probe}", fixed, f" - {name}() on synthetic data", model=model, builder=name)

    def build(self, fn: Any, takes_hp: bool, fixed: dict[str, Any], info: dict[str, Any]) -> tuple[bool, Any]:
        """(True, what the builder returned), or (False, None) with ``info["error"]`` when building raised."""
        import keras

        try:
            keras.backend.clear_session()
            if not takes_hp:
                return True, fn()
            hp = self.state.kt.HyperParameters()
            model = fn(hp)
            if fixed:  # registered by the first build; now pin the values and build again
                hp.values.update(fixed)
                keras.backend.clear_session()
                model = fn(hp)
            info.setdefault("space", [hp_info(h) for h in hp.space])
            return True, model
        except Exception as exc:
            info["error"] = short(exc)
            return False, None


def forward_only(state: RunState, model: Any, info: dict[str, Any], warned: int) -> None:
    """An uncompiled model still runs forward: Keras's own warnings (softmax over one unit) show there."""
    import numpy as np

    try:
        shape = tuple(model.inputs[0].shape)
        x = np.random.default_rng(0).standard_normal((8, *[d or 1 for d in shape[1:]])).astype("float32")
        out = np.asarray(model(x))
    except Exception:
        return
    info["warnings"] = [*info.get("warnings", []), *state.warn_log[warned:][:20]]
    if out.size and np.all(out == 1.0):
        info["constant_output"] = 1.0
