"""The names Keras 3 logs for compile() (semantics/metrics.py), checked against measured Keras 3.15 behaviour.

Every expected key set below was observed with Keras 3.15.1 on TF 2.21 (history keys of a real fit); the
runtime test at the end re-measures a few of them when the runtime extra is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import libcst as cst
import pytest

from kerasnanlint.semantics.metrics import (
    INFERRED,
    compile_logged_names,
    inferred_direction,
    known_direction,
    to_snake_case,
    true_direction,
)
from kerasnanlint.semantics.module import collect

HEADER = """
import keras
from keras import layers


def f1_metric(y_true, y_pred):
    return keras.ops.mean(y_pred)


def myCamelMetric(y_true, y_pred):
    return keras.ops.mean(y_pred)


def build(hp):
"""


def logged(body: str) -> tuple[set[str], bool]:
    """Names (and completeness) of the compile() calls in a ``build(hp)`` whose body is ``body``."""
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ")
    facts = collect(cst.parse_module(source))
    build = facts.functions_named("build")[0]
    scopes = {s for s in facts.scopes if s is build or s.parent is build}
    names: set[str] = set()
    complete = True
    for site in facts.calls:
        if site.method == "compile" and site.scope in scopes:
            result = compile_logged_names(facts, site.node, site.scope, scopes)
            names |= set(result.names)
            complete = complete and result.complete
    return names, complete


TWO = """
i = keras.Input((4,))
h = layers.Dense(4)(i)
a = layers.Dense(1, activation="sigmoid", name="out_a")(h)
b = layers.Dense(1, name="out_b")(h)
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # strings keep their spelling
            "model = keras.Sequential([layers.Dense(1)])\n"
            'model.compile(loss="binary_crossentropy", metrics=["accuracy", "mae", "AUC"])',
            {"loss", "accuracy", "mae", "AUC"},
        ),
        (  # instances: class default, name=, auto name inside the hypermodel; functions: snake_case; lambda
            "model = keras.Sequential([layers.Dense(1)])\n"
            'model.compile(loss="bce", metrics=[keras.metrics.AUC(), keras.metrics.AUC(name="x"),'
            " keras.metrics.Precision(), myCamelMetric, lambda a, b: b])",
            {"loss", "auc", "x", "precision", "my_camel_metric", "lambda"},
        ),
        (  # weighted_metrics colliding with metrics
            "model = keras.Sequential([layers.Dense(1)])\n"
            'model.compile(loss="bce", metrics=["accuracy"], weighted_metrics=["accuracy", "mae"])',
            {"loss", "accuracy", "mae", "weighted_accuracy"},
        ),
        (  # duplicates
            "model = keras.Sequential([layers.Dense(1)])\n"
            'model.compile(loss="bce", metrics=["accuracy", "accuracy", "acc"])',
            {"loss", "accuracy", "accuracy_1", "acc"},
        ),
        ("model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='bce')", {"loss"}),
        (  # loss objects and keras functions as metrics
            "model = keras.Sequential([layers.Dense(1)])\n"
            "model.compile(loss=keras.losses.BinaryCrossentropy(),"
            " metrics=[keras.losses.BinaryCrossentropy(), keras.metrics.binary_accuracy])",
            {"loss", "binary_crossentropy", "binary_accuracy"},
        ),
        (  # fixed class defaults
            "model = keras.Sequential([layers.Dense(1)])\n"
            'model.compile(loss="bce", metrics=["acc", keras.metrics.RootMeanSquaredError(),'
            " keras.metrics.F1Score(threshold=0.5), keras.metrics.LogCoshError(), f1_metric])",
            {"loss", "acc", "root_mean_squared_error", "f1_score", "logcosh", "f1_metric"},
        ),
        (  # single-output model: a metrics dict is flattened, no prefix
            "i = keras.Input((4,))\nmodel = keras.Model(i, layers.Dense(1, name='out')(i))\n"
            'model.compile(loss={"out": "bce"}, metrics={"out": ["accuracy"]})',
            {"loss", "accuracy"},
        ),
        (  # multi-output: flat list with one entry per output
            TWO + 'model = keras.Model(i, [a, b])\nmodel.compile(loss="mse", metrics=["accuracy", "mae"])',
            {"loss", "out_a_accuracy", "out_a_loss", "out_b_loss", "out_b_mae"},
        ),
        (  # multi-output: list of lists
            TWO + 'model = keras.Model(i, [a, b])\nmodel.compile(loss=["mse", "mse"], metrics=[["accuracy"], ["mae"]])',
            {"loss", "out_a_accuracy", "out_a_loss", "out_b_loss", "out_b_mae"},
        ),
        (  # multi-output: dicts by output name
            TWO + "model = keras.Model(i, [a, b])\n"
            'model.compile(loss={"out_a": "bce", "out_b": "mse"}, metrics={"out_a": ["accuracy"], "out_b": "mae"})',
            {"loss", "out_a_accuracy", "out_a_loss", "out_b_loss", "out_b_mae"},
        ),
        (  # multi-output with one loss: no per-output loss names
            TWO + "model = keras.Model(i, [a, b])\n"
            'model.compile(loss={"out_a": "bce", "out_b": None}, metrics={"out_a": ["accuracy"]})',
            {"loss", "out_a_accuracy"},
        ),
        (  # dict outputs: the keys name the outputs
            TWO + "model = keras.Model(i, {'ka': a, 'kb': b})\n"
            'model.compile(loss={"ka": "bce", "kb": "mse"}, metrics={"ka": ["accuracy"], "kb": ["mae"]})',
            {"loss", "ka_accuracy", "ka_loss", "kb_loss", "kb_mae"},
        ),
        (  # a functional model whose output name is reassigned layer after layer
            "i = keras.Input((4,))\nx = layers.Dense(8)(i)\nx = layers.Dense(1, activation='sigmoid')(x)\n"
            "model = keras.Model(i, x)\nmodel.compile(loss='bce', metrics=['accuracy'])",
            {"loss", "accuracy"},
        ),
        (  # followed through local names
            'metrics = ["accuracy", keras.metrics.AUC(name="roc")]\nmodel = keras.Sequential([layers.Dense(1)])\n'
            'model.compile(loss="bce", metrics=metrics)',
            {"loss", "accuracy", "roc"},
        ),
    ],
)
def test_logged_names(body: str, expected: set[str]) -> None:
    names, complete = logged(body)
    assert complete
    assert names == expected


