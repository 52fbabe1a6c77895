"""Child-side measuring tools: the non-finite watch callback, data checks, direct calls of loss/metric functions.

Imported only inside the child process (it imports TensorFlow and Keras).
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

SCALING_LAYERS = {
    "Rescaling",
    "Normalization",
    "BatchNormalization",
    "LayerNormalization",
    "UnitNormalization",
    "GroupNormalization",
    "Lambda",  # may divide by 255; we cannot tell, so we assume it scales
}
MAX_POINTS = 2000  # batches kept per curve


def _finite(value: Any) -> bool | None:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return bool(np.all(np.isfinite(arr)))


def _show(value: Any) -> str:
    try:
        arr = np.asarray(value, dtype=np.float64)
        if arr.size == 1:
            return repr(float(arr.reshape(())))
        bad = arr[~np.isfinite(arr)]
        return repr(float(bad.flat[0])) if bad.size else f"array{arr.shape}"
    except (TypeError, ValueError):
        return "?"


class Watch(keras.callbacks.Callback):
    """Records, per fit, the first non-finite loss/metric (per batch and per epoch) and weight.

    KerasTuner deep-copies callbacks for every trial, so copies share ``store`` (one record per fit)."""

    def __init__(self, store: list[dict[str, Any]], tag: Any = None) -> None:
        super().__init__()
        self.store = store
        self.tag = tag  # returns the id of the trial being trained (KerasTuner), or None
        self.weight_every = 1
        self.rec: dict[str, Any] | None = None
        self.epoch = 0

    def __deepcopy__(self, memo: dict) -> Watch:
        return Watch(self.store, self.tag)

    def on_train_begin(self, logs=None) -> None:
        # curves: each logged value per batch (non-finite ones as strings), the data of the report's plots
        self.rec = {"events": [], "epochs": [], "history_keys": [], "batches": 0, "curves": {}, "epoch_ends": []}
        if self.tag is not None:
            self.rec["trial"] = self.tag()
        self.store.append(self.rec)
        try:
            n = sum(int(np.prod(w.shape)) for w in self.model.weights)
        except Exception:
            n = 0
        self.weight_every = 1 if n < 2_000_000 else 10

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.epoch = epoch + 1

    def _event(self, kind: str, name: str, value: Any, batch: int | None) -> None:
        assert self.rec is not None
        if any(e["name"] == name for e in self.rec["events"]):
            return
        self.rec["events"].append({"kind": kind, "name": name, "epoch": self.epoch, "batch": batch, "value": value})

    def on_train_batch_end(self, batch, logs=None) -> None:
        assert self.rec is not None
        self.rec["batches"] += 1
        for key, value in (logs or {}).items():
            curve = self.rec["curves"].setdefault(key, [])
            if len(curve) < MAX_POINTS:
                curve.append(nan_safe_float(value))
            if _finite(value) is False:
                self._event("loss" if key.endswith("loss") else "metric", key, _show(value), batch)
        if batch % self.weight_every == 0 and not any(e["kind"] == "weight" for e in self.rec["events"]):
            for w in self.model.weights:
                arr = np.asarray(w)
                if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                    self._event("weight", w.path if hasattr(w, "path") else w.name, _show(arr), batch)
                    break

    def on_epoch_end(self, epoch, logs=None) -> None:
        assert self.rec is not None
        logs = logs or {}
        self.rec["history_keys"] = sorted(logs)
        self.rec["epoch_ends"].append(self.rec["batches"])
        row = {}
        for key, value in logs.items():
            ok = _finite(value)
            row[key] = _show(value) if ok is not None else "?"
            if ok is False:
                self._event("loss" if key.endswith("loss") else "metric", key, _show(value), None)
        self.rec["epochs"].append(row)


# ---------------------------------------------------------------------------------------------------------------
# Data


def as_arrays(value: Any, label: str, skipped: list[dict[str, str]] | None = None) -> list[tuple[str, np.ndarray]]:
    """Numeric arrays inside an x/y argument (array, list, DataFrame, dict or list of arrays); what holds strings
    or other non-numbers goes into ``skipped`` with the reason."""
    if value is None:
        return []
    if hasattr(value, "to_numpy"):  # pandas
        try:
            value = value.to_numpy()
        except Exception:
            return []
    if isinstance(value, dict):
        return [a for k, v in value.items() for a in as_arrays(v, f"{label}[{k!r}]", skipped)]
    if isinstance(value, list | tuple) and value and not np.isscalar(value[0]) and hasattr(value[0], "shape"):
        return [a for i, v in enumerate(value) for a in as_arrays(v, f"{label}[{i}]", skipped)]
    if isinstance(value, tf.data.Dataset) or (not hasattr(value, "__len__") and not hasattr(value, "shape")):
        return []
    try:
        arr = np.asarray(value)
    except Exception:
        return []
    if arr.dtype.kind not in "biuf":
        strings = arr.dtype.kind in "SU" or (arr.size and isinstance(arr.flat[0], str | bytes))
        if skipped is not None:
            skipped.append({"name": label, "why": "holds strings" if strings else f"holds {arr.dtype} values"})
        return []
    return [(label, arr)]


def one_shot(value: Any) -> bool:
    """A generator or iterator: reading a batch would take it from the training run."""
    if isinstance(value, tf.data.Dataset | keras.utils.PyDataset):
        return False
    return inspect.isgenerator(value) or (hasattr(value, "__next__") and iter(value) is value)


def first_batches(value: Any, n: int) -> tuple[list[Any], str] | None:
    """The first ``n`` batches of a tf.data.Dataset or a PyDataset/Sequence (neither consumed: a Dataset is read
    afresh, a PyDataset indexed) and what they are; None for anything else."""
    if isinstance(value, tf.data.Dataset):
        return list(value.take(n).as_numpy_iterator()), f"first {n} batches of the tf.data.Dataset"
    if isinstance(value, keras.utils.PyDataset):
        total = value.num_batches
        count = n if total is None else min(n, int(total))
        return [value[i] for i in range(count)], f"first {count} batches of the {type(value).__name__}"
    return None


def sampled_arrays(
    value: Any, label: str, n: int, skipped: list[dict[str, str]]
) -> list[tuple[str, np.ndarray, str | None]]:
    """(name, array, how it was sampled) of an x argument or validation_data: arrays as they are, the first ``n``
    batches of a dataset (x, y and sample weights joined batch after batch); a generator is noted, never read."""
    prefix = f"{label} " if label else ""
    if one_shot(value):
        skipped.append({"name": f"{prefix}x".strip(), "why": "one-shot generator"})
        return []
    read = first_batches(value, n)
    if read is None:
        return [(name, arr, None) for name, arr in as_arrays(value, f"{prefix}x", skipped)]
    batches, how = read
    parts: dict[str, list[np.ndarray]] = {}
    notes: list[dict[str, str]] = []
    for batch in batches:
        pieces = batch if isinstance(batch, tuple) else (batch,)
        for name, piece in zip(("x", "y", "sample_weight"), pieces, strict=False):
            for key, arr in as_arrays(piece, prefix + name, notes):
                parts.setdefault(key, []).append(arr)
    skipped += [dict(t) for t in {tuple(sorted(d.items())) for d in notes}]
    return [(name, _joined(arrays), how) for name, arrays in parts.items()]


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """Batches joined along the batch axis (flattened when their shapes differ beyond it)."""
    if all(a.ndim and a.shape[1:] == arrays[0].shape[1:] for a in arrays):
        return np.concatenate(arrays)
    return np.concatenate([a.ravel() for a in arrays])


def array_stats(name: str, arr: np.ndarray, sample: str | None = None) -> dict[str, Any]:
    """Shape, size, dtype, NaN and Inf counts and the largest finite |value| of one array (``sample``: which
    batches of a dataset it joins)."""
    stats: dict[str, Any] = {"name": name, "shape": list(arr.shape), "size": int(arr.size), "dtype": str(arr.dtype)}
    if sample:
        stats["sample"] = sample
    if arr.dtype.kind == "f":
        stats["nan"] = int(np.isnan(arr).sum())
        stats["inf"] = int(np.isinf(arr).sum())
        finite = arr[np.isfinite(arr)]
    else:
        stats["nan"] = stats["inf"] = 0
        finite = arr
    stats["absmax"] = float(np.max(np.abs(finite))) if finite.size else None
    return stats


def label_classes(y: np.ndarray) -> list[float] | None:
    """Distinct classes in labels (one-hot rows -> argmax); None for continuous targets."""
    if y.size == 0 or y.size > 50_000_000:
        return None
    flat = y
    if y.ndim == 2 and y.shape[1] > 1 and np.isin(y, (0, 1)).all() and np.all(y.sum(axis=1) == 1):
        flat = y.argmax(axis=1)
    values = np.unique(flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat)
    if len(values) > 1000 or (flat.dtype.kind == "f" and not np.all(values == np.round(values))):
        return None
    return [float(v) for v in values[:20]]


def input_scaled(model: Any) -> bool:
    """True when a scaling layer (or a layer we cannot read) comes before the first layer with weights."""
    for layer in getattr(model, "layers", []):
        name = type(layer).__name__
        if name == "InputLayer":
            continue
        if name in SCALING_LAYERS or not type(layer).__module__.startswith("keras"):
            return True
        if getattr(layer, "layers", None):  # nested model
            return input_scaled(layer)
        if layer.weights:
            return False
    return False


# ---------------------------------------------------------------------------------------------------------------
# Direct calls of loss / metric functions


def _cases(shape: tuple[int, ...]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    n = shape[0]
    half = np.zeros(shape, np.float32)
    half[: n // 2] = 1.0
    if len(shape) > 1 and shape[-1] > 1:  # one-hot targets
        half = np.zeros(shape, np.float32)
        half[np.arange(n), np.arange(n) % shape[-1]] = 1.0
    full = np.full
    return [
        ("y_pred all 0", half, np.zeros(shape, np.float32)),
        ("y_pred all 1", half, np.ones(shape, np.float32)),
        ("y_pred all 0.3 (no predicted positive)", half, full(shape, 0.3, np.float32)),
        ("y_true without positives", np.zeros(shape, np.float32), full(shape, 0.3, np.float32)),
        ("y_pred == y_true (zero error)", half, half.copy()),
        ("y_pred negative (relu/linear output)", half, full(shape, -0.5, np.float32)),
        ("y_pred all -1", half, full(shape, -1.0, np.float32)),
        ("y_pred 100 (large logits)", half, full(shape, 100.0, np.float32)),
        ("y_pred -100", half, full(shape, -100.0, np.float32)),
    ]


def _call(fn: Any, y_true: tf.Tensor, y_pred: tf.Variable) -> Any:
    if isinstance(fn, keras.metrics.Metric):
        fn.reset_state()
        fn.update_state(y_true, y_pred)
        return fn.result()
    return fn(y_true, y_pred)


def _forward_and_gradient(label: str, x: tf.Variable, compute: Any) -> dict[str, Any]:
    """One adversarial case: ``compute()``'s value and its gradient with respect to ``x``."""
    row: dict[str, Any] = {"case": label}
    try:
        with tf.GradientTape() as tape:
            value = compute()
            total = tf.reduce_sum(tf.cast(value, tf.float32))
        grad = tape.gradient(total, x)
    except Exception as exc:
        row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        return row
    row["forward"] = _show(value) if not _finite(value) else "finite"
    row["gradient"] = "none" if grad is None else ("finite" if _finite(grad) else _show(grad))
    return row


