"""Import-alias resolution: every spelling users write resolves to one canonical name."""

from __future__ import annotations

import libcst as cst
import pytest

from kerasnanlint.semantics.module import collect


def resolve(source: str, expr: str) -> str | None:
    facts = collect(cst.parse_module(source))
    return facts.resolve(cst.parse_expression(expr))


@pytest.mark.parametrize(
    ("source", "expr", "want"),
    [
        ("import keras", "keras.layers.Dense", "keras.layers.Dense"),
        ("from tensorflow import keras", "keras.layers.Dense", "keras.layers.Dense"),
        ("import tensorflow as tf", "tf.keras.layers.Dense", "keras.layers.Dense"),
        ("import tensorflow as tf", "tf.math.log", "tensorflow.math.log"),
        ("from keras import layers, ops", "ops.log", "keras.ops.log"),
        ("from keras.layers import Dense", "Dense", "keras.layers.Dense"),
        ("from tensorflow.keras.layers import Dense as D", "D", "keras.layers.Dense"),
        ("from keras.models import Model", "Model", "keras.Model"),
        ("from tensorflow.keras.models import Sequential", "Sequential", "keras.Sequential"),
        ("import keras_tuner as kt", "kt.RandomSearch", "keras_tuner.RandomSearch"),
        ("from keras_tuner import RandomSearch", "RandomSearch", "keras_tuner.RandomSearch"),
        ("from keras_tuner.tuners import Hyperband", "Hyperband", "keras_tuner.Hyperband"),
        ("import kerastuner", "kerastuner.Objective", "keras_tuner.Objective"),
        ("import kerastuner as kt", "kt.HyperModel", "keras_tuner.HyperModel"),
        ("from tensorflow.keras import backend as K", "K.log", "keras.backend.log"),
        ("import numpy as np", "np.nan", "numpy.nan"),
        ("import tensorflow.keras", "tensorflow.keras.layers.Dense", "keras.layers.Dense"),
        ("from . import keras", "keras.layers.Dense", None),
        ("x = 1", "keras.layers.Dense", None),
    ],
)
def test_spellings(source: str, expr: str, want: str | None) -> None:
    assert resolve(source, expr) == want


def test_call_sites_resolve_through_function_local_imports() -> None:
    facts = collect(cst.parse_module("def f():\n    import keras_tuner as kt\n    return kt.RandomSearch(g)\n"))
    assert [c.qualname for c in facts.calls] == ["keras_tuner.RandomSearch"]


def test_single_assignment_tracking() -> None:
    src = "def f(a):\n    lr = 1e-3\n    n = 1\n    n += 1\n    for i in a:\n        pass\n    return lr, n, i, a\n"
    facts = collect(cst.parse_module(src))
    scope = facts.functions_named("f")[0]
    assert isinstance(scope.single_assignment("lr"), cst.Float)
    assert scope.single_assignment("n") is None  # rebound: unknown
    assert scope.single_assignment("i") is None
    assert scope.single_assignment("a") is None  # a parameter
