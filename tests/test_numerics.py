"""KNL101-KNL108: spellings of the risky ops, the guards that silence them, where the checks look, messages."""

from __future__ import annotations

import textwrap

import pytest

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source
from tests.helpers import ROOT

HEADER = """\
import functools

import keras
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras import ops

EPS = 1e-7
"""


def lint(body: str, select: tuple[str, ...] = ("KNL1",), header: str = HEADER) -> list[Diagnostic]:
    source = header + "\n" + textwrap.dedent(body)
    return lint_source(source, "example.py", Settings(select=select))


def line_of(body: str, text: str, header: str = HEADER) -> int:
    """1-based line of the first line containing ``text`` in the linted source."""
    lines = (header + "\n" + textwrap.dedent(body)).splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def codes(body: str, select: tuple[str, ...] = ("KNL1",)) -> list[str]:
    return [d.rule for d in lint(body, select)]


def loss(expr: str, prelude: str = "") -> str:
    """A loss function returning ``expr`` (the ``(y_true, y_pred)`` parameters make it one)."""
    lines = "".join(f"    {line}\n" for line in prelude.splitlines() if line)
    return f"def my_loss(y_true, y_pred, smooth=1.0):\n{lines}    return {expr}\n"


# --- KNL101 unguarded-division ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "y_true / y_pred",
        "tf.math.divide(y_true, y_pred)",
        "tf.divide(y_true, y_pred)",
        "tf.realdiv(y_true, y_pred)",
        "tf.math.truediv(y_true, y_pred)",
        "tf.math.reciprocal(y_pred)",
        "keras.ops.divide(y_true, y_pred)",
        "ops.true_divide(y_true, y_pred)",
        "ops.reciprocal(y_pred)",
        "np.divide(y_true, y_pred)",
        "tf.reduce_sum(y_true) / tf.reduce_sum(y_pred)",
        "K.sum(y_true) / K.sum(K.round(y_pred))",
        "y_true / (1.0 - y_pred)",
        "y_true / tf.cast(y_pred > 0.5, tf.float32)",
        "y_true / tf.math.count_nonzero(y_pred)",
        "y_true / (tf.reduce_sum(y_true) + tf.reduce_sum(y_pred))",
        "y_true / tf.nn.relu(y_pred)",
        "y_true / (2.0 * tf.reduce_sum(y_pred))",
        "-K.mean(y_true * y_pred) / K.std(y_true * y_pred)",
        "tf.reduce_sum(y_true * y_pred) / tf.norm(y_pred)",
    ],
)
def test_division_spellings_are_flagged(expr: str) -> None:
    assert codes(loss(expr), ("KNL101",)) == ["KNL101"]
    assert "KNL101" in codes(loss(expr))


@pytest.mark.parametrize(
    "den",
    [
        "y_pred + K.epsilon()",
        "y_pred + keras.backend.epsilon()",
        "y_pred + keras.config.epsilon()",
        "y_pred + tf.keras.backend.epsilon()",
        "y_pred + 1e-7",
        "tf.reduce_sum(y_pred) + EPS",
        "ops.sum(y_pred) + smooth",
        "tf.maximum(y_pred, 1e-7)",
        "ops.maximum(ops.sum(y_pred), K.epsilon())",
        "tf.clip_by_value(y_pred, 1e-7, 1.0)",
        "ops.clip(y_pred, K.epsilon(), 1.0)",
        "2.0",
        "255",
        "tf.cast(tf.size(y_pred), tf.float32)",
        "tf.cast(tf.shape(y_true)[0], tf.float32)",
        "ops.shape(y_true)[-1]",
        "len(y_true)",
        "y_pred.shape[-1]",
        "max(ops.sum(y_pred), 1e-7)",
    ],
)
def test_guarded_denominators_are_silent(den: str) -> None:
    assert codes(loss(f"y_true / ({den})"), ("KNL101",)) == []


@pytest.mark.parametrize(
    "expr",
    ["tf.math.divide_no_nan(y_true, y_pred)", "ops.divide_no_nan(ops.sum(y_true), ops.sum(y_pred))"],
)
def test_divide_no_nan_is_silent(expr: str) -> None:
    assert codes(loss(expr)) == []


