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


x, y = np.random.rand(100, 4), np.random.randint(0, 2, (100, 1))

tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=2, validation_split=0.2, callbacks=[keras.callbacks.TerminateOnNaN()])  # expect: KNL305
tuner.search(  # expect: KNL305
    x,
    y,
    epochs=2,
    validation_split=0.2,
    callbacks=[keras.callbacks.EarlyStopping(patience=2), keras.callbacks.TerminateOnNaN()],
)
