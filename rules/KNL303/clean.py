import keras
import keras_tuner as kt
from keras import layers


def custom_metric(y_true, y_pred):
    return keras.ops.mean(y_pred)


def build_model(hp):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(hp.Int("units", 8, 32, step=8)), layers.Dense(1)])
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=[custom_metric, keras.metrics.F1Score(), "accuracy"],
    )
    return model


objective_name = compute_objective_name()  # noqa: F821 - unknown value: stay silent

tuners = [
    kt.RandomSearch(build_model, objective=kt.Objective("val_custom_metric", direction="max"), overwrite=True),
    kt.RandomSearch(build_model, objective=kt.Objective("val_f1_score", "max"), overwrite=True),
    kt.RandomSearch(build_model, objective="val_accuracy", overwrite=True),
    kt.RandomSearch(build_model, objective="val_loss", overwrite=True),
    kt.RandomSearch(build_model, objective=["val_loss", "val_accuracy"], overwrite=True),
    kt.RandomSearch(build_model, objective=objective_name, overwrite=True),
    kt.RandomSearch(build_model, objective=kt.Objective("val_my_loss", direction="min"), overwrite=True),
]
