"""Logs of values that reach 0: raw predictions, labels, differences, sums (and log1p of values that reach -1)."""

import keras
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras import ops


def log_error(y_true, y_pred):
    # 0 after a relu output, and any value from a linear one
    return tf.reduce_mean(tf.square(tf.math.log(tf.maximum(y_pred, K.epsilon())) - tf.math.log(y_true + 1.0)))  # expect: KNL102


def mean_squared_log_error(y_true, y_pred):
    return ops.mean(ops.square(ops.log1p(ops.maximum(y_pred, -1.0 + K.epsilon())) - ops.log1p(ops.maximum(y_true, -1.0 + K.epsilon()))))  # expect: KNL102


def kl_divergence(y_true, y_pred):
    y_pred = ops.clip(y_pred, K.epsilon(), 1.0)
    return ops.sum(y_true * ops.log(ops.maximum(y_true / y_pred, K.epsilon())), axis=-1)  # expect: KNL102


def log_of_sum(y_true, y_pred):
    return -ops.mean(ops.log(ops.maximum(ops.sum(y_true * y_pred, axis=-1), K.epsilon())))  # expect: KNL102


def survival_loss(y_true, y_pred):
    return -tf.reduce_mean(tf.math.log(tf.maximum(1.0 - y_pred, K.epsilon())))  # expect: KNL102


def log_ratio_metric(y_true, y_pred):
    return np.mean(np.log(np.maximum(np.abs(y_pred - y_true), K.epsilon())))  # expect: KNL102


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss=log_error, metrics=[mean_squared_log_error])
    return model
