import math

import keras
import numpy as np


def clean_labels(y):
    y[np.isnan(y)] = 0.0  # expect: KNL107
    return y


class StopOnNan(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        if np.isnan(logs["loss"]):  # expect: KNL107
            self.model.stop_training = True
        if not np.isnan(logs["loss"]):  # expect: KNL107
            pass
