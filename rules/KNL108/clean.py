"""Inverse trigonometric functions whose argument is kept strictly inside (-1, 1), or where no gradient flows."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops


def angular_loss(y_true, y_pred):
    cos = ops.sum(ops.normalize(y_true, axis=-1) * ops.normalize(y_pred, axis=-1), axis=-1)
    eps = keras.backend.epsilon()
    return ops.mean(ops.arccos(ops.clip(cos, -1.0 + eps, 1.0 - eps)))


def arc_margin_loss(y_true, y_pred):
    cosine = tf.reduce_sum(tf.math.l2_normalize(y_true, -1) * tf.math.l2_normalize(y_pred, -1), -1)
    theta = tf.math.acos(tf.clip_by_value(cosine, -0.9999, 0.9999))
    return tf.reduce_mean(1.0 - tf.cos(theta + 0.5))


def scaled_inside(y_true, y_pred):
    return ops.mean(ops.arctanh(0.99 * ops.tanh(y_pred - y_true)))


def angle_metric(y_true, y_pred):
    # A metric: no gradient flows through it.
    cos = ops.sum(ops.normalize(y_true, axis=-1) * ops.normalize(y_pred, axis=-1), axis=-1)
    return ops.mean(ops.arccos(cos))


def numpy_angle(y_true, y_pred):
    return np.arccos(np.clip(np.sum(y_true * y_pred, -1), -1.0, 1.0))  # NumPy: no gradient


def constant_angle_loss(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred)) * ops.arccos(0.5)


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=angular_loss, metrics=[angle_metric])
    return model
