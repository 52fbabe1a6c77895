"""The same data with the missing values dropped before fit()."""
import keras
import numpy as np

rng = np.random.default_rng(0)
x = rng.random((512, 4)).astype("float32")
x[100, 2] = np.nan
x[300, 0] = np.nan
keep = np.isfinite(x).all(axis=1)
x = x[keep]
y = (x[:, :1] > 0.5).astype("float32")

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2)