def test_guards_through_one_or_two_local_assignments() -> None:
    one = loss("tp / denom", "tp = tf.reduce_sum(y_true * y_pred)\ndenom = tp + tf.reduce_sum(y_pred) + EPS")
    two = loss("tp / denom", "tp = ops.sum(y_true * y_pred)\ncounted = tp + ops.sum(y_pred)\ndenom = counted + 1e-7")
    reassigned = loss("tp / d", "tp = ops.sum(y_true)\nd = ops.sum(y_pred)\nd = d + K.epsilon()")
    assert codes(one) == codes(two) == codes(reassigned) == []
    # and the risk is followed through local names just the same
    assert codes(loss("tp / pp", "tp = tf.reduce_sum(y_true * y_pred)\npp = tf.reduce_sum(y_pred)")) == ["KNL101"]


def test_unknown_denominators_are_silent() -> None:
    body = loss("y_true / weights + y_true / self_made(y_pred) + y_true / (n - 1)", "n = len(y_true)")
    body = body.replace("smooth=1.0", "weights")
    assert codes(body) == []


def test_augmented_division() -> None:
    assert codes(loss("x", "x = ops.sum(y_true)\nx /= ops.sum(y_pred)")) == ["KNL101"]


def test_seed_script_2_is_free_of_knl101() -> None:
    path = ROOT / "examples" / "seed2_custom_metric.py"
    found = lint_source(path.read_bytes(), str(path), Settings(select=("KNL1",)))
    assert [d for d in found if d.rule == "KNL101"] == []


def test_seed_script_2_without_epsilon_is_flagged() -> None:
    path = ROOT / "examples" / "seed2_custom_metric.py"
    text = path.read_text(encoding="utf-8").replace(" + keras.backend.epsilon()", "")
    assert "keras.backend.epsilon()" not in text
    found = lint_source(text, str(path), Settings(select=("KNL1",)))
    assert [(d.rule, d.line) for d in found] == [("KNL101", 14)]


def test_message_carries_the_guard_in_the_files_api() -> None:
    (tf_finding,) = lint(loss("tf.reduce_sum(y_true) / tf.reduce_sum(y_pred)"))
    assert "use tf.math.divide_no_nan(tf.reduce_sum(y_true), tf.reduce_sum(y_pred))" in str(tf_finding.help)
    assert "add K.epsilon() to the denominator" in str(tf_finding.help)
    (ops_finding,) = lint(loss("ops.sum(y_true) / ops.sum(y_pred)"))
    assert "use ops.divide_no_nan(ops.sum(y_true), ops.sum(y_pred))" in str(ops_finding.help)
    header = "import keras\nimport tensorflow as tflow\n"
    (aliased,) = lint(loss("tflow.reduce_sum(y_true) / tflow.reduce_sum(y_pred)"), header=header)
    assert "tflow.math.divide_no_nan(" in str(aliased.help) and "keras.backend.epsilon()" in str(aliased.help)


def test_finding_sits_on_the_division_itself() -> None:
    (d,) = lint(loss("1.0 + y_true / y_pred"))
    assert (d.col, d.end_col - d.col) == (len("    return 1.0 + ") + 1, len("y_true / y_pred"))


# --- KNL102 unguarded-log ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "K.log(y_pred)",
        "tf.math.log(y_pred)",
        "tf.log(y_pred)",
        "keras.ops.log(y_pred)",
        "ops.log(ops.sum(y_pred))",
        "np.log(y_pred)",
        "tf.math.log(1.0 - y_pred)",
        "ops.log2(y_true)",
        "tf.math.log1p(y_pred)",
        "ops.log1p(y_pred - y_true)",
        "np.log1p(-y_pred)",
    ],
)
def test_log_spellings_are_flagged(expr: str) -> None:
    assert codes(loss(f"ops.mean({expr})")) == ["KNL102"]


