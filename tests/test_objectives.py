"""KNL301-KNL305 on small programs: import spellings, hypermodel forms, search binding, silence on unknowns."""

from __future__ import annotations

import textwrap

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source

BUILD = """
def build_model(hp):
    model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 32, step=8)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""


def lint(source: str) -> list[Diagnostic]:
    return lint_source(textwrap.dedent(source), "t.py", Settings())


def found(source: str, prefix: str = "KNL3") -> list[tuple[str, int]]:
    return sorted((d.rule, d.line) for d in lint(source) if d.rule.startswith(prefix))


def messages(source: str, rule: str) -> list[str]:
    return [d.message for d in lint(source) if d.rule == rule]


def helps(source: str, rule: str) -> list[str]:
    return [str(d.help) for d in lint(source) if d.rule == rule]


def test_import_spellings_resolve_to_tuners() -> None:
    for header, ctor in [
        ("import keras\nimport keras_tuner as kt", "kt.RandomSearch"),
        ("import keras\nimport kerastuner as kt", "kt.RandomSearch"),
        ("from tensorflow import keras\nfrom keras_tuner import RandomSearch", "RandomSearch"),
        (
            "import tensorflow as tf\nfrom tensorflow import keras\nfrom keras_tuner.tuners import Hyperband",
            "Hyperband",
        ),
        ("import keras\nimport keras_tuner", "keras_tuner.tuners.BayesianOptimization"),
    ]:
        src = f"{header}\n{BUILD}\ntuner = {ctor}(build_model, objective='val_acc')\n"
        assert ("KNL304", len(src.splitlines())) in found(src), header
        assert any(r == "KNL301" for r, _ in found(src)), header


def test_tf_keras_spelling_inside_the_hypermodel() -> None:
    src = """
    import tensorflow as tf
    import keras_tuner as kt

    def build(hp):
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(optimizer=tf.keras.optimizers.Adam(hp.Float("lr", 1e-4, 1e-1)), loss="mse",
                      metrics=[tf.keras.metrics.AUC()])
        return model

    tuner = kt.RandomSearch(build, objective="val_acc", overwrite=True)
    """
    (msg,) = messages(src, "KNL301")
    assert '"val_auc"' in msg
    assert found(src, "KNL401") == [("KNL401", 7)]


def test_objective_spelling_follows_the_imports() -> None:
    base = f"{BUILD}\ntuner = RS(build_model, objective='val_custom', overwrite=True)\n"
    by_name = "import keras\nfrom keras_tuner import RandomSearch as RS, Objective\n" + base
    aliased = "import keras\nimport keras_tuner as kt\nRS = kt.RandomSearch\n" + base.replace("RS(", "kt.RandomSearch(")
    (m1,) = helps(by_name, "KNL303")
    (m2,) = helps(aliased, "KNL303")
    assert '`Objective("val_custom", direction="max")`' in m1
    assert '`kt.Objective("val_custom", direction="max")`' in m2


def test_hypermodel_subclass_and_keyword_hypermodel() -> None:
    src = """
    import keras
    import keras_tuner as kt

    class MyHyperModel(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.RootMeanSquaredError()])
            return model

    tuner = kt.BayesianOptimization(hypermodel=MyHyperModel(), objective=kt.Objective("val_rmse", "min"),
                                    overwrite=True)
    """
    (msg,) = messages(src, "KNL301")
    assert 'did you mean "val_root_mean_squared_error"' in msg


def test_custom_fit_or_run_trial_silences_log_rules() -> None:
    src = """
    import keras
    import keras_tuner as kt
    import numpy as np

    class WithFit(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse", metrics=["mae"])
            return model

        def fit(self, hp, model, *args, **kwargs):
            return {"val_score": 1.0}

    class MyTuner(kt.RandomSearch):
        def run_trial(self, trial, *args, **kwargs):
            return {"val_score": 1.0}

    x = np.zeros((4, 1))
    a = kt.RandomSearch(WithFit(), objective=kt.Objective("val_score", "max"), overwrite=True)
    a.search(x, x)
    b = MyTuner(WithFit().build, objective=kt.Objective("val_score", "max"), overwrite=True)
    b.search(x, x)
    """
    assert found(src) == []


def test_user_tuner_subclass_still_gets_knl304() -> None:
    src = f"""
    import keras
    import keras_tuner as kt
    {textwrap.indent(BUILD, "    ").strip()}

    class MyTuner(kt.Hyperband):
        def on_epoch_end(self, *args, **kwargs):
            pass

    tuner = MyTuner(build_model, objective="val_accuracy", max_epochs=3)
    """
    src = textwrap.dedent(src)
    msgs = [d.message for d in lint_source(src, "t.py", Settings()) if d.rule == "KNL304"]
    assert len(msgs) == 1 and msgs[0].startswith("MyTuner is created")


def test_oracle_objective_of_a_base_tuner() -> None:
    src = f"""import keras
import keras_tuner as kt
{BUILD}
tuner = kt.Tuner(
    oracle=kt.oracles.RandomSearchOracle(objective="val_f1_score", max_trials=3),
    hypermodel=build_model,
    overwrite=True,
)
"""
    assert [r for r, _ in found(src)] == ["KNL301", "KNL303"]


def test_objective_through_a_variable_and_search_binding() -> None:
    src = f"""import keras
import keras_tuner as kt
import numpy as np
{BUILD}
x = np.zeros((4, 1))
objective = "val_accuracy"
tuner = kt.RandomSearch(build_model, objective=objective, overwrite=True)
tuner.search(x, x, validation_split=0.2, callbacks=[keras.callbacks.TerminateOnNaN()])
tuner = kt.RandomSearch(build_model, objective="loss", overwrite=True)
tuner.search(x, x)
kt.RandomSearch(build_model, objective=objective, overwrite=True).search(x, x)
"""
    # The second tuner (loss) owns the second search: no KNL302/KNL305 there; the chained search has neither.
    assert found(src) == [("KNL302", 16), ("KNL305", 16)]


def test_list_objectives() -> None:
    src = f"""import keras
import keras_tuner as kt
import numpy as np
{BUILD}
x = np.zeros((4, 1))
tuner = kt.RandomSearch(build_model, objective=["val_loss", "val_acc"], overwrite=True)
tuner.search(x, x, validation_data=(x, x))
"""
    # val_acc is not logged (KNL301); a loss among the objectives keeps NaN visible (no KNL305)
    assert found(src) == [("KNL301", 11)]


def test_knl302_variants() -> None:
    src = f"""import keras
import keras_tuner as kt
import numpy as np
{BUILD}
x = np.zeros((4, 1))
tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
tuner.search(x, x, validation_data=None)
tuner.search(x, x, validation_split=split)
tuner.search(x, x, validation_data=(x, x), validation_freq=[1, 2])
"""
    assert found(src) == [("KNL302", 12)]


def test_knl302_validation_split_on_data_keras_cannot_split() -> None:
    src = f"""import keras
import keras_tuner as kt
import numpy as np
import tensorflow as tf
{BUILD}
class Batches(keras.utils.PyDataset):
    pass

def gen():
    yield np.zeros((4, 1)), np.zeros((4, 1))

x = np.zeros((4, 1))
ds = tf.data.Dataset.from_tensor_slices((x, x))
tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
tuner.search(ds.shuffle(4).batch(2), validation_split=0.2)
tuner.search(Batches(), validation_split=0.2)
tuner.search(gen(), validation_split=0.2)
tuner.search((b for b in [x]), validation_split=0.2)
tuner.search(keras.preprocessing.image.ImageDataGenerator().flow(x, x), validation_split=0.1)
tuner.search(keras.utils.image_dataset_from_directory("d"), validation_split=0.1)
tuner.search(x, x, validation_split=0.2)
tuner.search(ds, validation_split=0.2, validation_data=ds)
tuner.search(loader(), validation_split=0.2)
"""
    assert found(src) == [("KNL302", n) for n in range(20, 26)]
    assert "ValueError" in helps(src, "KNL302")[0]


def test_knl303_reports_the_objective_argument() -> None:
    src = f"""import keras
import keras_tuner as kt
{BUILD}
tuner = kt.RandomSearch(build_model, objective=kt.Objective("val_accuracy", direction="Max"), overwrite=True)
"""
    (d,) = [d for d in lint(src) if d.rule == "KNL303"]
    assert src.splitlines()[d.line - 1][d.col - 1 :].startswith("kt.Objective(")
    assert 'kt.Objective("val_accuracy", direction="max")' in str(d.help)


def test_knl304_silences() -> None:
    src = f"""import keras
import keras_tuner as kt
import uuid
{BUILD}
kt.RandomSearch(build_model, objective="val_loss", overwrite=flag)
kt.RandomSearch(build_model, objective="val_loss", project_name=str(uuid.uuid4()))
"""
    assert found(src, "KNL304") == []


def test_knl305_callbacks_unknown_or_custom() -> None:
    src = f"""import keras
import keras_tuner as kt
import numpy as np
from keras.callbacks import TerminateOnNaN
{BUILD}
x = np.zeros((4, 1))
cbs = [TerminateOnNaN()]
tuner = kt.RandomSearch(build_model, objective="val_accuracy", overwrite=True)
tuner.search(x, x, validation_split=0.2, callbacks=cbs)
tuner.search(x, x, validation_split=0.2, callbacks=get_callbacks())
tuner.search(x, x, validation_split=0.2, callbacks=[early, keras.callbacks.EarlyStopping()])
tuner.search(x, x, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping()])
"""
    assert found(src, "KNL305") == [("KNL305", 17)]


def test_unknown_hypermodel_stays_silent() -> None:
    src = """
    import keras
    import keras_tuner as kt
    import numpy as np
    from models import build_model

    x = np.zeros((4, 1))
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", overwrite=True)
    tuner.search(x, x)
    """
    assert found(src) == []


def test_oracles_spelled_like_tuners_are_oracles() -> None:
    src = f"""import keras
