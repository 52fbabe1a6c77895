"""A warm-up search, the real search, then a top-level fit: each call is judged on its own short run."""
import keras
import keras_tuner as kt
import numpy as np
import tensorflow as tf


def precision_metric(y_true, y_pred):
    predicted = tf.round(y_pred)
    return tf.reduce_sum(y_true * predicted) / tf.reduce_sum(predicted)


def build_warmup(hp):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(hp.Int("units", 4, 8, step=4), activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_model(hp):
    bias = keras.initializers.Constant(hp.Choice("bias", [-10.0, -12.0]))
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid", bias_initializer=bias)])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[precision_metric])
    return model


rng = np.random.default_rng(0)
x = rng.random((256, 4)).astype("float32")
y = rng.integers(0, 2, size=(256, 1)).astype("float32")
warmup = kt.RandomSearch(build_warmup, objective="val_acc", max_trials=1, overwrite=True, project_name="warmup")
warmup.search(x, y, epochs=1, validation_split=0.25)
tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=2, overwrite=True, project_name="real")
tuner.search(x, y, epochs=2, validation_split=0.25)
x_bad = x.copy()
x_bad[3, 2] = np.nan
plain = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
plain.compile(optimizer="adam", loss="binary_crossentropy")
plain.fit(x_bad, y, epochs=1)
best = tuner.get_best_models(1)[0]
print(best.summary())