@pytest.mark.parametrize(
    "expr",
    [
        "tf.math.log(y_pred + K.epsilon())",
        "tf.math.log(tf.clip_by_value(y_pred, 1e-7, 1.0))",
        "ops.log(ops.maximum(y_pred, 1e-7))",
        "tf.math.log(1.0 - tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7))",
        "ops.log1p(ops.abs(y_pred))",
        "ops.log1p(ops.square(y_pred - y_true))",
        "ops.log1p(ops.maximum(y_pred, 0.0))",
        "tf.math.log(tf.nn.softplus(y_pred))",
        "tf.math.log(2.0)",
    ],
)
def test_guarded_logs_are_silent(expr: str) -> None:
    assert codes(loss(expr)) == []


def test_log_after_clipping_the_argument_in_place() -> None:
    prelude = "y_pred = K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon())"
    assert codes(loss("K.mean(K.log(y_pred) + K.log(1.0 - y_pred))", prelude)) == []
    # a cast of the argument is not a guard
    assert codes(loss("K.mean(K.log(y_pred))", "y_pred = tf.cast(y_pred, tf.float32)")) == ["KNL102"]


def test_log_message_and_position() -> None:
    (d,) = lint(loss("tf.reduce_mean(tf.math.log(y_pred))"))
    assert d.rule == "KNL102" and d.col == len("    return tf.reduce_mean(") + 1
    assert "tf.math.log(tf.maximum(y_pred, K.epsilon()))" in str(d.help)


# --- KNL103 sqrt-at-zero ----------------------------------------------------------------------------------

DIST = "d = tf.reduce_sum(tf.square(y_true - y_pred), axis=-1)"


@pytest.mark.parametrize(
    "expr",
    [
        "tf.sqrt(d)",
        "tf.math.sqrt(d)",
        "tf.math.rsqrt(d)",
        "ops.sqrt(d)",
        "ops.rsqrt(d)",
        "K.sqrt(d)",
        "d ** 0.5",
        "tf.pow(d, 0.5)",
        "ops.power(d, 0.5)",
        "tf.norm(y_true - y_pred, axis=-1)",
        "tf.linalg.norm(y_true - y_pred)",
        "ops.norm(y_true - y_pred, ord=2)",
    ],
)
def test_sqrt_spellings_are_flagged(expr: str) -> None:
    assert codes(loss(f"tf.reduce_mean({expr})", DIST)) == ["KNL103"]


@pytest.mark.parametrize(
    "expr",
    [
        "tf.sqrt(d + K.epsilon())",
        "tf.sqrt(tf.maximum(d, 1e-12))",
        "(d + 1e-7) ** 0.5",
        "d ** 2",
        "tf.norm(y_true - y_pred, ord=1)",
        "np.sqrt(d)",
        "tf.where(d > 0, tf.sqrt(d), 0.0)",
    ],
)
def test_guarded_or_harmless_roots_are_silent(expr: str) -> None:
    assert codes(loss(f"tf.reduce_mean({expr})", DIST)) == []


def test_no_gradient_flows_into_the_labels() -> None:
    assert codes(loss("tf.sqrt(tf.reduce_sum(tf.square(y_true))) + tf.norm(y_true)")) == []


def test_metrics_have_no_gradient_for_sqrt_but_rsqrt_is_still_inf() -> None:
    body = """
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true)))

    def inverse(y_true, y_pred):
        return tf.math.rsqrt(tf.reduce_sum(tf.square(y_pred - y_true)))

    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=[rmse, inverse])
    """
    assert [(d.rule, d.line) for d in lint(body)] == [("KNL103", line_of(body, "tf.math.rsqrt"))]


# --- KNL104 unbounded-exp ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "tf.exp(y_pred)",
        "tf.math.exp(0.5 * y_pred)",
        "ops.exp(y_pred)",
        "K.exp(y_pred)",
        "tf.math.expm1(y_pred)",
        "ops.expm1(y_pred - y_true)",
        "np.exp(y_pred)",
    ],
)
def test_exp_spellings_are_flagged_as_info(expr: str) -> None:
    found = lint(loss(f"ops.mean({expr})"))
    assert [(d.rule, str(d.severity)) for d in found] == [("KNL104", "info")]


