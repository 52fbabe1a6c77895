import keras
import keras_tuner as kt
from keras import layers

from my_project.metrics import METRICS  # built elsewhere: its names are unknown
from my_project.models import build_imported


def build_model(hp):
    model = keras.Sequential(
        [
            layers.Input((8,)),
            layers.Dense(hp.Int("units", 8, 64, step=8), activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(), keras.metrics.Precision(name="prec")],
    )
    return model


def f1_metric(y_true, y_pred):
    return keras.ops.mean(y_pred)


def build_custom(hp):
    model = keras.Sequential([layers.Input((8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[f1_metric, "acc"])
    return model


def build_two_heads(hp):
    inputs = keras.Input((8,))
    x = layers.Dense(16, activation="relu")(inputs)
    species = layers.Dense(3, activation="softmax", name="species")(x)
    size = layers.Dense(1, name="size")(x)
    model = keras.Model(inputs, [species, size])
    model.compile(
        optimizer="adam",
        loss=["sparse_categorical_crossentropy", "mse"],
        metrics={"species": ["accuracy"], "size": ["mae"]},
    )
    return model


def build_elsewhere(hp):
    model = keras.Sequential([layers.Input((8,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=METRICS)
    return model


class CustomLoop(kt.RandomSearch):
    def run_trial(self, trial, *args, **kwargs):  # returns its own metrics: any objective name may be right
        return {"score": 1.0}


ok = [
    kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3, overwrite=True),
    kt.RandomSearch(build_model, objective=kt.Objective("val_auc", direction="max"), overwrite=True),
    kt.RandomSearch(build_model, objective=kt.Objective("val_prec", direction="max"), overwrite=True),
    kt.RandomSearch(build_custom, objective=kt.Objective("val_f1_metric", direction="max"), overwrite=True),
    kt.RandomSearch(build_custom, objective="val_acc", overwrite=True),
    kt.Hyperband(build_two_heads, objective=kt.Objective("val_species_accuracy", "max"), max_epochs=3, overwrite=True),
    kt.Hyperband(build_two_heads, objective=kt.Objective("val_size_loss", "min"), max_epochs=3, overwrite=True),
    kt.RandomSearch(build_model, objective="loss", overwrite=True),
    kt.RandomSearch(build_elsewhere, objective=kt.Objective("val_rmse", "min"), overwrite=True),
    kt.RandomSearch(build_imported, objective="val_acc", overwrite=True),
    CustomLoop(build_model, objective=kt.Objective("score", "max"), overwrite=True),
]