import keras_tuner as kt
{BUILD}
oracle = kt.oracles.Hyperband(objective=kt.Objective("loss", "max"), max_epochs=3)
tuner = kt.Tuner(oracle=oracle, hypermodel=build_model, overwrite=True)
other = kt.oracles.BayesianOptimization(objective="val_custom", max_trials=3)
"""
    # No KNL304 on the oracles; the objectives are still checked (backwards "loss", uninferable "val_custom").
    assert found(src) == [("KNL303", 9), ("KNL303", 11)]


def test_knl304_silent_when_the_folder_is_fresh_every_run() -> None:
    head = f"""import os
import pathlib
import uuid
import keras
import keras_tuner as kt
{BUILD}
"""
    fresh = [
        'def test_search(tmp_path):\n    t = kt.RandomSearch(build_model, objective="loss", directory=tmp_path)\n',
        'def test_search(tmpdir):\n    t = kt.RandomSearch(build_model, objective="loss", directory=str(tmpdir))\n',
        'def test_s(tmp_path):\n    d = tmp_path / "kt"\n'
        '    t = kt.RandomSearch(build_model, objective="loss", directory=d)\n',
        't = kt.RandomSearch(build_model, objective="loss", project_name=str(uuid.uuid4()))\n',
        "class T:\n    def test(self):\n"
        '        kt.RandomSearch(build_model, objective="loss", directory=self.get_temp_dir())\n',
        "\n",
        'if not os.path.exists("runs/p"):\n    t = kt.RandomSearch(build_model, objective="loss", directory="runs")\n',
        'if pathlib.Path("runs").is_dir():\n    pass\nelse:\n    t = kt.RandomSearch(build_model, objective="loss")\n',
    ]
    for body in fresh:
        assert found(head + body, "KNL304") == [], body
    stale = [
        'tmp_path = "runs"\nt = kt.RandomSearch(build_model, objective="loss", directory=tmp_path)\n',
        'if os.path.exists("runs/p"):\n    t = kt.RandomSearch(build_model, objective="loss", directory="runs")\n',
    ]
    for body in stale:
        assert len(found(head + body, "KNL304")) == 1, body
