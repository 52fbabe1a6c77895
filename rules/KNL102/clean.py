"""The same logs with an epsilon, a clip or a maximum in front, or of values that cannot be 0."""

import keras
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras import ops

EPS = 1e-7


def log_error(y_true, y_pred):
    return tf.reduce_mean(tf.square(tf.math.log(y_pred + 1e-7) - tf.math.log(y_true + keras.backend.epsilon())))


def mean_squared_log_error(y_true, y_pred):
    first = ops.log1p(ops.maximum(y_pred, 0.0))  # log1p of a value >= 0
    second = ops.log1p(ops.abs(y_true))
    return ops.mean(ops.square(first - second))


def kl_divergence(y_true, y_pred):
    y_true = ops.clip(y_true, K.epsilon(), 1.0)
    y_pred = ops.clip(y_pred, K.epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def log_of_sum(y_true, y_pred):
    total = ops.sum(y_true * y_pred, axis=-1)
    safe = ops.maximum(total, keras.config.epsilon())
    return -ops.mean(ops.log(safe))


def survival_loss(y_true, y_pred):
    return -tf.reduce_mean(tf.math.log(tf.clip_by_value(1.0 - y_pred, 1e-7, 1.0)))


def log_ratio_metric(y_true, y_pred):
    return np.mean(np.log(np.abs(y_pred - y_true) + EPS))


def softplus_rate(y_true, y_pred):
    # Outputs that cannot be 0 short of underflow are not flagged (conservative).
    rate = tf.nn.softplus(y_pred)
    return tf.reduce_mean(rate - y_true * tf.math.log(rate)) + tf.math.log(2.0)


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss=log_error, metrics=[mean_squared_log_error])
    return model
