import keras
import numpy as np


def clean_labels(y):
    y[y == np.nan] = 0.0  # noqa: KNL107
    y = y * 2.0  # noqa: E501
    z = y == np.nan  # noqa: E501, KNL107
    w = y != np.nan  # noqa
    return y, z, w


# kerasnanlint: noqa: KNL304
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])  # noqa: KNL206
data = np.load("x.npy")  # noqa: KNL503
