import keras
from keras import layers


def build_multiclass(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # expect: KNL204
    return model


def build_binary(hp):
    inputs = keras.Input(shape=(20,))
    outputs = layers.Dense(1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # expect: KNL204
    return model


def build_relu_head(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())  # expect: KNL204
    return model


def build_searched(hp):
    act = hp.Choice("output_activation", ["sigmoid", "relu", "tanh"])
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation=act)])
    model.compile(optimizer="adam", loss="binary_crossentropy")  # expect: KNL204
    return model
