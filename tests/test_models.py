"""Model facts: outputs, activations, units, names and compile() losses (kerasnanlint/semantics/models.py)."""

from __future__ import annotations

import textwrap

import libcst as cst

from kerasnanlint.semantics import models as M
from kerasnanlint.semantics.module import ModuleFacts, collect

HEAD = "import keras\nimport tensorflow as tf\nfrom keras import layers\n"


def facts_of(body: str) -> ModuleFacts:
    return collect(cst.parse_module(HEAD + textwrap.dedent(body)))


def only_model(body: str) -> M.ModelInfo:
    found = M.models(facts_of(body))
    assert len(found) == 1, found
    return found[0]


def out_summary(model: M.ModelInfo) -> list[tuple[str, tuple[str, ...] | None, int | None]]:
    assert model.outputs is not None
    return [(o.kind, o.activation.names if o.activation else None, o.units) for o in model.outputs]


def test_functional_output_traced_through_rebound_names() -> None:
    model = only_model(
        """
        def build(hp):
            inputs = keras.Input(shape=(4,))
            x = layers.Dense(32, activation="relu")(inputs)
            x = layers.Dense(16, activation="relu")(x)
            outputs = layers.Dense(1, activation="sigmoid")(x)
            model = keras.Model(inputs=inputs, outputs=outputs)
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            return model
        """
    )
    assert model.kind == "functional" and model.variable == "model"
    assert out_summary(model) == [("Dense", ("sigmoid",), 1)]
    [comp] = model.compiles
    [loss] = comp.losses or []
    assert (loss.name, loss.kind, loss.from_logits, loss.crossentropy) == (
        "binary_crossentropy",
        "builtin",
        False,
        True,
    )
    assert len(list(M.loss_pairs(model))) == 1


def test_sequential_list_and_add_chain() -> None:
    seq = only_model(
        """
        model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """
    )
    assert out_summary(seq) == [("Dense", ("softmax",), 3)]
    [loss] = seq.compiles[0].losses or []
    assert (loss.name, loss.from_logits) == ("categorical_crossentropy", True)
    assert loss.from_logits_arg is not None

    added = only_model(
        """
        def build(hp):
            model = keras.Sequential()
            for i in range(hp.Int("layers", 1, 3)):
                model.add(layers.Dense(32, activation="relu"))
            if hp.Boolean("dropout"):
                model.add(layers.Dropout(0.2))
            model.add(layers.Dense(10))
            model.add(layers.Activation("softmax"))
            model.compile(loss="sparse_categorical_crossentropy")
            return model
        """
    )
    assert out_summary(added) == [("Activation", ("softmax",), 10)]


def test_conditional_last_layer_is_unknown() -> None:
    model = only_model(
        """
        def build(hp):
            model = keras.Sequential([layers.Dense(8)])
            if hp.Boolean("head"):
                model.add(layers.Dense(1, activation="sigmoid"))
            return model
        """
    )
    assert model.outputs is None


def test_output_bound_in_a_branch_is_unknown() -> None:
    model = only_model(
        """
        def build(hp):
            inputs = keras.Input((3,))
            out = layers.Dense(1, activation="sigmoid")(inputs)
            if hp.Boolean("linear"):
                out = layers.Dense(1)(inputs)
            return keras.Model(inputs, out)
        """
    )
    assert model.outputs is None


