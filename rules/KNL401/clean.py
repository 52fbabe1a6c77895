import keras
import keras_tuner as kt
from keras import layers

SAMPLING = "log"


def build_model(hp):
    model = keras.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(16, activation="relu"),
            layers.Dropout(hp.Float("dropout", 0.0, 0.5)),  # not a learning rate
            layers.Dense(1),
        ]
    )
    lr = hp.Float("lr", 1e-5, 1e-1, sampling="log")
    lr_decay = hp.Float("lr_decay", 0.001, 0.5)  # a decay factor, not a rate
    narrow = hp.Float("learning_rate_fine", 1e-3, 5e-3)  # less than a decade: linear is fine
    choice = hp.Choice("learning_rate_choice", [1e-2, 1e-3, 1e-4])
    other = hp.Float("lr_other", 1e-5, 1e-1, sampling=SAMPLING)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")
    return model, lr_decay, narrow, choice, other


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
