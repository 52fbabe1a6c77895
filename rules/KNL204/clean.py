import keras
from keras import layers


def build_multiclass(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def build_multilabel(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(5, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")  # independent labels: right pairing
    return model


def build_regressor(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss="mse")  # non-negative regression target
    return model


def build_head(n_classes, hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy")  # units unknown: stays silent
    return model
