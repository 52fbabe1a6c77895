import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(1)(x)  # no activation: logits
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])  # expect: KNL202
    return model


def build_classifier(hp):
    model = keras.Sequential()
    model.add(keras.Input(shape=(20,)))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation=None))
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # expect: KNL202
    return model


def build_searched(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(1, activation=hp.Choice("head", ["sigmoid", "linear"])),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")  # expect: KNL202
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, overwrite=True)