@pytest.mark.parametrize(
    "expr",
    [
        "tf.exp(tf.clip_by_value(y_pred, -20.0, 20.0))",
        "ops.exp(ops.minimum(y_pred, 20.0))",
        "tf.exp(y_pred - tf.reduce_max(y_pred, axis=-1, keepdims=True))",
        "ops.exp(y_pred - ops.logsumexp(y_pred))",
        "tf.exp(-tf.square(y_pred))",
        "tf.exp(-0.5 * y_pred ** 2)",
        "ops.exp(ops.tanh(y_pred))",
        "ops.exp(-ops.abs(y_pred) / 2.0)",
        "tf.exp(3.0)",
    ],
)
def test_bounded_exp_is_silent(expr: str) -> None:
    assert codes(loss(expr)) == []


def test_exp_in_layers_follows_the_input_not_the_weights() -> None:
    body = """
    class Sampling(keras.layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            scale = ops.exp(self.log_scale) * ops.exp(ops.arange(4) * -0.5)
            return z_mean + ops.exp(0.5 * z_log_var) * scale + tf.sqrt(z_mean) / z_mean
    """
    assert [(d.rule, d.line, d.col) for d in lint(body)] == [("KNL104", line_of(body, "z_mean + ops.exp"), 25)]


def test_exp_is_not_checked_in_metrics() -> None:
    body = """
    def perplexity(y_true, y_pred):
        return ops.exp(ops.mean(y_pred))

    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=[perplexity])
    """
    assert codes(body) == []
    assert codes(body.replace("metrics=[perplexity]", "loss=perplexity").replace('loss="mse", ', "")) == ["KNL104"]


# --- KNL105 where-does-not-guard-gradient -----------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "tf.where(y_pred > 0, tf.math.log(y_pred), 0.0)",
        "tf.where(y_pred > 0, 1.0 / y_pred, 0.0)",
        "tf.where(tf.greater(y_pred, 0), tf.math.divide(y_true, y_pred), 0.0)",
        "tf.where(y_pred > -1, tf.math.log1p(y_pred), 0.0)",
        "tf.where(y_pred > 0, y_pred ** 0.5, 0.0)",
        "ops.where(y_pred > 0, ops.log(y_pred), 0.0)",
        "ops.where(y_pred > 0, ops.sqrt(y_pred), 0.0)",
        "tf.where(y_pred <= 0, 0.0, tf.math.log(y_pred))",
        "K.switch(y_pred > 0, K.log(y_pred), y_pred)",
    ],
)
def test_where_traps_are_flagged(expr: str) -> None:
    assert codes(loss(f"tf.reduce_mean({expr})")) == ["KNL105"]


def test_where_through_a_local_mask() -> None:
    assert codes(loss("tf.where(mask, tf.math.log(y_pred), 0.0)", "mask = y_pred > 0")) == ["KNL105"]
    masked = "mask = y_true > 0\ny_pred = y_pred * tf.cast(mask, y_pred.dtype)"
    assert codes(loss("tf.where(mask, tf.math.log(y_pred), 0.0)", masked)) == ["KNL105"]


@pytest.mark.parametrize(
    "expr",
    [
        "tf.where(y_pred > 0, tf.math.log(tf.where(y_pred > 0, y_pred, 1.0)), 0.0)",
        "tf.where(y_pred > 0, tf.math.log(y_pred + 1e-7), 0.0)",
        "tf.where(y_pred > 0, tf.sqrt(y_pred), 0.0)",  # measured: finite on TF
        "tf.where(y_pred > 0, tf.math.rsqrt(y_pred), 0.0)",
        "tf.where(y_true > 0, y_true * tf.math.log(y_true), 0.0)",  # labels: no gradient
        "tf.where(mask, tf.math.log(y_pred), 0.0)",  # opaque condition: trusted
        "np.where(y_pred > 0, np.log(y_pred + 1e-7), 0.0)",
    ],
)
def test_where_near_misses_are_silent(expr: str) -> None:
    body = loss(f"tf.reduce_mean({expr})").replace("smooth=1.0", "mask")
    assert codes(body) == []


