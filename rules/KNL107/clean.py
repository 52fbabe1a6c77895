import math

import keras
import numpy as np


def clean_labels(y):
    y[np.isnan(y)] = 0.0
    return y


class StopOnNan(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        if math.isnan(logs["loss"]):
            self.model.stop_training = True
        if logs["loss"] is np.nan:  # identity, not equality: not this rule's business
            pass
        nan = 0.0
        if logs["loss"] == nan:  # a local named nan is not NaN
            pass
