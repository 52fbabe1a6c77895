"""Fuzzing: no generated or mutated file makes ``lint_source`` or ``fix_text`` raise, and fixes keep files parseable.

Programs come from two sources: Keras-shaped fragments (model builders, custom losses and metrics with risky ops,
metric classes, tuners, hyperparameter declarations, training calls) assembled at random, and random mutations
(line deletion, duplication, swaps, token replacement, truncation, re-indentation, inserted characters) of the
catalogue's ``rules/*/flagged.py`` files. ``KERASNANLINT_DEBUG`` is set, so an exception of ours fails the test
instead of becoming a KNL000 finding. CI runs a bounded number of examples; ``KERASNANLINT_FUZZ_EXAMPLES``
raises it (docs/fuzzing.md records the long run).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasnanlint.config import Settings
from kerasnanlint.engine import lint_source
from kerasnanlint.fix import fix_text

ROOT = Path(__file__).resolve().parents[2]
FLAGGED = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("rules/*/flagged.py"))]
EXAMPLES = int(os.environ.get("KERASNANLINT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

HEADER = [
    "import numpy as np",
    "import tensorflow as tf",
    "import keras",
    "import keras_tuner as kt",
    "from keras import layers, ops",
]
FRAGMENTS = [
    "def build_{n}(hp):\n"
    "    model = keras.Sequential([\n"
    '        layers.Dense(hp.Int("u_{n}", {lo}, {hi}), activation={act}),\n'
    "        layers.Dense(1, activation={act}),\n"
    "    ])\n"
    "    model.compile(optimizer=keras.optimizers.Adam({lr}), loss={loss}, metrics={metrics})\n"
    "    return model",
    "def loss_{n}(y_true, y_pred):\n    return {risky}",
    "def metric_{n}(y_true, y_pred):\n    total = ops.sum(y_true)\n    return {risky} / total",
    "class M{n}(keras.metrics.Metric):\n"
    "    def __init__(self, **kw):\n"
    "        super().__init__(**kw)\n"
    '        self.t = self.add_weight(name="t", initializer="zeros")\n'
    "    def update_state(self, y_true, y_pred, sample_weight=None):\n"
    "        self.t.assign_add(ops.sum(y_pred))\n"
    "    def result(self):\n"
    "        return {risky} / self.t",
    "tuner_{n} = kt.{tuner}(build_{n}, objective={objective}, max_trials=2{extra})",
    "tuner_{n}.search(x, y, validation_split=0.2, callbacks={callbacks})",
    'lr_{n} = hp.Float("lr_{n}", {lo}, {hi}{sampling})',
    'hp.Choice("act_{n}", [{act}, "relu"])',
    "history = model.fit(x, y, epochs=2, callbacks={callbacks})",
    "if history.history[{quoted}][-1] {cmp} np.nan:\n    print('nan')",
    "x_{n} = {risky}",
]
PIECES = {
    "lo": ["0", "1", "1e-5", "0.0", "-1", "1e309", "True"],
    "hi": ["1", "128", "1e-1", "0", "2**40"],
    "act": ['"sigmoid"', '"softmax"', "None", '"relu"', "keras.activations.linear", 'hp.Choice("a", ["tanh"])'],
    "lr": ["1e-3", "lr", '"adam"', "-1.0", "hp.Float('lr', 0, 1)"],
    "loss": [
        '"binary_crossentropy"',
        "keras.losses.BinaryCrossentropy(from_logits=True)",
        '"sparse_categorical_crossentropy"',
        "loss_0",
        "lambda a, b: ops.log(b)",
        "{'out': 'mse'}",
    ],
    "metrics": ['["accuracy"]', "[metric_0]", '["acc", keras.metrics.AUC()]', "[M0()]", "None"],
    "risky": [
        "ops.log(y_pred)",
        "ops.sqrt(y_pred - y_true)",
        "y_true / ops.sum(y_pred)",
        "tf.math.log(y_pred) * y_true",
        "ops.arccos(y_pred)",
        "ops.where(y_pred > 0, ops.log(y_pred), 0.0)",
        "-ops.mean(y_true * ops.log(y_pred))",
        "tf.math.divide(y_true, y_pred)",
        "ops.power(y_pred, 0.5)",
    ],
    "tuner": ["RandomSearch", "Hyperband", "BayesianOptimization", "GridSearch"],
    "objective": ['"val_accuracy"', '"val_acc"', '"val_loss"', 'kt.Objective("val_auc", "max")', "OBJ", "['val_f1']"],
    "extra": ["", ", overwrite=True", ", directory='d'", ", max_epochs=0"],
    "callbacks": ["[]", "None", "[keras.callbacks.EarlyStopping(monitor='val_acc')]", "cbs"],
    "sampling": ["", ', sampling="log"', ", step=0", ', sampling="reverse_log"'],
    "quoted": ['"loss"', '"val_loss"', "key"],
    "cmp": ["==", "!=", "is", "<"],
}


@st.composite
def keras_programs(draw: st.DrawFn) -> str:
    """Keras-shaped fragments with random details, in random order and number."""
    lines = draw(st.lists(st.sampled_from(HEADER), min_size=1, max_size=len(HEADER), unique=True))
    for n in range(draw(st.integers(1, 8))):
        fragment = draw(st.sampled_from(FRAGMENTS))
        values = {k: draw(st.sampled_from(v)) for k, v in PIECES.items()}
        lines.append(fragment.format(n=n % 3, **values))
    return "\n".join(lines) + "\n"


TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:e-?\d+)?|\"[^\"\n]*\"|'[^'\n]*'")
NOISE = ["(", ")", "[", "]", ":", ",", "\\", "\t", "    ", "\n", "#", "'", '"', "lambda", "*", "**", "é", "\x00", "\r"]


@st.composite
def mutated_catalogue(draw: st.DrawFn) -> str:
    """A catalogue example with a few random mutations (the result is often invalid Python, on purpose)."""
    text = draw(st.sampled_from(FLAGGED))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "token", "truncate", "indent", "noise"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", "    ", "\t", "        "])) + lines[i].lstrip()
        elif kind == "token":
            tokens = TOKEN.findall(text)
            spans = list(TOKEN.finditer(lines[i]))
            if spans and tokens:
                span = draw(st.sampled_from(spans))
                line = lines[i]
                lines[i] = line[: span.start()] + draw(st.sampled_from(tokens)) + line[span.end() :]
        elif kind == "truncate":
            cut = draw(st.integers(0, len(lines[i])))
            lines = [*lines[:i], lines[i][:cut]]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(NOISE)) + lines[i][at:]
        text = "\n".join(lines)
    return text


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _lint_and_fix(text: str, unsafe: bool) -> None:
    with mock.patch.dict(os.environ, {"KERASNANLINT_DEBUG": "1"}):
        found = lint_source(text, "fuzz.py", Settings())
        assert not any("internal error" in d.message for d in found), [d.message for d in found]
        result = fix_text(text, found, Settings(), path="fuzz.py", unsafe=unsafe)
    if _parses(text):
        assert _parses(result.text), result.text
    else:
        assert result.text == text  # an unparsable file has no fixes


@FUZZ
@given(keras_programs(), st.booleans())
def test_generated_keras_programs(text: str, unsafe: bool) -> None:
    _lint_and_fix(text, unsafe)


@FUZZ
@given(mutated_catalogue(), st.booleans())
def test_mutated_catalogue_examples(text: str, unsafe: bool) -> None:
    _lint_and_fix(text, unsafe)