def test_where_message_suggests_the_double_where_and_is_honest_about_sqrt() -> None:
    (log,) = lint(loss("tf.where(y_pred > 0, tf.math.log(y_pred), 0.0)"))
    assert "safe = tf.where(y_pred > 0, y_pred, tf.ones_like(y_pred))" in str(log.help)
    (root,) = lint(loss("ops.where(y_pred > 0, ops.sqrt(y_pred), 0.0)"))
    assert "JAX and torch give NaN" in str(root.help) and "TF 2.21" in str(root.help)


def test_where_in_a_metric_guards_the_division() -> None:
    body = loss("tf.where(pp > 0, 1.0 / pp, 0.0)", "pp = tf.reduce_sum(y_pred)").replace("my_loss", "precision")
    assert codes(body) == []


# --- KNL106 handwritten-crossentropy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "builtin"),
    [
        ("-tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)", "categorical_crossentropy(y_true, y_pred)"),
        ("-K.sum(K.log(y_pred) * y_true)", "categorical_crossentropy"),
        ("-ops.sum(ops.multiply(y_true, ops.log(y_pred)))", "categorical_crossentropy"),
        (
            "-K.mean(y_true * K.log(y_pred) + (1 - y_true) * K.log(1 - y_pred))",
            "binary_crossentropy(y_true, y_pred)",
        ),
        ("-np.mean(y_true * np.log(y_pred))", "categorical_crossentropy"),
    ],
)
def test_handwritten_crossentropy(expr: str, builtin: str) -> None:
    (d,) = lint(loss(expr))
    assert d.rule == "KNL106" and builtin in str(d.help) and d.col == len("    return ") + 1


def test_crossentropy_on_a_sigmoid_computed_inside_points_to_from_logits() -> None:
    prelude = "p = tf.sigmoid(y_pred)"
    (d,) = lint(loss("-tf.reduce_mean(y_true * tf.math.log(p) + (1 - y_true) * tf.math.log(1 - p))", prelude))
    assert d.rule == "KNL106" and "binary_crossentropy(y_true, logits, from_logits=True)" in str(d.help)


@pytest.mark.parametrize(
    "expr",
    [
        "-tf.reduce_sum(y_true * tf.math.log(y_pred + 1e-7))",
        "-tf.reduce_sum(y_true * tf.math.log(tf.clip_by_value(y_pred, 1e-7, 1.0)))",
        "-ops.sum(y_true * ops.log_softmax(y_pred))",
        "ops.sum(y_pred - y_true * ops.log(ops.softplus(y_pred)))",  # a Poisson rate: underflow only
    ],
)
def test_guarded_crossentropy_is_silent(expr: str) -> None:
    assert codes(loss(expr)) == []


def test_knl106_replaces_knl102_on_its_logs_unless_deselected() -> None:
    body = loss("-tf.reduce_sum(y_true * tf.math.log(y_pred))")
    assert codes(body) == ["KNL106"]
    assert codes(body, ("KNL1",)) == ["KNL106"]
    found = lint_source(HEADER + "\n" + body, "x.py", Settings(select=("KNL1",), ignore=("KNL106",)))
    assert [d.rule for d in found] == ["KNL102"]


# --- where the checks look --------------------------------------------------------------------------------


def test_functions_reached_through_compile() -> None:
    body = """
    def a(t, p):
        return t / p

    def b(t, p):
        return t / p

    def c(t, p):
        return t / p

    def d(t, p):
        return t / p

    def e(t, p):
        return t / p

    def f(t, p, scale):
        return t / p

    def make(scale):
        def inner(t, p):
            return t / p
        return inner

    def not_used(t, p):
        return t / p

    def build_model(hp):
        model = keras.Sequential([keras.layers.Dense(1)])
        chosen = [b, "accuracy"]
        model.compile(
            loss={"out": a},
            metrics=chosen,
            weighted_metrics=[keras.metrics.MeanMetricWrapper(c), functools.partial(f, scale=2)],
        )
        model.compile(loss=make(2.0), metrics=[lambda t, p: t / p, d])
        model.compile("adam", e)
        return model
    """
    lines = {d.line for d in lint(body, ("KNL101",))}
    src = (HEADER + "\n" + textwrap.dedent(body)).splitlines()
    found = {src[line - 1].strip() for line in lines}
    assert found == {"return t / p", "model.compile(loss=make(2.0), metrics=[lambda t, p: t / p, d])"}
    assert len(lines) == 8  # a, b, c, d, e, f, inner and the lambda; not not_used


