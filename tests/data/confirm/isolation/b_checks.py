"""Puts a NaN into its data when it sees any trace a script before it left (so KNL503 would show the leak)."""
import os

import keras
import numpy as np

x = np.ones((32, 3), "float32")
if os.environ.get("KNL_LEAK") or os.path.exists("leak.txt") or keras.config.epsilon() != 1e-7:
    x[0, 0] = np.nan
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, np.ones((32, 1), "float32"), epochs=1)
