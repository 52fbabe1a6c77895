"""Child side: what is measured without training: the arrays passed to search()/fit(), and direct calls of the
flagged loss/metric/layer functions on adversarial inputs."""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

from kerasnanlint.confirm.state import RunState, short


def check_data(state: RunState) -> dict[str, Any]:
    """NaN/Inf counts and scale of x, y and the validation data (the first ``max_batches`` batches of a dataset,
    never a batch of a generator); label classes; the model's input scaling. Strings are skipped with a note."""
    from kerasnanlint.confirm import probes

    state.phase("data", "checking the data passed to search()/fit()")
    args, kw = state.fit_args, state.fit_kwargs
    x = args[0] if args else kw.get("x")
    y = args[1] if len(args) > 1 else kw.get("y")
    skipped: list[dict[str, str]] = []
    arrays = probes.sampled_arrays(x, "", state.max_batches, skipped)
    arrays += [(n, a, None) for n, a in probes.as_arrays(y, "y", skipped)]
    val = kw.get("validation_data")
    if isinstance(val, tuple | list) and len(val) >= 2:
        arrays += [(n, a, None) for n, a in probes.as_arrays(val[0], "validation x", skipped)]
        arrays += [(n, a, None) for n, a in probes.as_arrays(val[1], "validation y", skipped)]
    elif val is not None:
        arrays += probes.sampled_arrays(val, "validation", state.max_batches, skipped)
    data: dict[str, Any] = {"arrays": [probes.array_stats(n, a, how) for n, a, how in arrays]}
    if skipped:
        data["skipped"] = skipped
    ys = [a for n, a, _how in arrays if n.startswith("y")]
    if len(ys) == 1:
        data["classes"] = probes.label_classes(ys[0])
    model = state.current_model()
    if model is not None:
        data["input_scaled"] = probes.input_scaled(model)
        with contextlib.suppress(Exception):
            data["output_shape"] = [d for d in model.outputs[0].shape]
    return data


def call_flagged(state: RunState) -> None:
    """Call every flagged function of a "direct" probe on adversarial inputs: value and gradient per case."""
    targets = [f for f in state.findings if f.get("function") and f["probe"]["kind"] == "direct"]
    if not targets:
        return
    state.phase("direct", f"calling {len(targets)} flagged function(s) on adversarial inputs")
    shape = (8, 1)
    model = state.model or (state.compiled[-1] if state.compiled else None)
    if model is not None:  # predictions shaped like the model's output
        with contextlib.suppress(Exception):
            k = model.outputs[0].shape[-1]
            shape = (8, int(k or 1))
    done: dict[str, dict[str, Any]] = {}
    for f in targets:
        qual = f["function"]
        if qual not in done:
            done[qual] = _call_one(state, qual, shape)
        entry = {**done[qual], "finding": f["id"]}
        state.result["direct"].append(entry)
    state.save()


def _call_one(state: RunState, qual: str, shape: tuple[int, int]) -> dict[str, Any]:
    """The measurements of one function, class method (a Loss/Metric/Layer's) by its qualified name."""
    import keras
    from keras.src.utils.naming import to_snake_case

    from kerasnanlint.confirm import probes

    entry: dict[str, Any] = {"function": qual}
    try:
        obj: Any = state.globals[qual.split(".")[0]]
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
        else:
            raise TypeError(f"{qual} cannot be called on its own")
    except KeyError:
        entry["error"] = f"{qual} was not defined when search()/fit() was reached"
    except Exception as exc:
        entry["error"] = short(exc)
    return entry
