"""SGD whose learning-rate range reaches 1.0 on a regression: the loss goes inf, then NaN, within one epoch."""
import keras
import keras_tuner as kt
import numpy as np


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
    lr = hp.Float("learning_rate", min_value=1e-3, max_value=1.0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


rng = np.random.default_rng(0)
x = rng.normal(size=(1000, 8)).astype("float32")
y = (x @ rng.normal(size=(8, 1)) * 3.0 + 5.0).astype("float32")
tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=5, overwrite=True)
tuner.search(x, y, epochs=2, validation_split=0.2)
