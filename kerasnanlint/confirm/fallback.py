"""Child side: what to train when the script never reaches search()/fit() itself.

Model builders holding a finding are built and fitted on synthetic data; constructed tuners holding an objective
finding get their own short search. A mixin of kerasnanlint.confirm.child.Child.
"""

from __future__ import annotations

import inspect
from typing import Any

from kerasnanlint.confirm.intercept import short
from kerasnanlint.confirm.rulesets import OBJECTIVE_RULES, TOP_RULES, TRAINING_RULES, hp_info, risky


class Fallbacks:
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
                for value in risky(h.get("activations", []), rules)[:3]:
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
                info.setdefault("space", [hp_info(h) for h in hp.space])
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
            self.forward_only(model, info, warned)
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

    def forward_only(self, model: Any, info: dict[str, Any], warned: int) -> None:
        """An uncompiled model still runs forward: Keras's own warnings (softmax over one unit) show there."""
        import numpy as np

        try:
            shape = tuple(model.inputs[0].shape)
            x = np.random.default_rng(0).standard_normal((8, *[d or 1 for d in shape[1:]])).astype("float32")
            out = np.asarray(model(x))
        except Exception:
            return
        info["warnings"] = [*info.get("warnings", []), *self.warn_log[warned:][:20]]
        if out.size and np.all(out == 1.0):
            info["constant_output"] = 1.0
