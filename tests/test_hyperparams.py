"""KNL401-KNL405: hp declarations, where their values flow, thresholds from the settings."""

from __future__ import annotations

import textwrap

from kerasnanlint.config import THRESHOLDS, Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source


def lint(source: str, settings: Settings | None = None) -> list[Diagnostic]:
    return lint_source(textwrap.dedent(source), "t.py", settings or Settings())


def found(source: str, settings: Settings | None = None) -> list[tuple[str, int]]:
    return sorted((d.rule, d.line) for d in lint(source, settings) if d.rule.startswith("KNL4"))


def messages(source: str, code: str) -> list[str]:
    return [d.message for d in lint(source) if d.rule == code]


def helps(source: str, code: str) -> list[str]:
    return [str(d.help) for d in lint(source) if d.rule == code]


def with_thresholds(**values: float) -> Settings:
    thresholds = {k: v[0] for k, v in THRESHOLDS.items()}
    thresholds.update({k.replace("_", "-"): v for k, v in values.items()})
    return Settings().with_(thresholds=tuple(thresholds.items()))


SEED_LIKE = """
import keras
from keras_tuner import RandomSearch

def build_model(hp):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-2)), loss="mse")
    return model

tuner = RandomSearch(build_model, objective="val_loss", overwrite=True)
"""


def test_knl401_threshold_is_configurable() -> None:
    assert found(SEED_LIKE) == [("KNL401", 7)]
    assert found(SEED_LIKE, with_thresholds(lr_decade_ratio=1000)) == []


def test_knl401_hp_in_a_helper_without_keras_tuner_import() -> None:
    src = """
    import keras

    def make_optimizer(hp):
        return keras.optimizers.SGD(hp.Float("sgd_rate", 0.001, 0.1))

    def other(config):
        return config.Float("lr", 0.001, 0.1)  # not an hp object: config is not named like one
    """
    assert found(src) == [("KNL401", 5)]


def test_knl401_reverse_log_and_int_are_not_linear_float() -> None:
    src = """
    import keras
    import keras_tuner as kt

    def build(hp):
        lr = hp.Float("lr", 1e-4, 1e-1, sampling="reverse_log")
        units = hp.Int("lr_units", 1, 100)
        model = keras.Sequential([keras.layers.Dense(units)])
        model.compile(optimizer=keras.optimizers.Adam(lr), loss="mse")
        return model
    """
    assert found(src) == []


def test_knl402_ceilings_per_optimizer_and_configurable() -> None:
    src = """
    import keras
    import keras_tuner as kt

    def build(hp):
        lr = hp.Float("lr", 1e-3, 0.3, sampling="log")
        model = keras.Sequential([keras.layers.Dense(1)])
        if hp.Choice("opt", ["sgd", "adam"]) == "sgd":
            optimizer = keras.optimizers.SGD(lr)
        else:
            optimizer = keras.optimizers.Adam(learning_rate=lr)
        model.compile(optimizer=optimizer, loss="mse")
        return model

    tuner = kt.RandomSearch(build, objective="val_loss", overwrite=True)
    """
    (d,) = [d for d in lint(src) if d.rule == "KNL402"]
    assert d.line == 6 and "with Adam" in d.message and "0.1" in d.message
    assert found(src, with_thresholds(lr_ceiling_adaptive=0.5)) == []


def test_knl402_literal_through_a_local_and_legacy_lr_keyword() -> None:
    src = """
    import tensorflow as tf

    rate = 2.0
    opt = tf.keras.optimizers.SGD(learning_rate=rate)
    old = tf.keras.optimizers.RMSprop(lr=0.5)
    fine = tf.keras.optimizers.Adadelta(1.0)
    """
    assert found(src) == [("KNL402", 5), ("KNL402", 6)]


def test_knl403_module_level_hyperparameters_object() -> None:
    src = """
    import keras_tuner as kt

    hp = kt.HyperParameters()
    hp.Float("lr", 0, 1e-2, sampling="LOG")
    hp.Float("lr2", 1e-4, 1e-2, sampling="logarithmic")
    hp.Choice("act", ["relu", "tanh"], default="gelu")
    hp.Choice("empty", [])
    hp.Int("n", 1, 10, step=0.5)
    """
    assert found(src) == [("KNL403", 5), ("KNL403", 6), ("KNL403", 7), ("KNL403", 8), ("KNL403", 9)]


