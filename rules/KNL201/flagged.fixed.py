import keras
from keras import layers


def build_model(hp):
    inputs = keras.Input(shape=(20,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss=keras.losses.BinaryCrossentropy(from_logits=False),  # expect: KNL201
        metrics=["accuracy"],
    )
    return model


def build_classifier(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
            layers.Activation(hp.Choice("head", ["linear", "softmax"])),
        ]
    )
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(True))  # expect: KNL201
    return model
