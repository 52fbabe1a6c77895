import keras
import keras_tuner as kt
import numpy as np
import tensorflow as tf
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


x, y = np.random.rand(100, 4), np.random.rand(100, 1)
x_val, y_val = np.random.rand(20, 4), np.random.rand(20, 1)

tuner = kt.RandomSearch(build_model, objective="val_mae", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=3)  # expect: KNL302
tuner.search(x, y, epochs=3, validation_split=0.0)  # expect: KNL302
tuner.search(x, y, epochs=4, validation_data=(x_val, y_val), validation_freq=2)  # expect: KNL302

train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
tuner.search(train_ds, epochs=3, validation_split=0.2)  # expect: KNL302


def batches():
    while True:
        yield x[:16], y[:16]


tuner.search(batches(), steps_per_epoch=5, epochs=3, validation_split=0.2)  # expect: KNL302
