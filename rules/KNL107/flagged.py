import math

import keras
import numpy as np


def clean_labels(y):
    y[y == np.nan] = 0.0  # expect: KNL107
    return y


class StopOnNan(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        if logs["loss"] == float("nan"):  # expect: KNL107
            self.model.stop_training = True
        if math.nan != logs["loss"]:  # expect: KNL107
            pass
