"""Crossentropy written by hand: log(0) = -inf as soon as a prediction reaches 0 (or 1 in the 1 - p term)."""

import keras
import tensorflow as tf
from keras import ops


def categorical_crossentropy(y_true, y_pred):
    return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)  # expect: KNL106


def binary_crossentropy(y_true, y_pred):
    return -ops.mean(y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred), axis=-1)  # expect: KNL106


def crossentropy_from_logits(y_true, y_pred):
    p = tf.sigmoid(y_pred)
    loss = y_true * tf.math.log(p) + (1.0 - y_true) * tf.math.log(1.0 - p)  # expect: KNL106
    return -tf.reduce_mean(loss)


class WeightedCrossentropy(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return -ops.sum(ops.multiply(y_true, ops.log(y_pred)) * 2.0, axis=-1)  # expect: KNL106


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=categorical_crossentropy)
    return model