@pytest.mark.parametrize(
    "body",
    [
        # metrics from elsewhere
        "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='bce', metrics=get_metrics())",
        # a subclassed / unknown model
        "model = make_model()\nmodel.compile(loss='bce', metrics=['accuracy'])",
        # two AUC() in one hypermodel: the second is auc_1, but only if nothing else made one before
        "model = keras.Sequential([layers.Dense(1)])\n"
        "model.compile(loss='bce', metrics=[keras.metrics.AUC(), keras.metrics.AUC()])",
        # unnamed outputs of a multi-output model: dense_1, dense_2 depend on counters
        "i = keras.Input((4,))\nmodel = keras.Model(i, [layers.Dense(1)(i), layers.Dense(1)(i)])\n"
        "model.compile(loss='mse', metrics=[['mae'], ['mae']])",
        # multi-output with a flat metrics list of the wrong length: Keras rejects it
        TWO + "model = keras.Model(i, [a, b])\nmodel.compile(loss='mse', metrics=['accuracy'])",
        # **kwargs
        "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(**options)",
        # a name= that is not a literal
        "model = keras.Sequential([layers.Dense(1)])\nmodel.compile(loss='bce', metrics=[keras.metrics.AUC(name=n)])",
    ],
)
def test_unknown_names_are_incomplete(body: str) -> None:
    _, complete = logged(body)
    assert not complete


def test_auto_named_metric_created_outside_the_hypermodel_is_unknown() -> None:
    source = HEADER.replace("def build(hp):", "AUC = keras.metrics.AUC()\n\n\ndef build(hp):") + (
        "    model = keras.Sequential([layers.Dense(1)])\n    model.compile(loss='bce', metrics=[AUC])\n"
    )
    facts = collect(cst.parse_module(source))
    build = facts.functions_named("build")[0]
    site = next(s for s in facts.calls if s.method == "compile")
    assert not compile_logged_names(facts, site.node, site.scope, {build}).complete


