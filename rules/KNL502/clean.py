import keras
import keras_tuner as kt
import numpy as np
from keras import layers


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def identity_loss(y_true, y_pred):
    return keras.ops.mean(y_pred)  # ignores y_true: dummy targets are an idiom


def build_triplet(hp):
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss=identity_loss)
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, overwrite=True)
x_train = np.random.rand(1000, 1)

labels = np.zeros((1000, 1))
labels[::2] = 1.0  # filled in afterwards: not constant
tuner.search(x_train, labels, epochs=2, validation_split=0.2)

y_real = np.random.randint(0, 2, size=(1000, 1))
tuner.search(x_train, y_real, epochs=2, validation_split=0.2)

triplets = kt.RandomSearch(build_triplet, objective="val_loss", max_trials=3, overwrite=True)
triplets.search(x_train, np.zeros(1000), epochs=2, validation_split=0.2)

smoke = build_model(None)
smoke.fit(np.ones((4, 1)), np.zeros((4, 1)), epochs=1)  # constant inputs too: a smoke test
