"""The same pixels, rescaled to [0, 1] by the model's first layer."""
import keras
import numpy as np

rng = np.random.default_rng(0)
x = rng.integers(0, 256, size=(512, 8, 8, 1)).astype("float32")
y = rng.integers(0, 10, size=(512,))

model = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Rescaling(1.0 / 255),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, batch_size=32)
