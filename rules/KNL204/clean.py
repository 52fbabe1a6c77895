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


def build_bounded_regressor(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])  # a target in [0, 1]: a fine regression head
    return model


def build_autoencoder(hp):
    inputs = keras.Input(shape=(784,))
    outputs = layers.Dense(784, activation="sigmoid")(layers.Dense(32, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")  # pixels in [0, 1]
    return model


def build_tagger(hp):
    inputs = keras.Input(shape=(None, 16))
    x = layers.Bidirectional(layers.LSTM(32, return_sequences=True))(inputs)
    outputs = layers.TimeDistributed(layers.Dense(9, activation="softmax"))(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
