"""Square roots with an epsilon inside, bounded away from 0, or where no gradient flows (a metric)."""

import keras
import tensorflow as tf
from keras import ops


def euclidean_distance_loss(y_true, y_pred):
    squared = ops.sum(ops.square(y_true - y_pred), axis=-1)
    return ops.mean(ops.sqrt(squared + keras.backend.epsilon()))


def bounded_distance_loss(y_true, y_pred):
    squared = ops.sum(ops.square(y_true - y_pred), axis=-1)
    return ops.mean(ops.sqrt(ops.maximum(squared, 1e-12)))


def smooth_norm_loss(y_true, y_pred):
    return tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(y_true - y_pred), axis=-1) + 1e-7))


def l1_norm_loss(y_true, y_pred):
    return tf.reduce_mean(tf.norm(y_true - y_pred, ord=1, axis=-1))  # |x| has a finite (sub)gradient at 0


def where_on_tf(y_true, y_pred):
    # Measured on TF 2.21: tf.sqrt behind tf.where has a 0 gradient, not NaN (see KNL105 for keras.ops.where).
    squared = tf.reduce_sum(tf.square(y_true - y_pred), axis=-1)
    return tf.reduce_mean(tf.where(squared > 0, tf.sqrt(squared), 0.0))


def rmse(y_true, y_pred):
    # Only used as a metric: no gradient flows through it, and sqrt(0) = 0 is a fine value.
    return ops.sqrt(ops.mean(ops.square(y_pred - y_true), axis=-1))


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=euclidean_distance_loss, metrics=[rmse])
    return model
