"""A where that hides log(0) or x / 0 in the forward pass: the gradient still multiplies 0 by inf."""

import keras
import tensorflow as tf
from keras import ops


def log_loss(y_true, y_pred):
    log_pred = tf.where(y_pred > 0, tf.math.log(y_pred), 0.0)  # expect: KNL105
    return -tf.reduce_mean(y_true * log_pred)


def relative_error(y_true, y_pred):
    d = y_pred - y_true
    ratio = tf.where(tf.not_equal(d, 0.0), y_true / d, tf.zeros_like(d))  # expect: KNL105
    return tf.reduce_mean(tf.abs(ratio))


def masked_root(y_true, y_pred):
    mask = y_pred > 0
    return tf.reduce_mean(tf.where(mask, y_pred**0.5, 0.0))  # expect: KNL105


def distance_loss(y_true, y_pred):
    squared = ops.sum(ops.square(y_true - y_pred), axis=-1)
    # keras.ops.where also runs on JAX and torch, where sqrt's gradient behind a where is NaN
    return ops.mean(ops.where(squared > 0, ops.sqrt(squared), 0.0))  # expect: KNL105


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss=log_loss)
    return model
