"""Precision, recall, F1 and dice written by hand: the counts in their denominators are 0 on some batches."""

import keras
import tensorflow as tf
from keras import ops


def precision(y_true, y_pred):
    y_pred_pos = tf.round(tf.clip_by_value(y_pred, 0.0, 1.0))
    true_positives = tf.reduce_sum(y_true * y_pred_pos)
    predicted_positives = tf.reduce_sum(y_pred_pos)
    return true_positives / predicted_positives  # expect: KNL101


def recall(y_true, y_pred):
    true_positives = tf.reduce_sum(tf.round(y_true * y_pred))
    possible_positives = tf.reduce_sum(tf.round(y_true))
    return tf.math.divide(true_positives, possible_positives)  # expect: KNL101


def dice_loss(y_true, y_pred):
    intersection = ops.sum(y_true * y_pred)
    return 1.0 - 2.0 * intersection / (ops.sum(y_true) + ops.sum(y_pred))  # expect: KNL101


def mean_absolute_percentage_error(y_true, y_pred):
    return ops.mean(ops.abs(ops.divide(y_true - y_pred, y_true)))  # expect: KNL101


class F1Score(keras.metrics.Metric):
    def __init__(self, name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tp = self.add_weight(name="tp", initializer="zeros")
        self.fp = self.add_weight(name="fp", initializer="zeros")
        self.fn = self.add_weight(name="fn", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.round(y_pred)
        self.tp.assign_add(ops.sum(y_true * y_pred))
        self.fp.assign_add(ops.sum((1.0 - y_true) * y_pred))
        self.fn.assign_add(ops.sum(y_true * (1.0 - y_pred)))

    def result(self):
        return 2.0 * self.tp / (2.0 * self.tp + self.fp + self.fn)  # expect: KNL101


def build_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="adam",
        loss=lambda y_true, y_pred: ops.mean(ops.square(y_true - y_pred)) / ops.sum(y_true),  # expect: KNL101
        metrics=[precision, recall, F1Score()],
    )
    return model
