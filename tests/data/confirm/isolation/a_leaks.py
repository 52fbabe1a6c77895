"""Leaves every trace it can: an environment variable, a file in its working directory, a Keras setting."""
import os

import keras
import numpy as np

os.environ["KNL_LEAK"] = "1"
with open("leak.txt", "w") as fh:
    fh.write("leaked")
keras.config.set_epsilon(0.5)
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.ones((32, 3), "float32"), np.ones((32, 1), "float32"), epochs=1)
