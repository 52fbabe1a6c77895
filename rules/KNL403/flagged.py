import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    units = hp.Int("units", 32.5, 128)  # expect: KNL403
    lr = hp.Float("lr", 0.0, 1e-2, sampling="log")  # expect: KNL403
    decay = hp.Float("decay", 1e-2, 1e-4)  # expect: KNL403
    width = hp.Int("width", 8, 512, step=1, sampling="log")  # expect: KNL403
    batch = hp.Choice("batch", [32, 64.0, 128])  # expect: KNL403
    model = keras.Sequential([layers.Input((4,)), layers.Dense(units), layers.Dense(width), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr, weight_decay=decay), loss="mse")
    return model, batch


def build_cnn(hp):
    kernel = hp.Choice("kernel", [(3, 3), (5, 5)])  # expect: KNL403
    widths = hp.Choice("widths", [[w, 2 * w] for w in range(16, 64, 16)])  # expect: KNL403
    model = keras.Sequential([layers.Input((28, 28, 1)), layers.Conv2D(widths[0], kernel), layers.Flatten()])
    model.add(layers.Dense(10, activation=hp["activation"]))  # expect: KNL403
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", overwrite=True)
