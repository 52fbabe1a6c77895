import keras
import keras_tuner as kt
import numpy as np
import tensorflow as tf
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


class OwnValidation(kt.HyperModel):
    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, x, y, **kwargs):  # splits off its own validation data
        return model.fit(x[:80], y[:80], validation_data=(x[80:], y[80:]), **kwargs)


x, y = np.random.rand(100, 4), np.random.rand(100, 1)
x_val, y_val = np.random.rand(20, 4), np.random.rand(20, 1)
fit_kwargs = {"validation_split": 0.2}

tuner = kt.RandomSearch(build_model, objective="val_mae", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=3, validation_split=0.2)
tuner.search(x, y, epochs=3, validation_data=(x_val, y_val))
tuner.search(x, y, epochs=3, validation_data=(x_val, y_val), validation_freq=1)
tuner.search(x, y, epochs=3, **fit_kwargs)

train_tuner = kt.RandomSearch(build_model, objective="mae", max_trials=3, overwrite=True)
train_tuner.search(x, y, epochs=3)

own = kt.RandomSearch(OwnValidation(), objective="val_mae", max_trials=3, overwrite=True)
own.search(x, y, epochs=3)

train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(16)
tuner.search(train_ds, epochs=3, validation_data=val_ds)
tuner.search(np.asarray(x), y, epochs=3, validation_split=0.2)  # arrays split fine
