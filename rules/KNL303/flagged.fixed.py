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
        metrics=[custom_metric, keras.metrics.F1Score(), keras.metrics.AUC()],
    )
    return model


unknown = kt.RandomSearch(build_model, objective=kt.Objective("val_custom_metric", direction="max"), overwrite=True)  # expect: KNL303
wrong_way = kt.RandomSearch(build_model, objective=kt.Objective("val_f1_score", direction="max"), overwrite=True)  # expect: KNL303
bad_word = kt.RandomSearch(
    build_model,
    objective=kt.Objective("val_auc", direction="max"),  # expect: KNL303
    overwrite=True,
)
backwards = kt.RandomSearch(
    build_model,
    objective=kt.Objective("val_loss", direction="min"),  # expect: KNL303
    overwrite=True,
)
oracle = kt.oracles.BayesianOptimizationOracle(objective=kt.Objective("val_mean_io_u", direction="max"), max_trials=3)  # expect: KNL303
