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


def build_head(n_classes, hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy")  # expect: KNL204
    return model


def build_sigmoid_multiclass(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # expect: KNL204
    return model


def build_softmax_mse(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])  # expect: KNL204
    return model


def build_sigmoid_classifier_mse(hp):
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])  # expect: KNL204
    return model


def build_tagger(hp):
    inputs = keras.Input(shape=(None, 16))
    x = layers.Bidirectional(layers.LSTM(32, return_sequences=True))(inputs)
    x = layers.TimeDistributed(layers.Dense(9))(x)
    outputs = layers.Activation("sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # expect: KNL204
    return model