def test_activation_spellings() -> None:
    model = only_model(
        """
        import keras_tuner as kt
        from tensorflow.keras.activations import sigmoid

        def build(hp):
            i = keras.Input((3,))
            a = layers.Dense(1, activation=sigmoid, name="a")(i)
            b = layers.Dense(4, activation=tf.nn.softmax, name="b")(i)
            c = layers.Dense(1, activation=None, name="c")(i)
            d = layers.Dense(1, name="d")(i)
            e = layers.Dense(2, activation=hp.Choice("act", ["relu", "sigmoid"]), name="e")(i)
            act = hp.Choice("act2", values=["linear", "tanh"])
            f = layers.Dense(1, activation=act, name="f")(i)
            g = keras.activations.sigmoid(layers.Dense(1, name="g_logits")(i))
            h = layers.Softmax()(layers.Dense(5)(i))
            return keras.Model(i, [a, b, c, d, e, f, g, h])
        """
    )
    assert out_summary(model) == [
        ("Dense", ("sigmoid",), 1),
        ("Dense", ("softmax",), 4),
        ("Dense", ("linear",), 1),
        ("Dense", ("linear",), 1),
        ("Dense", ("relu", "sigmoid"), 2),
        ("Dense", ("linear", "tanh"), 1),
        ("function", ("sigmoid",), 1),
        ("Softmax", ("softmax",), 5),
    ]
    assert model.outputs is not None
    assert model.outputs[4].activation is not None and model.outputs[4].activation.choice == "act"
    assert model.outputs[3].activation is not None and not model.outputs[3].activation.explicit
    assert model.output_form == "list"
    assert model.output_names == ["a", "b", "c", "d", "e", "f", None, None]


def test_unknown_activation_is_none() -> None:
    model = only_model(
        """
        def build(hp, activation):
            i = keras.Input((3,))
            return keras.Model(i, layers.Dense(1, activation=activation)(i))
        """
    )
    assert out_summary(model) == [("Dense", None, 1)]


def test_dict_outputs_and_per_output_losses() -> None:
    model = only_model(
        """
        i = keras.Input((3,))
        species = layers.Dense(3, activation="softmax", name="species_head")(i)
        size = layers.Dense(1, name="size_head")(i)
        model = keras.Model(i, {"species": species, "size": size})
        model.compile(loss={"species": "sparse_categorical_crossentropy", "size": "mse"})
        """
    )
    assert model.output_form == "dict"
    assert model.output_names == ["species", "size"]  # Keras 3 uses the dict keys for losses and metrics
    pairs = [(o.key, loss.name) for o, loss, _ in M.loss_pairs(model)]
    assert pairs == [("species", "sparse_categorical_crossentropy"), ("size", "mse")]


def test_list_losses_pair_by_position() -> None:
    model = only_model(
        """
        i = keras.Input((3,))
        a = layers.Dense(1, activation="sigmoid", name="a")(i)
        b = layers.Dense(1, name="b")(i)
        model = keras.Model(i, [a, b])
        model.compile(loss=["binary_crossentropy", keras.losses.MeanSquaredError()])
        """
    )
    pairs = [(o.name, loss.name, loss.index) for o, loss, _ in M.loss_pairs(model)]
    assert pairs == [("a", "binary_crossentropy", 0), ("b", "mean_squared_error", 1)]


def test_loss_spellings() -> None:
    model = only_model(
        """
        from keras.losses import binary_crossentropy

        def my_loss(y_true, y_pred):
            return y_pred

        LOSS = keras.losses.BinaryCrossentropy(True)
        i = keras.Input((3,))
        model = keras.Model(i, layers.Dense(1)(i))
        model.compile(loss="bce")
        model.compile(loss=binary_crossentropy)
        model.compile(loss=LOSS)
        model.compile(loss=keras.losses.BinaryFocalCrossentropy(from_logits=hp_flag))
        model.compile(loss=my_loss)
        model.compile(loss=lambda y, p: p)
        model.compile(loss=keras.losses.get("categorical_crossentropy"))
        model.compile("adam", "sparse_categorical_crossentropy")
        model.compile(loss=unknown_thing)
        """
    )
    got = [(c.losses or [])[0] for c in model.compiles]
    assert [(g.name, g.kind, g.from_logits) for g in got] == [
        ("binary_crossentropy", "builtin", False),
        ("binary_crossentropy", "builtin", False),
        ("binary_crossentropy", "builtin", True),
        ("binary_focal_crossentropy", "builtin", None),
        (None, "custom", None),
        (None, "custom", None),
        ("categorical_crossentropy", "builtin", False),
        ("sparse_categorical_crossentropy", "builtin", False),
        (None, "unknown", None),
    ]


