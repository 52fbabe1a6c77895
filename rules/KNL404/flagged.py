import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    rate = hp.Float("dropout", 0.0, 1.0, step=0.1)  # expect: KNL404
    model = keras.Sequential(
        [
            layers.Input((10, 4)),
            layers.SpatialDropout1D(hp.Choice("spatial", [0.1, 0.5, 1.0])),  # expect: KNL404
            layers.Flatten(),
            layers.Dense(16, activation="relu"),
            layers.Dropout(rate),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)

fixed = keras.Sequential([layers.Input((4,)), layers.Dropout(1.0), layers.Dense(1)])  # expect: KNL404
