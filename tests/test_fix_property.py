"""Property: --fix never produces unparsable code, is idempotent, and never touches files without findings.

Programs are assembled from Keras-flavoured statement templates (random imports, spellings of NaN, operands,
contexts, newline styles) so that the linter has something to find; generic program generators
(hypothesmith) would almost never mention Keras and the prefilter would skip them.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasnanlint.config import Settings
from kerasnanlint.engine import lint_source
from kerasnanlint.fix import fix_bytes
from kerasnanlint.fix_cli import fix_paths

IMPORTS = [
    "import keras",
    "from tensorflow import keras",
    "import tensorflow as tf",
    "import numpy as np",
    "import numpy",
    "import math",
    "import keras_tuner as kt",
    "from keras_tuner import RandomSearch",
    "from keras import layers",
    "import os",
]
NANS = ["np.nan", "numpy.nan", "math.nan", 'float("nan")', "nan", "np.inf"]
OPERANDS = ["x", "(a + b)", 'logs["loss"]', "f(x)", "-x", "x.y", "(a if b else c)", "(lambda: 1)", "(a, b)", "xs[0]"]
OPS = ["==", "!=", "<", "is"]
TEMPLATES = [
    "{v} = {a} {op} {n}",
    "{v} = {n} {op} {a}",
    "if {a} {op} {n}:\n    pass",
    "while {a} {op} {n} and ok:\n    break",
    "y[{a} {op} {n}] = 0.0",
    "def {v}(x, a=1, b=2, c=3, logs=None, xs=(1,)):\n    return {a} {op} {n}",
    "assert not ({a} {op} {n}), 'msg'",
    "{v} = [t for t in xs if t {op} {n}]",
    "{v} = f({a} {op} {n}, key=1)  # trailing comment",
    "{v} = a < {a} {op} {n}",
    "{v} = 1",
    "# a comment with keras in it",
    "class {V}(keras.layers.Layer):\n    def call(self, x):\n        return {a} {op} {n}",
]


BUILD = """def build(hp):
    model = keras.Sequential([keras.layers.Dense({units}, activation={act})])
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("lr", {lo}, {hi}{sampling})),
        loss={loss},
        metrics={metrics},
    )
    return model"""
LOSS_FN = """def my_loss(y_true, y_pred):
    return {expr}"""
TUNER = "tuner = kt.{tuner}(build, objective={objective}{overwrite})"
SEARCH = "tuner.search(x, y, validation_split=0.2{callbacks})"
# The same calls laid out one argument per line, with comments in between.
TUNER_TALL = (
    "tuner = kt.{tuner}(\n    build,  # the hypermodel\n    objective={objective},\n    max_trials=2{overwrite},\n)"
)
SEARCH_TALL = "tuner.search(\n    x,\n    y,\n    validation_split=0.2{callbacks}\n)  # go"
PIECES = {
    "units": ["1", "3"],
    "act": ['"sigmoid"', '"softmax"', "None", '"relu"', 'hp.Choice("a", ["sigmoid", "linear"])'],
    "lo": ["1e-5", "0.0", "1e-3"],
    "hi": ["1e-1", "1e-2"],
    "sampling": ["", ', sampling="linear"', ', sampling="log"', ", step=0.001"],
    "loss": [
        '"binary_crossentropy"',
        "keras.losses.BinaryCrossentropy(from_logits=True)",
        "keras.losses.SparseCategoricalCrossentropy(True)",
        '"mse"',
        "my_loss",
    ],
    "metrics": ['["accuracy"]', "[]", '["accuracy", keras.metrics.AUC()]', '{"out": ["mae"]}'],
    "expr": [
        "ops.sum(y_true) / ops.sum(y_pred)",
        "-ops.mean(y_true * ops.log(y_pred))",
        "tf.math.divide(y_true, y_pred - y_true)",
        "y_true / (y_pred + 1e-7)",
        "tf.math.log1p(y_pred - 1.0)",
    ],
    "tuner": ["RandomSearch", "Hyperband"],
    "objective": [
        '"val_accuracy"',
        '"val_acc"',
        '"val_loss"',
        '"val_f1_score"',
        'kt.Objective("val_accuracy", direction="min")',
        '["val_auc", "val_loss"]',
        "OBJ",
    ],
    "overwrite": ["", ", overwrite=True", ", directory='d'"],
    "callbacks": ["", ", callbacks=None", ", callbacks=[keras.callbacks.EarlyStopping()]", ", callbacks=cbs"],
}


@st.composite
def keras_program(draw: st.DrawFn) -> list[str]:
    """A hypermodel, its loss, a tuner and a search, each with a randomly right or wrong detail."""
    pick = {k: draw(st.sampled_from(v)) for k, v in PIECES.items()}
    lines = ['OBJ = "val_auc"', "cbs = [keras.callbacks.EarlyStopping()]"]
    tall = draw(st.booleans())
    templates = (LOSS_FN, BUILD, TUNER_TALL if tall else TUNER, SEARCH_TALL if tall else SEARCH)
    lines += [t.format(**pick) for t in templates if draw(st.integers(0, 4))]
    return lines


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append('"""A module docstring."""')
    if draw(st.booleans()):
        lines.append("from __future__ import annotations")
    lines += draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=4, unique=True))
    lines.append("")
    if draw(st.booleans()):
        lines += ["import keras", "import keras_tuner as kt", "import tensorflow as tf", "from keras import ops"]
        lines += draw(keras_program())
    for _ in range(draw(st.integers(0, 4))):
        tpl = draw(st.sampled_from(TEMPLATES))
        name = draw(st.sampled_from(["m", "mask", "ok2", "g", "h"]))
        lines.append(
            tpl.format(
                v=name,
                V=name.capitalize(),
                a=draw(st.sampled_from(OPERANDS)),
                op=draw(st.sampled_from(OPS)),
                n=draw(st.sampled_from(NANS)),
            )
        )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    if draw(st.booleans()):
        text = text.replace("    ", "\t")  # tab indentation
    return text.encode()


def _valid(data: bytes) -> bool:
    try:
        ast.parse(data)
    except SyntaxError:
        return False
    return True


COMMON = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(programs(), st.booleans())
def test_fix_never_breaks_code_and_is_idempotent(data: bytes, unsafe: bool) -> None:
    if not _valid(data):
        return
    result, out = fix_bytes(data, "p.py", Settings(), unsafe=unsafe)
    assert _valid(out), out.decode()
    assert (b"\r\n" in out) == (b"\r\n" in data)  # the file's newline style survives
    again, out2 = fix_bytes(out, "p.py", Settings(), unsafe=unsafe)
    assert again.fixed == 0 and out2 == out
    if not any(d.fix for d in lint_source(data, "p.py", Settings())):
        assert out == data and result.fixed == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_files_without_findings_are_never_written(data: bytes) -> None:
    diagnostics = lint_source(data, "p.py", Settings())
    if any(d.fix for d in diagnostics):
        return
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "p.py"
        f.write_bytes(data)
        before = f.stat().st_mtime_ns
        diags = [d.with_(path=str(f)) for d in diagnostics]
        run = fix_paths(diags, Settings(), unsafe=True)
        assert run.fixed == 0 and f.read_bytes() == data and f.stat().st_mtime_ns == before