def test_loss_and_metric_classes() -> None:
    body = """
    class MyLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(y_true / y_pred)

        def helper(self, a, b):
            return a / b

    class Base(keras.metrics.Metric):
        pass

    class Precision(Base):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tp = self.add_weight(name="tp", initializer="zeros")
            self.fp = self.add_variable(shape=(), initializer=keras.initializers.Zeros())
            self.scale = self.add_weight(name="scale", initializer="ones")
            if kwargs:
                self.extra = 1

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.tp.assign_add(ops.sum(y_true * y_pred))

        def result(self):
            return self.tp / (self.tp + self.fp) + self.tp / self.scale
    """
    want = [("KNL101", line_of(body, "ops.mean(y_true / y_pred)")), ("KNL101", line_of(body, "self.tp / (self"))]
    assert [(d.rule, d.line) for d in lint(body)] == want


def test_layers_are_only_checked_for_exp() -> None:
    body = """
    class Norm(keras.layers.Layer):
        def call(self, inputs):
            return inputs / ops.sum(inputs) + ops.log(inputs) + ops.exp(inputs)
    """
    assert codes(body) == ["KNL104"]


def test_code_outside_losses_and_metrics_is_not_walked() -> None:
    body = """
    x = np.ones(3)
    ratio = x / np.sum(x - 1)

    def preprocess(images, labels):
        return images / tf.reduce_max(images), tf.math.log(labels)
    """
    assert codes(body) == []


def test_odd_code_does_not_crash() -> None:
    body = """
    def my_loss(y_true, y_pred, *args, **kwargs):
        total = 0
        for i in range(3):
            total = total + y_pred[i]
        a = b = y_pred
        (c, d), e = y_true, y_pred
        x = x + 1 if False else y_pred
        f = lambda: y_true / y_pred
        g = tf.math.log(*args) + ops.divide(**kwargs) + tf.where(y_pred > 0)
        return total / a + c / d + x / e + y_true / (y_pred := 3)
    """
    lint(body)


@pytest.mark.parametrize(
    ("activation", "advice"),
    [
        ('"softmax"', "use keras.losses.categorical_crossentropy(y_true, y_pred), which clips"),
        ("None", "the model's output is linear, not a probability: make it linear and use"),
        ('hp.Choice("act", ["softmax", "relu"])', "the model's output is relu, not a probability"),
    ],
)
def test_crossentropy_advice_follows_the_output_activation(activation: str, advice: str) -> None:
    body = f"""
    def my_ce(y_true, y_pred):
        return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)

    def build_model(hp):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation={activation})])
        model.compile(optimizer="adam", loss=my_ce)
        return model
    """
    (d,) = lint(body)
    assert d.rule == "KNL106" and advice in str(d.help)


# --- the classifier and the op table ----------------------------------------------------------------------


def test_every_risky_op_has_one_owner() -> None:
    from kerasnanlint.checks.numerics import OWNER
    from kerasnanlint.registry import all_rules
    from kerasnanlint.semantics.operands import RISKY_OPS

    assert set(OWNER) >= RISKY_OPS  # the table may add ops the classifier records by name (KNL108's)
    assert set(OWNER.values()) <= set(all_rules())


def test_a_log_in_a_crossentropy_is_knl102s_when_knl106_does_not_run() -> None:
    body = loss("-tf.reduce_sum(y_true * tf.math.log(y_pred))")
    assert codes(body) == ["KNL106"]
    assert codes(body, ("KNL102",)) == ["KNL102"]


