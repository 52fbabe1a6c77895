import keras
from keras import layers


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(hp.Int("units", 32, 128, step=32), activation="relu"),
            layers.Dense(1, activation="sigmoid"),  # expect: KNL203
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_functional(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(1)(inputs)
    outputs = layers.Activation("sigmoid")(x)  # expect: KNL203
    return keras.Model(inputs, outputs)


def build_searched(hp):
    inputs = keras.Input(shape=(20,))
    head = hp.Choice("head", ["sigmoid", "softmax"])  # expect: KNL203
    outputs = layers.Dense(1, activation=head)(inputs)
    return keras.Model(inputs, outputs)