def test_user_metric_classes() -> None:
    names, complete = logged(
        """
class F1(keras.metrics.Metric):
    def __init__(self, name="f1", **kwargs):
        super().__init__(name=name, **kwargs)


class Plain(keras.metrics.Metric):
    pass


model = keras.Sequential([layers.Dense(1)])
model.compile(loss="bce", metrics=[F1(), F1(name="other"), Plain()])
"""
    )
    assert complete
    assert names == {"loss", "f1", "other", "plain"}


def test_to_snake_case_matches_keras() -> None:
    assert to_snake_case("myCamelMetric") == "my_camel_metric"
    assert to_snake_case("MeanIoU") == "mean_io_u"
    assert to_snake_case("AUC") == "auc"
    assert to_snake_case("F1Score") == "f1_score"


@pytest.mark.parametrize(
    ("objective", "direction"),
    [
        ("val_accuracy", "max"),
        ("acc", "max"),
        ("val_acc", "max"),
        ("weighted_accuracy", "max"),
        ("val_AUC", "max"),
        ("val_auc", "max"),
        ("val_loss", "min"),
        ("val_mae", "min"),
        ("root_mean_squared_error", "min"),
        ("val_f1_score", "min"),  # inferred, although higher is better
        ("r2_score", "min"),
        ("val_mean_io_u", "error"),
        ("precision_at_recall", "error"),
        ("val_custom_metric", None),
        ("val_auc_1", None),
        ("rmse", None),
        ("fbeta_score", None),
        ("logcosh", None),
        ("val_out_a_accuracy", None),
        ("ACCURACY", None),
        ("kld", None),
    ],
)
def test_inferred_direction(objective: str, direction: str | None) -> None:
    assert inferred_direction(objective) == direction


def test_true_direction() -> None:
    assert true_direction("val_f1_score") == "max"
    assert true_direction("val_custom_metric") == "max"
    assert true_direction("val_my_loss") == "min"
    assert true_direction("val_cosine_similarity", origin="keras.losses.cosine_similarity") == "min"
    assert known_direction("val_custom_metric") is None
    assert known_direction("val_loss") == "min"


RUNTIME_SCRIPT = r"""
import json, sys
import numpy as np, keras
from keras import layers
x = np.random.rand(32, 4).astype("float32"); y = (np.random.rand(32, 1) > .5).astype("float32")
def keys(model, y_, **kw):
    model.compile(optimizer="adam", **kw)
    return sorted(model.fit(x, y_, epochs=1, verbose=0, validation_split=0.25).history)
keras.backend.clear_session()
s = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
out = {"single": keys(s, y, loss="bce", metrics=["acc", keras.metrics.AUC(), keras.metrics.F1Score(threshold=.5)])}
keras.backend.clear_session()
i = keras.Input((4,)); a = layers.Dense(1, name="out_a")(i); b = layers.Dense(1, name="out_b")(i)
out["two"] = keys(keras.Model(i, [a, b]), [y, y], loss="mse", metrics=["accuracy", "mae"])
from keras_tuner.src.engine.metrics_tracking import infer_metric_direction
def infer(name):
    try:
        return infer_metric_direction(name)
    except TypeError:
        return "error"
out["directions"] = {n: infer(n) for n in json.loads(sys.argv[1])}
json.dump(out, sys.stdout)
"""


@pytest.mark.runtime
def test_names_match_real_keras() -> None:
    pytest.importorskip("keras")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    probes = [*INFERRED, "val_f1_score", "weighted_accuracy", "val_custom_metric", "rmse", "auc_1", "Val_loss"]
    argv = [sys.executable, "-c", RUNTIME_SCRIPT, json.dumps(probes)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    real = json.loads(proc.stdout.strip().splitlines()[-1])
    single, _ = logged(
        "model = keras.Sequential([layers.Dense(1)])\n"
        'model.compile(loss="bce", metrics=["acc", keras.metrics.AUC(), keras.metrics.F1Score(threshold=.5)])'
    )
    two, _ = logged(TWO + 'model = keras.Model(i, [a, b])\nmodel.compile(loss="mse", metrics=["accuracy", "mae"])')
    assert set(real["single"]) == single | {f"val_{n}" for n in single}
    assert set(real["two"]) == two | {f"val_{n}" for n in two}
    assert real["directions"] == {n: inferred_direction(n) for n in probes}
