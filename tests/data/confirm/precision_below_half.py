"""A precision metric without epsilon on an output that stays below 0.5: the metric is NaN every epoch."""
import keras
import numpy as np
import tensorflow as tf


def precision_metric(y_true, y_pred):
    predicted = tf.round(y_pred)
    true_positives = tf.reduce_sum(y_true * predicted)
    return true_positives / tf.reduce_sum(predicted)


model = keras.Sequential(
    [
        keras.Input(shape=(4,)),
        keras.layers.Dense(1, activation="sigmoid", bias_initializer=keras.initializers.Constant(-10.0)),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[precision_metric])
rng = np.random.default_rng(0)
x = rng.random((256, 4)).astype("float32")
y = rng.integers(0, 2, size=(256, 1)).astype("float32")
model.fit(x, y, epochs=2, batch_size=32)
