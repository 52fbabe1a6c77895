"""The target Keras generation: declared, configured or signalled, and what it changes (the old "acc" naming)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from kerasnanlint.config import ConfigError, Settings, load_settings, settings_from_table
from kerasnanlint.engine import lint_source
from kerasnanlint.versions import declared_target

TUNE = textwrap.dedent(
    """\
    import keras
    import keras_tuner as kt

    def build(hp):
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build, objective="OBJ", max_trials=2, overwrite=True)
    """
)


def knl301(objective: str, settings: Settings | None = None, extra: str = "") -> bool:
    source = TUNE.replace("OBJ", objective) + extra
    return "KNL301" in [d.rule for d in lint_source(source, "t.py", settings)]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("tensorflow==1.15.0\n", "2.2"),
        ("tensorflow-gpu<2\nkeras-tuner\n", "2.2"),
        ("keras==2.2.4\n", "2.2"),
        ("keras>=3.0\n", "3"),
        ("tensorflow==2.15.0\n", "2"),
        ("tensorflow<2.16\nnumpy\n", None),
        ("keras-tuner==1.4.7\ntf-keras==2.15\n", None),
    ],
)
def test_declared_target(tmp_path: Path, text: str, target: str | None) -> None:
    (tmp_path / "requirements.txt").write_text(text)
    assert declared_target(tmp_path) == target


def test_the_current_naming_by_default() -> None:
    assert knl301("val_acc") and not knl301("val_accuracy")


def test_the_old_naming_when_configured() -> None:
    old = Settings(target_keras="2.2")
    assert not knl301("val_acc", old) and knl301("val_accuracy", old)
    assert knl301("val_acc", Settings(target_keras="3"))


def test_the_old_naming_when_the_project_pins_tensorflow_1(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("tensorflow==1.15.5\nkeras-tuner\n")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        settings = load_settings(tmp_path)
    finally:
        os.chdir(old)
    assert settings.target_keras == "2.2" and not knl301("val_acc", settings)


def test_tensorflow_1_code_without_a_declaration_is_silent_where_the_namings_differ() -> None:
    signal = "\nsession = tf.compat.v1.Session()\n"
    assert not knl301("val_acc", extra="import tensorflow as tf" + signal)
    assert not knl301("val_accuracy", extra="import tensorflow as tf" + signal)
    # The logged names are then unknown as a whole: even a name neither naming logs is left alone.
    assert not knl301("val_auc", extra="import tensorflow as tf" + signal)


def test_a_bad_target_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="target-keras"):
        settings_from_table({"target-keras": "4"}, tmp_path)
