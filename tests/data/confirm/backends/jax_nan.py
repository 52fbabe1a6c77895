"""Selects the JAX backend before importing Keras; one NaN in x."""
import os

os.environ["KERAS_BACKEND"] = "jax"

import keras
import numpy as np

x = np.random.default_rng(0).random((128, 3)).astype("float32")
x[5, 1] = np.nan
y = (x.sum(axis=1, keepdims=True) > 1.5).astype("float32")
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y, epochs=1)
