"""A hand-written log loss after a relu output: NaN from epoch 1, batch 0."""
import keras
import numpy as np
import tensorflow as tf


def log_loss(y_true, y_pred):
    return -tf.reduce_mean(y_true * tf.math.log(y_pred) + (1 - y_true) * tf.math.log(1 - y_pred))


keras.utils.set_random_seed(3)  # fixed initial weights: the test expects NaN at epoch 1, batch 0
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="relu")])
model.compile(optimizer="adam", loss=log_loss, metrics=["accuracy"])
rng = np.random.default_rng(0)
x = rng.random((256, 4)).astype("float32")
y = rng.integers(0, 2, size=(256, 1)).astype("float32")
model.fit(x, y, epochs=2, batch_size=32)
