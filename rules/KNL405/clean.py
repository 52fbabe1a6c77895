import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,))])
    for i in range(hp.Int("layers", 1, 3)):
        model.add(layers.Dense(hp.Int(f"units_{i}", 16, 64, step=16), activation="relu"))
    model.add(layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))
    model.add(layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))  # same range: shares the value
    kind = hp.Choice("kind", ["small", "big"])
    with hp.conditional_scope("kind", ["small"]):
        model.add(layers.Dense(hp.Int("width", 8, 32, step=8)))
    with hp.conditional_scope("kind", ["big"]):
        model.add(layers.Dense(hp.Int("width", 64, 256, step=64)))
    model.add(layers.Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model, kind


def build_other(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 64, 256, step=64)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
other = kt.RandomSearch(build_other, objective="val_loss", overwrite=True)
