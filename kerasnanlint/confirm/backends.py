"""The Keras backend a script runs on, and its device (no framework imported at module level).

The parent reads which backend the script selects from its text (``os.environ["KERAS_BACKEND"] = "jax"`` before
``import keras``), else keeps the user's ``KERAS_BACKEND``, else Keras reads ``~/.keras/keras.json``. The child
imports Keras under that backend, seeds it and names the device.
"""

from __future__ import annotations

import re
from typing import Any

# The backend's module, its name in evidence, the extra that installs it.
BACKENDS = {
    "tensorflow": ("tensorflow", "TensorFlow", "runtime"),
    "jax": ("jax", "JAX", "jax"),
    "torch": ("torch", "PyTorch", "torch"),
}
SELECTS = re.compile(r"""KERAS_BACKEND["']\s*(?:\]\s*=|,)\s*["'](\w+)["']""")


def selected(source: str) -> str | None:
    """The backend the script's own text selects through KERAS_BACKEND, or None."""
    found = SELECTS.search(source)
    return found.group(1) if found else None


def not_installed(exc: ImportError) -> str | None:
    """The "could not run" reason when importing Keras failed because its backend is missing, else None."""
    for name, (module, shown, extra) in BACKENDS.items():
        if exc.name == module:
            return (
                f"the script runs on the {shown} backend (KERAS_BACKEND={name}), which is not installed; "
                f'install it with: pip install "kerasnanlint[{extra}]"'
            )
    return None


def seed_and_fix(backend: str, seed: int) -> None:
    """Seed Python, NumPy and the backend; switch on the backend's deterministic kernels where it has a switch
    (JAX on CPU is deterministic as it is)."""
    import keras

    keras.utils.set_random_seed(seed)
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True, warn_only=True)


def device(backend: str, requested: str) -> str | None:
    """The device the short runs use, with the backend: "CPU, TensorFlow backend"; None when ``requested`` is
    "gpu" and the backend sees none."""
    gpu = _gpu(backend) if requested != "cpu" else None
    if requested == "gpu" and gpu is None:
        return None
    shown = BACKENDS.get(backend, (backend, backend, ""))[1]
    return f"{f'GPU ({gpu})' if gpu else 'CPU'}, {shown} backend"


def _gpu(backend: str) -> str | None:
    """The name of the first GPU the backend sees, or None."""
    if backend == "jax":
        import jax

        gpus: list[Any] = [d for d in jax.devices() if d.platform == "gpu"]
        return str(gpus[0].device_kind) if gpus else None
    if backend == "torch":
        import torch

        return str(torch.cuda.get_device_name(0)) if torch.cuda.is_available() else None
    import tensorflow as tf

    found = tf.config.list_physical_devices("GPU")
    if not found:
        return None
    return str(tf.config.experimental.get_device_details(found[0]).get("device_name", found[0].name))
