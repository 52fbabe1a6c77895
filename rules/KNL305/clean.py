import math

import keras
import keras_tuner as kt
import numpy as np
from keras import layers


def build_model(hp):
    model = keras.Sequential(
        [layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


class StopOnNan(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        if math.isnan(logs["loss"]):
            self.model.stop_training = True


def run(tuner, callbacks):
    tuner.search(x, y, epochs=2, validation_split=0.2, callbacks=callbacks)  # callbacks unknown here


x, y = np.random.rand(100, 4), np.random.randint(0, 2, (100, 1))

tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=2, validation_split=0.2, callbacks=[keras.callbacks.TerminateOnNaN()])
tuner.search(x, y, epochs=2, validation_split=0.2, callbacks=[StopOnNan()])

loss_tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, overwrite=True)
loss_tuner.search(x, y, epochs=2, validation_split=0.2)