def test_the_walk_runs_once_per_file_however_many_rules_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import kerasnanlint.semantics.operands as operands

    walks: list[object] = []
    classify = operands.classify
    monkeypatch.setattr(operands, "classify", lambda *a: walks.append(a) or classify(*a))
    lint(loss("tf.math.log(y_pred) / tf.sqrt(y_pred) + tf.exp(y_pred)"))
    assert len(walks) == 1


# --- KNL108 unclipped-inverse-trig ------------------------------------------------------------------------------

COSINE = "cos = ops.sum(ops.normalize(y_true, axis=-1) * ops.normalize(y_pred, axis=-1), axis=-1)"


@pytest.mark.parametrize(
    "expr",
    [
        "ops.arccos(cos)",
        "tf.math.acos(cos)",
        "tf.acos(cos)",
        "tf.math.asin(cos)",
        "ops.arcsin(cos)",
        "ops.arctanh(y_pred)",
        "tf.math.atanh(y_true)",  # arctanh is inf at +-1 itself: labels of exactly 1 make the loss inf
        "ops.arccos(tf.clip_by_value(cos, -1.0, 1.0))",  # clipped to the edge: the gradient there is still inf
        "ops.arccos(ops.clip(cos, -1.0, 0.999))",
        "ops.arccos(1.5 * ops.tanh(cos))",
    ],
)
def test_knl108_flags(expr: str) -> None:
    assert codes(loss(expr, COSINE)) == ["KNL108"]


@pytest.mark.parametrize(
    "expr",
    [
        "ops.arccos(ops.clip(cos, -1.0 + EPS, 1.0 - EPS))",
        "ops.arccos(ops.clip(cos, -1 + K.epsilon(), 1 - K.epsilon()))",
        "tf.math.acos(tf.clip_by_value(cos, -0.9999, 0.9999))",
        "tf.math.acos(tf.clip_by_value(cos, clip_value_min=-0.9, clip_value_max=0.9))",
        "ops.arctanh(0.99 * ops.tanh(y_pred))",
        "ops.arccos(safe)",
        "np.arccos(cos)",  # NumPy: no gradient
        "ops.arccos(0.5) * ops.mean(y_pred)",  # a constant
        "tf.math.acos(y_true)",  # labels only: finite at +-1 and no gradient flows into them
        "ops.arccos(ops.clip(cos, lo, hi))",  # bounds the linter cannot read: silent
    ],
)
def test_knl108_clean(expr: str) -> None:
    prelude = COSINE + "\nsafe = ops.clip(cos, -1.0 + EPS, 1.0 - EPS)\nlo, hi = -1.0, 1.0"
    assert codes(loss(expr, prelude)) == []


def test_knl108_skips_metrics_and_layers() -> None:
    metric = """
    def angle_metric(y_true, y_pred):
        return ops.arccos(ops.sum(y_true * y_pred, axis=-1))

    model = keras.Sequential([keras.layers.Dense(3)])
    model.compile(loss="mse", metrics=[angle_metric])
    """
    layer = """
    class Angle(keras.layers.Layer):
        def call(self, inputs):
            return ops.arccos(inputs)
    """
    assert codes(metric) == [] and codes(layer) == []


def test_knl108_message_and_fix_use_the_files_api() -> None:
    from kerasnanlint.fix import fix_text

    body = loss("tf.reduce_mean(tf.math.acos(cos))", "cos = tf.reduce_sum(y_true * y_pred, -1)")
    [d] = lint(body)
    assert "tf.acos(tf.clip_by_value(cos, -1.0 + K.epsilon(), 1.0 - K.epsilon()))" in str(d.help)
    assert d.fix is not None and str(d.fix.applicability) == "unsafe"
    source = HEADER + "\n" + textwrap.dedent(body)
    fixed = fix_text(source, None, Settings(select=("KNL108",)), path="example.py", unsafe=True)
    assert "tf.math.acos(tf.clip_by_value(cos, -1.0 + K.epsilon(), 1.0 - K.epsilon()))" in (fixed.text)
    assert lint_source(fixed.text, "example.py", Settings(select=("KNL108",))) == []
