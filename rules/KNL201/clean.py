import keras
from keras import layers


def build_logits(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(1)(x)  # linear output: logits, as from_logits=True expects
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def build_probabilities(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=False))
    return model


def build_searched_flag(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
    # from_logits chosen by the search: unknown statically, stays silent
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=hp.Boolean("logits")))
    return model


def build_with(activation, hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation=activation)])
    # the activation is a parameter: unknown, stays silent
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model
