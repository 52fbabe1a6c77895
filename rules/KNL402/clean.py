import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
    lr = hp.Float("lr", 1e-5, 1e-1, sampling="log")  # a range only brushes the ceiling: its top is accepted
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")
    return model


def build_sgd(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(hp.Choice("learning_rate", [0.01, 0.1, 0.5])), loss="mse")
    return model


tuners = [
    kt.RandomSearch(build_model, objective="val_loss", overwrite=True),
    kt.RandomSearch(build_sgd, objective="val_loss", overwrite=True),
]

baseline = keras.Sequential([layers.Input((4,)), layers.Dense(1)])
baseline.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0), loss="mse")  # Adadelta's usual setting
baseline.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
