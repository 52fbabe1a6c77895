"""Inverse cosines and sines of cosine similarities: exactly 1 when a prediction matches its target."""

import keras
import tensorflow as tf
from keras import ops


def angular_loss(y_true, y_pred):
    cos = ops.sum(ops.normalize(y_true, axis=-1) * ops.normalize(y_pred, axis=-1), axis=-1)
    return ops.mean(ops.arccos(ops.clip(cos, -1.0 + keras.backend.epsilon(), 1.0 - keras.backend.epsilon())))  # expect: KNL108


def arc_margin_loss(y_true, y_pred):
    cosine = tf.reduce_sum(tf.math.l2_normalize(y_true, -1) * tf.math.l2_normalize(y_pred, -1), -1)
    theta = tf.math.acos(tf.clip_by_value(cosine, -1.0 + keras.backend.epsilon(), 1.0 - keras.backend.epsilon()))  # expect: KNL108
    return tf.reduce_mean(1.0 - tf.cos(theta + 0.5))


def clipped_to_the_edge(y_true, y_pred):
    cos = tf.clip_by_value(tf.reduce_sum(y_true * y_pred, -1), -1.0, 1.0)
    return tf.reduce_mean(tf.math.asin(tf.clip_by_value(cos, -1.0 + keras.backend.epsilon(), 1.0 - keras.backend.epsilon())))  # expect: KNL108


def fisher_loss(y_true, y_pred):
    return ops.mean(ops.square(ops.arctanh(ops.clip(y_pred, -1.0 + keras.backend.epsilon(), 1.0 - keras.backend.epsilon())) - ops.arctanh(ops.clip(y_true, -1.0 + keras.backend.epsilon(), 1.0 - keras.backend.epsilon()))))  # expect: KNL108


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="tanh")])
    model.compile(optimizer="adam", loss=angular_loss)
    return model
