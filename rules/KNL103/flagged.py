"""Square roots and norms of values that are exactly 0 when the prediction is perfect or two inputs coincide."""

import keras
import tensorflow as tf
from keras import ops


def root_mean_squared_error(y_true, y_pred):
    return ops.sqrt(ops.mean(ops.square(y_pred - y_true), axis=-1))  # expect: KNL103


def euclidean_distance_loss(y_true, y_pred):
    squared = ops.sum(ops.square(y_true - y_pred), axis=-1)
    return ops.mean(ops.sqrt(squared))  # expect: KNL103


def norm_loss(y_true, y_pred):
    return tf.reduce_mean(tf.norm(y_true - y_pred, axis=-1))  # expect: KNL103


def power_loss(y_true, y_pred):
    return ops.mean(ops.sum(ops.square(y_true - y_pred), axis=-1) ** 0.5)  # expect: KNL103


def inverse_scale_loss(y_true, y_pred):
    scale = tf.math.rsqrt(tf.reduce_sum(tf.square(y_pred), axis=-1))  # expect: KNL103
    return tf.reduce_mean(tf.abs(y_true - y_pred) * scale[:, None])


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=euclidean_distance_loss)
    return model