def test_knl404_gaussian_dropout_and_rates_above_one() -> None:
    src = """
    import keras
    import keras_tuner as kt

    def build(hp):
        noise = hp.Float("noise", 0.1, 1.0)
        model = keras.Sequential([keras.layers.GaussianDropout(noise), keras.layers.Dropout(rate=1.5)])
        return model
    """
    msgs = {d.line: str(d.help) for d in lint(src) if d.rule == "KNL404"}
    assert set(msgs) == {6, 7}
    assert "divides by zero" in msgs[6]
    assert "ValueError" in msgs[7]


def test_knl405_shared_space_of_a_hypermodel_class() -> None:
    src = """
    import keras
    import keras_tuner as kt

    class HM(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.layers.Dense(hp.Int("batch_size", 16, 64, step=16))])
            model.compile(optimizer="adam", loss="mse")
            return model

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32, 64]), **kwargs)

    def build_a(hp):
        return hp.Int("units", 8, 16)

    def build_b(hp):
        return hp.Int("units", 32, 64)  # another hypermodel: another space
    """
    assert found(src) == [("KNL405", 12)]


def test_knl405_parent_name_and_unknown_bounds() -> None:
    src = """
    import keras_tuner as kt

    def build(hp, limit):
        hp.Int("units", 8, 16)
        hp.Int("units", 32, 64, parent_name="kind", parent_values=["big"])
        hp.Int("units", 8, limit)
    """
    assert found(src) == []


def test_knl403_choice_values_must_be_scalars_also_when_computed() -> None:
    src = """
    import keras_tuner as kt

    hp = kt.HyperParameters()
    hp.Choice("shape", [[32, 32], [64, 64]])
    hp.Choice("pair", [(1, 2), (3, 4)])
    hp.Choice("cfg", [{"a": 1}])
    hp.Choice("none", [None])
    hp.Choice("sizes", [[n, n] for n in range(1, 4)])
    hp.Choice("mixed", [n / 2 if False else n for n in [1, 2]] + [0.5])
    hp.Choice("units", [2 ** i for i in range(4, 8)])
    hp.Choice("steps", list(range(1, 10, 2)))
    hp.Choice("half", [n / 2 for n in range(1, 4)])
    hp.Choice("bools", [True, False])
    hp.Choice("n", [1, 2], default=1.5)
    hp.Choice("dyn", [n for n in sizes])
    """
    assert found(src) == [("KNL403", n) for n in (5, 6, 7, 8, 9)]
    assert "TypeError" in helps(src, "KNL403")[0]


def test_knl403_reads_of_undeclared_hyperparameters() -> None:
    src = """
    import keras
    import keras_tuner as kt

    def build(hp):
        units = hp.Int("units", 8, 64)
        model = keras.Sequential([keras.layers.Dense(units), keras.layers.Dense(hp["units"])])
        model.compile(optimizer=keras.optimizers.Adam(hp["lr"]), loss="mse")
        return model

    class Model(kt.HyperModel):
        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.get("batch_size"), **kwargs)
    """
    assert found(src) == [("KNL403", 8), ("KNL403", 13)]
    assert "KeyError: 'lr does not exist.'" in helps(src, "KNL403")[0]
    unknown = src.replace('hp.Int("units"', "hp.Int(name_from_config")
    assert found(unknown) == []


def test_knl402_ceiling_per_family_and_inclusiveness() -> None:
    src = """
    import keras

    a = keras.optimizers.Adam(lr=0.1)
    b = keras.optimizers.RMSprop(learning_rate=0.1)
    c = keras.optimizers.Adam(0.09)
    d = keras.optimizers.SGD(0.5)
    e = keras.optimizers.SGD(0.6)
    f = keras.optimizers.Adagrad(0.5)
    g = keras.optimizers.Adagrad(1.0)
    h = keras.optimizers.Lion(0.01)
    i = keras.optimizers.Lion(0.03)
    j = keras.optimizers.Adadelta(1.0)
    """
    assert found(src) == [("KNL402", n) for n in (4, 5, 8, 10, 12)]
    msgs = messages(src, "KNL402")
    assert "at or above the 0.1 accepted for Adam-like" in msgs[0]
    assert "above the 0.5 accepted for SGD-family" in msgs[2]
    assert "above the 0.01 accepted for Lion" in msgs[4]


def test_knl402_a_range_top_at_the_ceiling_is_accepted_a_choice_is_not() -> None:
    src = """
    import keras

    def build(hp):
        a = keras.optimizers.Adam(hp.Float("lr", 1e-4, 0.1, sampling="log"))
        b = keras.optimizers.Adam(hp.Choice("lr2", [1e-3, 1e-2, 0.1]))
        return a, b
    """
    assert found(src) == [("KNL402", 6)]