def test_compile_in_caller_of_a_model_building_function() -> None:
    facts = facts_of(
        """
        def make():
            return keras.Sequential([layers.Dense(1, activation="sigmoid")])

        def build(hp):
            model = make()
            model.compile(loss="binary_crossentropy")
            return model
        """
    )
    [model] = M.models(facts)
    assert model.scope.name == "make" and model.variable is None
    assert [c.losses[0].name for c in model.compiles if c.losses] == ["binary_crossentropy"]
    assert M.models_in(facts, facts.functions_named("build")[0]) == []


def test_model_handed_to_helper_is_opaque() -> None:
    model = only_model(
        """
        def build(hp):
            model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
            add_head(model)
            return model
        """
    )
    assert model.outputs is None


def test_models_built_by_hypermodel_function_and_class() -> None:
    facts = facts_of(
        """
        import keras_tuner as kt

        def build_model(hp):
            model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            return model

        class MyHyperModel(kt.HyperModel):
            def build(self, hp):
                model = keras.Sequential([layers.Dense(2, activation="softmax")])
                return model

        tuner = kt.RandomSearch(build_model, objective="val_loss")
        tuner2 = kt.RandomSearch(MyHyperModel(), objective="val_loss")
        """
    )
    scope = facts.module_scope
    fn = M.models_built_by(facts, cst.Name("build_model"), scope)
    assert fn is not None and len(fn) == 1 and fn[0].scope.name == "build_model"
    cls = M.models_built_by(facts, cst.parse_expression("MyHyperModel()"), scope)
    assert cls is not None and len(cls) == 1 and cls[0].scope.name == "build"
    assert M.models_built_by(facts, cst.Name("elsewhere"), scope) is None


def test_model_of_resolves_receivers() -> None:
    facts = facts_of(
        """
        model = keras.Sequential([layers.Dense(1)])
        other = something()
        """
    )
    [model] = M.models(facts)
    assert M.model_of(facts, cst.Name("model"), facts.module_scope) is model
    assert M.model_of(facts, cst.Name("other"), facts.module_scope) is None


def test_main_guard_and_with_blocks_run_in_order() -> None:
    model = only_model(
        """
        if __name__ == "__main__":
            strategy = tf.distribute.MirroredStrategy()
            with strategy.scope():
                model = keras.Sequential([layers.Dense(4), layers.Dense(1, activation="sigmoid", dtype="float32")])
            model.compile(loss="binary_crossentropy")
        """
    )
    assert out_summary(model) == [("Dense", ("sigmoid",), 1)]
    assert model.outputs is not None and model.outputs[0].dtype is not None
    assert len(model.compiles) == 1


def test_no_models_in_files_without_constructors() -> None:
    assert M.models(facts_of("x = layers.Dense(1)\n")) == []


def test_unusual_syntax_does_not_break_the_walk() -> None:
    facts = facts_of(
        """
        import keras_tuner as kt

        async def train(ds):
            async with ctx() as (a, b):
                pass
            async for batch in ds:
                pass

        def build(hp, *args, **kwargs):
            global G
            (n := 3)
            first, *rest = [1, 2, 3]
            match hp:
                case {"head": head}:
                    model = keras.Sequential([layers.Dense(1, activation=head)])
                case _:
                    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
            try:
                extra = layers.Dense(2)
            except* ValueError as err:
                extra = None
            finally:
                pass
            while False:
                model = None
            else:
                pass
            model.compile(loss=[*losses], **kwargs)
            return model

        class Head(keras.Model):
            seq = keras.Sequential(layers=LAYERS)
            f = lambda self: keras.Sequential([layers.Dense(1)])
        """
    )
    found = M.models(facts)
    assert len(found) == 2  # the two match arms; class bodies and lambdas are not read
    for model in found:
        assert model.outputs is None or all(o.activation is None or o.activation.names for o in model.outputs)
    build = facts.functions_named("build")[0]
    assert M.model_of(facts, cst.Name("model"), build) is None  # bound in two branches: unknown


def test_star_kwargs_make_activation_and_dtype_unknown() -> None:
    model = only_model(
        """
        cfg = {"activation": "sigmoid", "dtype": "float32"}
        model = keras.Sequential([keras.Input((3,)), layers.Dense(1, **cfg)])
        """
    )
    assert out_summary(model) == [("Dense", None, 1)]
    assert model.outputs is not None and model.outputs[0].dtype is M.STARRED
