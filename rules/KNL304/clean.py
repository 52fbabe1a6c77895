import os
import tempfile
import time

import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class MyTuner(kt.RandomSearch):
    def __init__(self, hypermodel, **kwargs):
        super().__init__(hypermodel, overwrite=True, **kwargs)


options = {"overwrite": True}
fresh = kt.RandomSearch(build_model, objective="val_loss", max_trials=5, overwrite=True)
resumed = kt.RandomSearch(build_model, objective="val_loss", max_trials=5, overwrite=False)  # a deliberate resume
temp = kt.RandomSearch(build_model, objective="val_loss", directory=tempfile.mkdtemp())
stamped = kt.RandomSearch(build_model, objective="val_loss", project_name=f"run_{time.time()}")
mine = MyTuner(build_model, objective="val_loss")
unknown = kt.RandomSearch(build_model, objective="val_loss", **options)


def test_search_runs(tmp_path):
    kt.RandomSearch(build_model, objective="val_loss", directory=tmp_path / "tuner")  # pytest: a new folder per run


if not os.path.exists("results/housing"):
    first = kt.RandomSearch(build_model, objective="val_loss", directory="results", project_name="housing")
