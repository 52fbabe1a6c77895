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


KERNELS = {"3x3": (3, 3), "5x5": (5, 5)}


def build_cnn(hp):
    kernel = KERNELS[hp.Choice("kernel", list(KERNELS))]  # a name per shape, mapped in the model
    filters = hp.Choice("filters", [2**i for i in range(4, 7)])
    model = keras.Sequential([layers.Input((28, 28, 1)), layers.Conv2D(filters, kernel), layers.Flatten()])
    model.add(layers.Dense(hp["filters"], activation="relu"))  # declared above
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
