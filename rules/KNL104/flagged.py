"""exp of values nothing bounds: a VAE's log-variance, a hand-written softmax, a log-rate output."""

import keras
import tensorflow as tf
from keras import layers, ops


class Sampling(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon  # expect: KNL104


class NaiveSoftmax(keras.layers.Layer):
    def call(self, inputs):
        e = tf.exp(inputs)  # expect: KNL104
        return e / tf.reduce_sum(e, axis=-1, keepdims=True)


def poisson_log_rate(y_true, y_pred):
    rate = tf.exp(y_pred)  # expect: KNL104
    return tf.reduce_mean(rate - y_true * y_pred)


def growth_loss(y_true, y_pred):
    return ops.mean(ops.abs(ops.expm1(y_pred) - y_true))  # expect: KNL104


def build_model():
    inputs = keras.Input((8,))
    x = NaiveSoftmax()(layers.Dense(4)(inputs))
    model = keras.Model(inputs, layers.Dense(1)(x))
    model.compile(optimizer="adam", loss=poisson_log_rate)
    return model
