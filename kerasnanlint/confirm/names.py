"""Names the confirm child recognises in the user's code (no TensorFlow here): learning-rate hyperparameters,
activation choices, callbacks that write files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

LR_NAME = re.compile(r"(^|_)(lr|learning_?rate)($|_)|learning", re.IGNORECASE)
ACTIVATIONS = {
    "relu", "linear", "sigmoid", "softmax", "tanh", "elu", "selu", "gelu", "swish", "silu", "softplus",
    "softsign", "exponential", "leaky_relu", "relu6", "hard_sigmoid", "mish", "log_softmax",
}  # fmt: skip
SAFE_OUTPUT = {"sigmoid", "softmax", "tanh", "hard_sigmoid"}
WRITING_CALLBACKS = {"TensorBoard", "ModelCheckpoint", "CSVLogger", "BackupAndRestore"}
# The activation pins a probe may ask for (Probe.pin_activations); risky() tries their choices in this order.
PINS = ("non-probability", "probability", "softmax")


def hp_info(hp: Any) -> dict[str, Any]:
    """A KerasTuner hyperparameter as JSON: name, kind, the top of its range, its activation choices."""
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


def risky(values: list[str], pins: Iterable[str]) -> list[str]:
    """Activation choices worth pinning for the findings' probes: "non-probability" outputs (a log or a mismatch
    needs probabilities), "probability" ones (probabilities into from_logits=True), "softmax" (over one unit)."""
    wanted = set(pins)
    out: list[str] = []
    if "non-probability" in wanted:
        out += [v for v in values if v.lower() not in SAFE_OUTPUT]
    if "probability" in wanted:
        out += [v for v in values if v.lower() in ("sigmoid", "softmax")]
    if "softmax" in wanted:
        out += [v for v in values if v.lower() == "softmax" and v not in out]
    return out