def probe_function(fn: Any, shape: tuple[int, ...]) -> list[dict[str, Any]]:
    """Call ``fn(y_true, y_pred)`` on adversarial inputs; forward value and gradient w.r.t. y_pred."""
    out = []
    for label, yt, yp in _cases(shape):
        y_true, y_pred = tf.constant(yt), tf.Variable(yp)
        out.append(_forward_and_gradient(label, y_pred, lambda t=y_true, p=y_pred: _call(fn, t, p)))
    return out


def probe_unary(fn: Any) -> list[dict[str, Any]]:
    """A layer's call / a one-argument function: large and zero inputs (exp overflow, log/div at 0)."""

    def apply(x: tf.Variable) -> Any:
        try:
            return fn(x)
        except (ValueError, TypeError):
            return fn((x, x))  # a layer taking a pair, like a VAE's Sampling((z_mean, z_log_var))

    out = []
    for label, val in (("inputs 0", 0.0), ("inputs 1000", 1000.0), ("inputs -1000", -1000.0)):
        x = tf.Variable(np.full((4, 8), val, np.float32))
        out.append(_forward_and_gradient(label, x, lambda x=x: apply(x)))
    return out


def nan_safe_float(value: Any) -> float | str | None:
    """JSON-friendly score: floats stay, NaN/Inf become strings."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else repr(f)
