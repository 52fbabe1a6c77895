"""The tensor API a file writes in (tf, keras.ops, keras.backend as K, numpy) and the NaN it spells.

Messages and fixes share it: a suggested guard is spelled in the API, and with the aliases, the file already
uses (``tf.math.divide_no_nan`` in a TensorFlow file, ``ops.maximum`` in a Keras 3 one).
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from kerasnanlint.semantics.module import ModuleFacts, descendants
from kerasnanlint.semantics.names import ImportTable, canonical

# Callees whose module decides the API of an operator (``/``, ``**``) that has no module of its own.
TENSOR_MODULES = ("tensorflow.", "keras.ops.", "keras.backend.", "numpy.")

NAN_NAMES = {"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "tensorflow.experimental.numpy.nan"}


def is_nan(facts: ModuleFacts, expr: cst.BaseExpression) -> bool:
    """Is ``expr`` a spelling of NaN (``np.nan``, ``math.nan``, ``float("nan")``)?"""
    if isinstance(expr, cst.Attribute | cst.Name):
        return facts.resolve(expr) in NAN_NAMES
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "float":
        if len(expr.args) == 1 and isinstance(expr.args[0].value, cst.SimpleString):
            return str(expr.args[0].value.evaluated_value).strip().lower() == "nan"
    return False


def tensor_call(facts: ModuleFacts, *exprs: cst.CSTNode | None) -> str | None:
    """The callee of the first tensor-API call inside ``exprs`` (each itself included), in order: the API an
    operator between them is written in (``ops.sum(a) / ops.sum(b)`` -> keras.ops)."""
    for expr in exprs:
        if expr is None:
            continue
        for call in descendants(expr, cst.Call):
            qual = facts.resolve(call.func)  # type: ignore[attr-defined]
            if qual and qual.startswith(TENSOR_MODULES):
                return qual
    return None


def tensor_api(facts: ModuleFacts) -> TensorApi:
    """The file's ``TensorApi`` (built once per file)."""
    api: TensorApi = facts.derive("tensor_api", lambda f: TensorApi(f.imports))
    return api


class TensorApi:
    """Spell a suggestion in the tensor API the file already uses (tf, keras.ops, K, np) and its aliases.

    A flavor is one of "tf", "ops", "K", "np": the API of one op (``flavor(qual)``) or the file's usual one.
    """

    _NAMES: ClassVar[dict[str, dict[str, str]]] = {
        "tf": {"log": "math.log", "log1p": "math.log1p", "rsqrt": "math.rsqrt", "clip": "clip_by_value"},
        "ops": {},
        "K": {},
        "np": {},
    }

    def __init__(self, imports: ImportTable) -> None:
        self.alias: dict[str, str] = {}  # "tf"/"ops"/"K"/"keras"/"np" -> the first local name bound to it
        for local, full in imports.aliases.items():
            c = canonical(full)
            key = {"tensorflow": "tf", "keras.ops": "ops", "keras.backend": "K", "keras": "keras", "numpy": "np"}.get(c)
            if key is not None and key not in self.alias:
                self.alias[key] = local

    def flavor(self, qual: str | None = None) -> str:
        """The API of the op ``qual`` (a canonical callee), else the file's usual one (tf first)."""
        if qual:
            if qual.startswith("tensorflow."):
                return "tf"
            if qual.startswith("keras.backend."):
                return "K"
            if qual.startswith("numpy."):
                return "np"
            if qual.startswith("keras."):
                return "ops"
        for key in ("tf", "ops", "keras", "K", "np"):
            if key in self.alias:
                return "ops" if key == "keras" else key
        return "ops"

    def fn(self, flavor: str, name: str) -> str:
        """The spelling of the function ``name`` in ``flavor`` (K and np lack some: tf or keras.ops then)."""
        if flavor == "K" and name in ("divide_no_nan", "log1p", "rsqrt", "where"):
            flavor = "tf" if "tf" in self.alias else "ops"
        if flavor == "np" and name in ("divide_no_nan", "rsqrt"):
            flavor = "tf" if "tf" in self.alias else "ops"
        if flavor == "tf":
            module = self.alias.get("tf", "tf")
        elif flavor == "ops":
            module = self.alias.get("ops") or f"{self.alias.get('keras', 'keras')}.ops"
        elif flavor == "K":
            module = self.alias["K"] if "K" in self.alias else "K"
        else:
            module = self.alias.get("np", "np")
        if flavor == "tf" and name == "divide_no_nan":
            return f"{module}.math.divide_no_nan"
        return f"{module}.{self._NAMES[flavor].get(name, name)}"

    @property
    def eps(self) -> str:
        """The epsilon to add: Keras's own (``K.epsilon()``) where the file can name it, else ``1e-7``."""
        if "K" in self.alias:
            return f"{self.alias['K']}.epsilon()"
        if "keras" in self.alias:
            return f"{self.alias['keras']}.backend.epsilon()"
        if "tf" in self.alias:
            return f"{self.alias['tf']}.keras.backend.epsilon()"
        return "1e-7"

    @property
    def losses(self) -> str:
        """The module of the built-in losses (``keras.losses``, ``tf.keras.losses``)."""
        if "keras" in self.alias:
            return f"{self.alias['keras']}.losses"
        return f"{self.alias['tf']}.keras.losses" if "tf" in self.alias else "keras.losses"
