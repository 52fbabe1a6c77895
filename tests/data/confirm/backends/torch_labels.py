"""Selects the PyTorch backend (not installed by the dev extra)."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

y = np.zeros((64, 1))
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.ones((64, 3)), y, epochs=1)
