import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    rate = hp.Float("dropout", 0.0, 0.5, step=0.1)
    keep = hp.Float("keep_prob", 0.5, 1.0)  # not a dropout rate: never reaches one
    model = keras.Sequential(
        [
            layers.Input((10, 4)),
            layers.LSTM(8, dropout=1.0),  # Keras ignores RNN dropout of 1.0 (it applies only 0 < rate < 1)
            layers.Dense(16, activation="relu"),
            layers.Dropout(rate),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model, keep


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)

fixed = keras.Sequential([layers.Input((4,)), layers.Dropout(0.99), layers.Dense(1)])
