import keras
import keras_tuner as kt
import numpy as np
from keras import layers


def build_model(hp):
    inputs = keras.Input(shape=(1,))
    x = layers.Dense(hp.Int("units_1", min_value=32, max_value=128, step=32), activation="relu")(inputs)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5, overwrite=True)

x_train = np.random.rand(1000, 1)
y_train = np.zeros((1000, 1))  # expect: KNL502
x_val = np.random.rand(200, 1)
y_val = np.random.randint(0, 2, size=(200, 1))
tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val))

model = build_model(kt.HyperParameters())
model.fit(x_train, np.full((1000, 1), 1.0), epochs=1)  # expect: KNL502
