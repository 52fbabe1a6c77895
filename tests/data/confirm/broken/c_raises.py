"""Raises before fit(): its data file is missing (and no model was built yet, so no synthetic fallback)."""
import keras
import numpy as np

x = np.load("no-such-file.npy")
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=5.0), loss="mse")
model.fit(x, np.zeros((8, 1)))
