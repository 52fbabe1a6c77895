import keras
import keras_tuner as kt
from keras import layers
from keras_tuner.tuners import Hyperband


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


tuner = kt.RandomSearch(  # expect: KNL304
    build_model,
    objective="val_loss",
    max_trials=5,
    directory="my_dir",
    project_name="my_project",
    overwrite=True,
)
hyperband = Hyperband(build_model, objective="val_loss", max_epochs=10, overwrite=True)  # expect: KNL304
