import keras
import keras_tuner as kt
from keras.layers import Dense, Input
from keras.models import Model


def build_model(hp):
    inputs = Input(shape=(1,))
    x = Dense(hp.Int("units_1", min_value=32, max_value=128, step=32), activation="relu")(inputs)
    outputs = Dense(1, activation="sigmoid")(x)
    model = Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # expect: KNL206
    return model


def build_classifier(hp):
    model = keras.Sequential([Input(shape=(20,)), Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())  # expect: KNL206
    return model


tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5, overwrite=True)
