import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,))])
    model.add(layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))
    model.add(layers.Dense(hp.Int("units", 64, 256, step=64), activation="relu"))  # expect: KNL405
    model.add(layers.Dropout(hp.Float("rate", 0.0, 0.5)))
    model.add(layers.Dropout(hp.Choice("rate", [0.1, 0.2])))  # expect: KNL405
    model.add(layers.Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
