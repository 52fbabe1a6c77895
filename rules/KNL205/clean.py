import keras
from keras import layers

keras.mixed_precision.set_global_policy("mixed_float16")


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(10, activation="softmax", dtype="float32"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def build_regressor(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(1)(x)
    outputs = layers.Activation("linear", dtype="float32")(x)  # the documented pattern
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model


def build_with_policy(hp, out_dtype):
    inputs = keras.Input(shape=(20,))
    outputs = layers.Dense(1, dtype=out_dtype)(inputs)  # dtype chosen elsewhere: unknown, silent
    return keras.Model(inputs, outputs)
