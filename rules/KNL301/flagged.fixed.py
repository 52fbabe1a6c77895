import keras
import keras_tuner as kt
from keras import layers


def build_model(hp):
    model = keras.Sequential(
        [
            layers.Input((8,)),
            layers.Dense(hp.Int("units", 8, 64, step=8), activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def f1_metric(y_true, y_pred):
    return keras.ops.mean(y_pred)


def build_custom(hp):
    model = keras.Sequential([layers.Input((8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[f1_metric])
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


def build_no_metrics(hp):
    model = keras.Sequential([layers.Input((8,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


acc_tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3, overwrite=True)  # expect: KNL301
f1_tuner = kt.RandomSearch(
    build_custom,
    objective=kt.Objective("val_f1_metric", direction="max"),  # expect: KNL301
    max_trials=3,
    overwrite=True,
)
heads_tuner = kt.Hyperband(build_two_heads, objective="val_species_accuracy", max_epochs=3, overwrite=True)  # expect: KNL301
mae_tuner = kt.BayesianOptimization(
    build_no_metrics,
    objective="val_mae",  # expect: KNL301
    max_trials=3,
    overwrite=True,
)
