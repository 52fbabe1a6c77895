"""Rule groups and names shared by the confirm child modules (no TensorFlow here)."""

from __future__ import annotations

import re
from typing import Any

LR_NAME = re.compile(r"(^|_)(lr|learning_?rate)($|_)|learning", re.IGNORECASE)
ACTIVATIONS = {
    "relu", "linear", "sigmoid", "softmax", "tanh", "elu", "selu", "gelu", "swish", "silu", "softplus",
    "softsign", "exponential", "leaky_relu", "relu6", "hard_sigmoid", "mish", "log_softmax",
}  # fmt: skip
SAFE_OUTPUT = {"sigmoid", "softmax", "tanh", "hard_sigmoid"}
WRITING_CALLBACKS = {"TensorBoard", "ModelCheckpoint", "CSVLogger", "BackupAndRestore"}
ACTIVATION_RULES = {"KNL102", "KNL106", "KNL202", "KNL204"}


TRAINING_RULES = {
    "KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106", "KNL201", "KNL202", "KNL203", "KNL204", "KNL206",
    "KNL305", "KNL401", "KNL402", "KNL404",
}  # fmt: skip


def hp_info(hp: Any) -> dict[str, Any]:
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


def risky(values: list[str], rules: set[str]) -> list[str]:
    """Activation choices worth pinning: non-probability outputs for the log/mismatch rules, the probability ones
    for KNL201 (probabilities into from_logits=True)."""
    out = []
    if rules & ACTIVATION_RULES:
        out += [v for v in values if v.lower() not in SAFE_OUTPUT]
    if "KNL201" in rules:
        out += [v for v in values if v.lower() in ("sigmoid", "softmax")]
    if "KNL203" in rules:  # softmax over one unit
        out += [v for v in values if v.lower() == "softmax" and v not in out]
    return out


TOP_RULES = {"KNL401", "KNL402", "KNL404"}
OBJECTIVE_RULES = {"KNL301", "KNL302", "KNL303", "KNL305"}
DIRECT_RULES = {"KNL101", "KNL102", "KNL103", "KNL104", "KNL105", "KNL106"}
