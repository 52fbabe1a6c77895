"""KNL201-KNL206: output activation vs loss, single-unit softmax, mixed-precision output."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kerasnanlint.config import Settings, load_settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source

ROOT = Path(__file__).resolve().parent.parent
HEAD = "import keras\nimport tensorflow as tf\nfrom keras import layers\n"
CODES = ("KNL201", "KNL202", "KNL203", "KNL204", "KNL205", "KNL206")


ALL = Settings(extend_select=("KNL206",))  # KNL206 is opt-in


def lint(body: str) -> list[Diagnostic]:
    return [d for d in lint_source(HEAD + textwrap.dedent(body), "t.py", ALL) if d.rule in CODES]


def codes(body: str) -> list[str]:
    return sorted(d.rule for d in lint(body))


def model_with(head: str, loss: str, units: int = 1) -> str:
    return f"""
    def build(hp):
        inputs = keras.Input(shape=(4,))
        x = layers.Dense(8, activation="relu")(inputs)
        outputs = layers.Dense({units}{head})(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss={loss})
        return model
    """


@pytest.mark.parametrize(
    ("head", "loss", "units", "want"),
    [
        (', activation="sigmoid"', '"binary_crossentropy"', 1, ["KNL206"]),
        (', activation="sigmoid"', "keras.losses.BinaryCrossentropy(from_logits=True)", 1, ["KNL201"]),
        (', activation="sigmoid"', "keras.losses.BinaryCrossentropy(from_logits=False)", 1, ["KNL206"]),
        (', activation="softmax"', '"categorical_crossentropy"', 3, ["KNL206"]),
        (', activation="softmax"', "tf.keras.losses.SparseCategoricalCrossentropy(True)", 3, ["KNL201"]),
        (', activation="softmax"', '"binary_crossentropy"', 3, ["KNL204"]),
        (', activation="sigmoid"', '"categorical_crossentropy"', 1, ["KNL204"]),
        (', activation="sigmoid"', '"sparse_categorical_crossentropy"', 1, ["KNL204"]),
        (', activation="relu"', '"binary_crossentropy"', 1, ["KNL204"]),
        (', activation="tanh"', "keras.losses.BinaryFocalCrossentropy()", 1, ["KNL204"]),
        ("", '"binary_crossentropy"', 1, ["KNL202"]),
        (", activation=None", "keras.losses.CategoricalCrossentropy()", 3, ["KNL202"]),
        (', activation="linear"', '"bce"', 1, ["KNL202"]),
        (', activation="softmax"', '"binary_crossentropy"', 1, ["KNL203"]),  # KNL203 says it all
        (", activation=keras.activations.sigmoid", '"binary_crossentropy"', 1, ["KNL206"]),
        (", activation=tf.nn.softmax", "keras.losses.CategoricalCrossentropy(from_logits=True)", 4, ["KNL201"]),
    ],
)
def test_activation_loss_pairs(head: str, loss: str, units: int, want: list[str]) -> None:
    assert codes(model_with(head, loss, units)) == want


@pytest.mark.parametrize(
    ("head", "loss", "units"),
    [
        ("", "keras.losses.BinaryCrossentropy(from_logits=True)", 1),  # the recommended form
        ("", '"mse"', 1),
        (', activation="relu"', '"mse"', 1),
        (', activation="sigmoid"', '"binary_crossentropy"', 5),  # multi-label: only the KNL206 info
        (', activation="relu"', "keras.losses.BinaryCrossentropy(from_logits=True)", 1),
        (', activation="sigmoid"', 'keras.losses.BinaryCrossentropy(from_logits=hp.Boolean("l"))', 1),
        (', activation="sigmoid"', "my_loss", 1),
        (', activation="sigmoid"', "lambda y, p: p", 1),
        (", activation=act_from_config", '"binary_crossentropy"', 1),
        (', activation="hard_sigmoid"', '"binary_crossentropy"', 1),
    ],
)
def test_silent_pairs(head: str, loss: str, units: int | str) -> None:
    found = [c for c in codes(model_with(head, loss, units)) if c != "KNL206"]  # type: ignore[arg-type]
    assert found == []


def test_knl206_message_is_exact_and_on_the_loss() -> None:
    [d] = lint(model_with(', activation="sigmoid"', "'binary_crossentropy'"))
    assert d.rule == "KNL206" and str(d.severity) == "info"
    assert d.line == 10 and d.col == 42  # the loss string, where a fix would rewrite it
    assert d.message == "sigmoid output feeds binary_crossentropy with from_logits=False"
    assert d.help == (
        "Keras clips predictions to [1e-7, 1-1e-7], so the built-in loss cannot be NaN by itself, and the TF backend"
        " even recovers the logits; on JAX/torch a saturated output gets a zero gradient, and any hand-rolled variant"
        " of the loss is NaN at 0 or 1; prefer a linear output with from_logits=True (and a sigmoid at inference)"
    )


def test_knl201_reports_on_the_loss_call() -> None:
    [d] = lint(model_with(', activation="sigmoid"', "keras.losses.BinaryCrossentropy(from_logits=True)"))
    assert d.rule == "KNL201" and d.line == 10 and d.col == 42
    assert d.message.endswith("expects logits but the output applies sigmoid")
    assert "TF backend silently uses the pre-sigmoid logits" in str(d.help)
    assert "JAX and torch" in str(d.help)


def test_hp_choice_names_the_risky_choices() -> None:
    found = lint(
        """
        def build(hp):
            model = keras.Sequential([
                keras.Input((4,)),
                layers.Dense(1, activation=hp.Choice("act", ["sigmoid", "relu", "linear", "elu"])),
            ])
            model.compile(loss="binary_crossentropy")
            return model
        """
    )
    by_rule = {d.rule: d.message for d in found}
    assert sorted(by_rule) == ["KNL202", "KNL204", "KNL206"]
    assert "hp.Choice('act') picks 'relu' or 'elu'" in by_rule["KNL204"]
    assert "hp.Choice('act') picks 'linear'" in by_rule["KNL202"]
    assert "hp.Choice('act') picks 'sigmoid'" in by_rule["KNL206"]


def test_sequential_add_chain_and_activation_layer() -> None:
    body = """
    def build(hp):
        model = keras.Sequential()
        model.add(keras.Input((4,)))
        for _ in range(hp.Int("n", 1, 3)):
            model.add(layers.Dense(16, activation="relu"))
        model.add(layers.Dense(1))
        model.add(layers.Activation("sigmoid"))
        model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
        return model
    """
    assert codes(body) == ["KNL201"]


def test_multi_output_dict_losses_pair_by_name() -> None:
    found = lint(
        """
        i = keras.Input((4,))
        species = layers.Dense(3, activation="softmax", name="species")(i)
        size = layers.Dense(1, name="size")(i)
        model = keras.Model(i, [species, size])
        model.compile(loss={"species": "binary_crossentropy", "size": "mse"})
        """
    )
    assert [d.rule for d in found] == ["KNL204"]
    assert "output `species`" in found[0].message


def test_unresolvable_models_stay_silent() -> None:
    assert (
        codes(
            """
            from mylib import make_model

            model = make_model()
            model.compile(loss="binary_crossentropy")

            def build(hp):
                model = keras.Sequential([layers.Dense(1)])
                extend(model)
                model.compile(loss="binary_crossentropy")
                return model
            """
        )
        == []
    )


def test_single_unit_softmax_anywhere_and_via_layers() -> None:
    found = lint(
        """
        UNITS = 1
        hidden = layers.Dense(UNITS, activation="softmax")
        def build(hp):
            i = keras.Input((4,))
            o = keras.activations.softmax(layers.Dense(1)(i))
            return keras.Model(i, o)
        """
    )
    assert [(d.rule, d.line) for d in found] == [("KNL203", 6), ("KNL203", 9)]


def test_mixed_precision_output() -> None:
    body = """
    keras.mixed_precision.set_global_policy(keras.mixed_precision.Policy("mixed_float16"))
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1{dtype})])
    """
    assert codes(body.format(dtype="")) == ["KNL205"]
    assert codes(body.format(dtype=', dtype="float32"')) == []
    assert codes(body.format(dtype=", dtype=tf.float32")) == []
    assert codes(body.format(dtype=', dtype="float16"')) == ["KNL205"]
    assert codes(body.replace("mixed_float16", "mixed_bfloat16").format(dtype="")) == []
    assert codes("model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])\n") == []


def test_seed_scripts_get_knl206_and_nothing_else_from_this_family() -> None:
    # KNL206 is opt-in; examples/pyproject.toml selects it.
    settings = load_settings(ROOT / "examples")
    for name in ("seed1_sigmoid_bce.py", "seed2_custom_metric.py", "seed3_constant_labels.py"):
        path = ROOT / "examples" / name
        found = [d for d in lint_source(path.read_bytes(), str(path), settings) if d.rule in CODES]
        assert [d.rule for d in found] == ["KNL206"], name
        assert not [d for d in lint_source(path.read_bytes(), str(path), Settings()) if d.rule == "KNL206"]


def test_single_unit_softmax_with_categorical_loss_is_only_knl203() -> None:
    assert codes(model_with(', activation="softmax"', '"categorical_crossentropy"', 1)) == ["KNL203"]


def test_choice_values_through_a_local_list() -> None:
    body = """
    def build(hp):
        heads = ["sigmoid", "linear"]
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation=hp.Choice("head", heads))])
        model.compile(loss="binary_crossentropy")
        return model
    """
    assert codes(body) == ["KNL202", "KNL206"]


@pytest.mark.parametrize(
    ("head", "loss", "units", "metrics", "want"),
    [
        (', activation="sigmoid"', '"categorical_crossentropy"', 5, "", ["KNL204"]),
        (', activation="sigmoid"', '"sparse_categorical_crossentropy"', 5, "", ["KNL204"]),
        (', activation="sigmoid"', '"categorical_crossentropy"', "n_classes", "", ["KNL204"]),
        (', activation="softmax"', '"binary_crossentropy"', "n_classes", "", ["KNL204"]),
        (', activation="softmax"', '"mse"', 4, "", ["KNL204"]),
        (', activation="softmax"', "keras.losses.MeanAbsoluteError()", 4, "", ["KNL204"]),
        (', activation="softmax"', "keras.losses.Huber()", "n_classes", "", ["KNL204"]),
        (', activation="sigmoid"', '"mean_squared_logarithmic_error"', 1, ', metrics=["accuracy"]', ["KNL204"]),
        # near misses: a sigmoid regression head, a linear regression, a softmax of one unit (KNL203's)
        (', activation="sigmoid"', '"mse"', 1, "", []),
        (', activation="sigmoid"', '"mse"', 3, ', metrics=["mae"]', []),
        ("", '"mse"', 3, ', metrics=["accuracy"]', []),
        (', activation="relu"', '"mae"', 1, "", []),
        (', activation="sigmoid"', '"binary_crossentropy"', "n_classes", "", ["KNL206"]),
    ],
)
def test_loss_activation_variants(head: str, loss: str, units: object, metrics: str, want: list[str]) -> None:
    body = model_with(head, loss, units).replace("loss=" + loss + ")", f"loss={loss}{metrics})")  # type: ignore[arg-type]
    assert codes("n_classes = 4\n" + textwrap.dedent(body)) == want


@pytest.mark.parametrize(
    "output",
    [
        'layers.TimeDistributed(layers.Dense(5, activation="sigmoid"))(x)',
        'layers.TimeDistributed(layer=layers.Dense(5, activation="sigmoid"))(x)',
        'layers.Activation("sigmoid")(layers.Dense(5)(x))',
        'layers.Activation("sigmoid")(layers.TimeDistributed(layers.Dense(5))(x))',
    ],
)
def test_output_found_through_wrappers_and_activation_layers(output: str) -> None:
    body = f"""
    inputs = keras.Input(shape=(10, 4))
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(inputs)
    outputs = {output}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    """
    assert codes(body) == ["KNL204"]


def test_bidirectional_rnn_output_is_unknown() -> None:
    body = """
    inputs = keras.Input(shape=(10, 4))
    outputs = layers.Bidirectional(layers.LSTM(8))(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    """
    assert codes(body) == []
