"""Raw 0-255 pixels straight into Dense layers, no Rescaling layer."""
import keras
import numpy as np

rng = np.random.default_rng(0)
x = rng.integers(0, 256, size=(512, 8, 8, 1)).astype("float32")  # raw pixel values
y = rng.integers(0, 10, size=(512,))

model = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, batch_size=32)  # expect: KNL504
