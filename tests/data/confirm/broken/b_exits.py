"""Exits before fit()."""
import sys

import keras
import numpy as np

sys.exit(3)

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=5.0), loss="mse")
model.fit(np.zeros((8, 3)), np.zeros((8, 1)))
