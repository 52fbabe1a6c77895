"""exp of values that are bounded above, and exp of weights or constants (not flagged)."""

import math

import keras
import tensorflow as tf
from keras import layers, ops


class Sampling(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        z_log_var = ops.clip(z_log_var, -20.0, 20.0)
        epsilon = keras.random.normal(ops.shape(z_mean))
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class StableSoftmax(keras.layers.Layer):
    def call(self, inputs):
        e = tf.exp(inputs - tf.reduce_max(inputs, axis=-1, keepdims=True))
        return e / tf.reduce_sum(e, axis=-1, keepdims=True)


class Gaussian(keras.layers.Layer):
    def build(self, input_shape):
        self.log_scale = self.add_weight(shape=(), initializer="zeros")

    def call(self, inputs):
        bump = ops.exp(-ops.square(inputs) / 2.0)  # <= 1
        squashed = ops.exp(ops.tanh(inputs))  # <= e
        return bump * squashed * ops.exp(self.log_scale)  # a weight, not the layer's input


def poisson_log_rate(y_true, y_pred):
    rate = tf.exp(tf.minimum(y_pred, 20.0))
    return tf.reduce_mean(rate - y_true * y_pred) + tf.exp(math.log(2.0))


def growth_metric(y_true, y_pred):
    # A metric: an inf value does not reach the weights (KNL104 looks at losses and layers).
    return ops.mean(ops.abs(ops.expm1(y_pred) - y_true))


def build_model():
    inputs = keras.Input((8,))
    x = StableSoftmax()(layers.Dense(4)(inputs))
    model = keras.Model(inputs, layers.Dense(1)(Gaussian()(x)))
    model.compile(optimizer="adam", loss=poisson_log_rate, metrics=[growth_metric])
    return model
