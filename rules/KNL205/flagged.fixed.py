import keras
from keras import layers

keras.mixed_precision.set_global_policy("mixed_float16")


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(hp.Int("units", 64, 256, step=64), activation="relu"),
            layers.Dense(10, activation="softmax", dtype="float32"),  # expect: KNL205
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def build_regressor(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(1, name="price", dtype="float32")(x)  # expect: KNL205
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model
