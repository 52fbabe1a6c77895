import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
    lr = hp.Float("lr", 1e-5, 1e-1, sampling="log")  # expect: KNL401
    if hp.Boolean("use_sgd"):
        optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
    else:
        optimizer = keras.optimizers.Adam(lr)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def build_scheduled(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(1)])
    schedule = keras.optimizers.schedules.ExponentialDecay(
        hp.Float("initial", min_value=1e-4, max_value=1e-2, sampling="log"),  # expect: KNL401
        decay_steps=1000,
        decay_rate=0.9,
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    return model


def build_from_zero(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=hp.Float("learning_rate", 0.0, 0.01, step=0.001)),  # expect: KNL401
        loss="mse",
    )
    return model


tuners = [
    kt.RandomSearch(build_model, objective="val_loss", overwrite=True),
    kt.RandomSearch(build_scheduled, objective="val_loss", overwrite=True),
    kt.RandomSearch(build_from_zero, objective="val_loss", overwrite=True),
]
