import keras
import keras_tuner as kt
from keras import layers

MIN_LR = 0.0


def build_model(hp):
    units = hp.Int("units", 32, 128, step=32)
    lr = hp.Float("lr", 1e-6, 1e-2, sampling="log")
    width = hp.Int("width", 8, 512, step=2, sampling="log")
    batch = hp.Choice("batch", [32, 64, 128], default=64)
    whole = hp.Int("whole", 2.0, 8.0)  # integral floats are accepted
    computed = hp.Float("computed", MIN_LR * 2, 1e-2, sampling=hp.Choice("s", ["log", "linear"]))  # unknown
    model = keras.Sequential([layers.Input((4,)), layers.Dense(units), layers.Dense(width), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")
    return model, batch, whole, computed


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
