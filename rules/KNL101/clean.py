"""The same metrics with the guards that keep their denominators away from 0."""

import keras
import tensorflow as tf
from keras import backend as K
from keras import ops

EPS = 1e-7


def precision(y_true, y_pred):
    true_positives = tf.reduce_sum(tf.round(y_true * y_pred))
    predicted_positives = tf.reduce_sum(tf.round(y_pred))
    return true_positives / (predicted_positives + keras.backend.epsilon())


def recall(y_true, y_pred):
    true_positives = ops.sum(ops.round(y_true * y_pred))
    possible_positives = ops.sum(ops.round(y_true))
    return true_positives / (possible_positives + K.epsilon())


def f1(y_true, y_pred):
    tp = ops.sum(y_true * y_pred)
    fp = ops.sum((1.0 - y_true) * y_pred)
    fn = ops.sum(y_true * (1.0 - y_pred))
    denom = 2.0 * tp + fp + fn + keras.config.epsilon()  # a guard one local assignment away
    return 2.0 * tp / denom


def f1_two_steps(y_true, y_pred):
    tp = ops.sum(y_true * y_pred)
    counted = tp + ops.sum(y_pred)
    denom = counted + EPS  # a named constant with a positive value, two assignments away
    return 2.0 * tp / denom


def dice_loss(y_true, y_pred, smooth=1.0):
    intersection = ops.sum(y_true * y_pred)
    return 1.0 - (2.0 * intersection + smooth) / (ops.sum(y_true) + ops.sum(y_pred) + smooth)


def mean_absolute_percentage_error(y_true, y_pred):
    return ops.mean(ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), 1e-7)))


def clipped(y_true, y_pred):
    return ops.sum(y_true) / ops.clip(ops.sum(y_pred), 1e-7, 1e7)


def no_nan(y_true, y_pred):
    return tf.math.divide_no_nan(tf.reduce_sum(y_true), tf.reduce_sum(y_pred)) + ops.divide_no_nan(y_true, y_pred)


def sizes(y_true, y_pred):
    batch = tf.cast(tf.shape(y_true)[0], tf.float32)
    per_sample = tf.reduce_sum(tf.abs(y_true - y_pred)) / batch
    per_element = tf.reduce_sum(y_pred) / tf.cast(tf.size(y_pred), tf.float32)
    return per_sample + per_element + ops.sum(y_pred) / len(y_true) + y_pred / 255.0


def precision_where(y_true, y_pred):
    # A metric has no gradient: the where is a sound guard here (in a loss see KNL105).
    tp = tf.reduce_sum(y_true * y_pred)
    pp = tf.reduce_sum(y_pred)
    return tf.where(pp > 0, tp / pp, 0.0)


def unknown_denominator(y_true, y_pred, weights):
    # `weights` comes from elsewhere: unknowns stay silent.
    return ops.sum(y_true * y_pred) / ops.sum(weights)


class MeanError(keras.metrics.Metric):
    def __init__(self, name="mean_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_weight(name="total", initializer="zeros")
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(ops.sum(ops.abs(y_true - y_pred)))
        self.count.assign_add(ops.cast(ops.size(y_true), "float32"))

    def result(self):
        return self.total / self.count  # the sample count is > 0 once update_state ran


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss=dice_loss, metrics=[precision, recall, f1, MeanError()])
    return model
