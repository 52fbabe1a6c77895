"""objective="val_acc" while compile() logs "accuracy": every trial fails with KeyError: 'val_acc'."""
import keras
import keras_tuner as kt
import numpy as np


def build_model(hp):
    model = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(hp.Int("units", 8, 16, step=8), activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


rng = np.random.default_rng(0)
x = rng.random((256, 4)).astype("float32")
y = rng.integers(0, 2, size=(256, 1)).astype("float32")
tuner = kt.RandomSearch(build_model, objective="val_acc", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=1, validation_split=0.25)
