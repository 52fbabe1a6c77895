"""KNL501 unchecked-missing-values and KNL502 constant-labels."""

from __future__ import annotations

import textwrap
from pathlib import Path

from kerasnanlint.config import Settings
from kerasnanlint.diagnostics import Diagnostic
from kerasnanlint.engine import lint_source

ROOT = Path(__file__).resolve().parent.parent
HEAD = """\
import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
from keras import layers


def build_model(hp):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=2, overwrite=True)
"""


def lint(body: str, code: str) -> list[Diagnostic]:
    return [d for d in lint_source(HEAD + textwrap.dedent(body), "t.py", Settings()) if d.rule == code]


def lines(body: str, code: str) -> list[int]:
    start = HEAD.count("\n")
    return [d.line - start for d in lint(body, code)]


# --- KNL502 ------------------------------------------------------------------------------------------------------


def test_seed_script_3_gets_knl502_on_np_zeros() -> None:
    path = ROOT / "examples" / "seed3_constant_labels.py"
    found = [d for d in lint_source(path.read_bytes(), str(path), Settings()) if d.rule == "KNL502"]
    assert [(d.line, d.col) for d in found] == [(33, 11)]
    assert "`y_train` are all zeros" in found[0].message and "tuner.search" in found[0].message


def test_seed_scripts_1_and_2_have_real_labels() -> None:
    for name in ("seed1_sigmoid_bce.py", "seed2_custom_metric.py"):
        path = ROOT / "examples" / name
        assert [d for d in lint_source(path.read_bytes(), str(path), Settings()) if d.rule == "KNL502"] == []


def test_constant_label_builders() -> None:
    body = """
    x = np.random.rand(10, 3)
    tuner.search(x, {labels}, validation_split=0.2)
    """
    for labels in (
        "np.zeros((10, 1))",
        "np.ones(10)",
        "np.full((10, 1), 2.0)",
        "np.zeros_like(x[:, :1])",
        "np.zeros((10, 1)).astype('int32')",
        "tf.zeros((10, 1))",
        "keras.ops.ones((10, 1))",
    ):
        src = body.format(labels=labels)
        if "tf." in labels:
            src = "\n    import tensorflow as tf" + src
        assert len(lint(src, "KNL502")) == 1, labels
    assert lint(body.format(labels="np.random.randint(0, 2, 10)"), "KNL502") == []
    assert lint(body.format(labels="np.empty(10)"), "KNL502") == []


def test_y_keyword_and_fit_of_a_local_model() -> None:
    body = """
    y = np.ones((10, 1))
    model = build_model(None)
    model.fit(x=np.random.rand(10, 3), y=y, epochs=1)
    """
    assert lines(body, "KNL502") == [2]


def test_labels_changed_after_building_are_not_constant() -> None:
    for change in ("y[:5] = 1", "y += noise", "y.fill(3)", "np.put(y, [0], 1)", "y[idx, labels] = 1.0"):
        body = f"""
        y = np.zeros((10, 1))
        {change}
        tuner.search(np.random.rand(10, 3), y)
        """
        assert lint(body, "KNL502") == [], change


def test_rebound_labels_are_unknown() -> None:
    body = """
    y = np.zeros(10)
    if real:
        y = load_labels()
    tuner.search(np.random.rand(10, 3), y)
    """
    assert lint(body, "KNL502") == []


def test_custom_or_unknown_losses_and_smoke_tests_stay_silent() -> None:
    custom = """
    def ignore_labels(y_true, y_pred):
        return keras.ops.mean(y_pred)

    def build_custom(hp):
        model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
        model.compile(optimizer="adam", loss=ignore_labels)
        return model

    t2 = kt.RandomSearch(build_custom, objective="val_loss")
    t2.search(np.random.rand(10, 3), np.zeros(10))
    """
    assert lint(custom, "KNL502") == []
    unknown = """
    from elsewhere import HyperNet
    t3 = kt.RandomSearch(HyperNet(), objective="val_loss")
    t3.search(np.random.rand(10, 3), np.zeros(10))
    loaded = keras.models.load_model("m.keras")
    loaded.fit(np.random.rand(10, 3), np.zeros(10))
    """
    assert lint(unknown, "KNL502") == []
    smoke = "build_model(None).fit(np.ones((2, 3)), np.zeros((2, 1)))\nmodel = build_model(None)\n"
    smoke += "model.fit(np.ones((2, 3)), np.zeros((2, 1)))\n"
    assert lint(smoke, "KNL502") == []


def test_validation_labels_and_non_keras_fit_are_not_checked() -> None:
    body = """
    from sklearn.linear_model import LogisticRegression
    tuner.search(np.random.rand(10, 3), np.random.randint(0, 2, 10), validation_data=(xv, np.zeros(4)))
    clf = LogisticRegression()
    clf.fit(np.random.rand(10, 3), np.zeros(10))
    """
    assert lint(body, "KNL502") == []


# --- KNL501 ------------------------------------------------------------------------------------------------------


def test_pandas_data_reaching_search() -> None:
    body = """
    df = pd.read_csv("data.csv")
    features = df.drop(columns=["y"])
    x, y = features.to_numpy(), df["y"].to_numpy()
    tuner.search(x, y, validation_split=0.2)
    """
    found = lint(body, "KNL501")
    assert [d.line - HEAD.count("\n") for d in found] == [5]  # on the training call
    assert 'pd.read_csv("data.csv")' in found[0].message and "tuner.search(...)" in found[0].message
    assert "dropna" in str(found[0].help)


def test_through_a_loader_function_and_validation_data() -> None:
    body = """
    def load(path):
        frame = pd.read_parquet(path)
        return frame.values[:, :3], frame.values[:, 3]

    x_val, y_val = load("val.parquet")
    tuner.search(np.random.rand(10, 3), np.random.rand(10), validation_data=(x_val, y_val))
    """
    assert lines(body, "KNL501") == [7]


def test_handling_on_the_way_keeps_it_silent() -> None:
    for handling in (
        "df = df.dropna()",
        "df.fillna(0, inplace=True)",
        "assert not df.isnull().values.any()",
        "x = np.nan_to_num(x)",
        "x = SimpleImputer().fit_transform(x)",
        "df = df.interpolate()",
    ):
        body = f"""
        from sklearn.impute import SimpleImputer
        df = pd.read_csv("data.csv")
        x = df.to_numpy()
        {handling}
        tuner.search(x, df["y"].to_numpy())
        """
        assert lint(body, "KNL501") == [], handling


def test_data_that_never_reaches_training_or_reaches_other_libraries() -> None:
    body = """
    from sklearn.preprocessing import StandardScaler
    import re
    space = pd.read_json("space.json")
    table = pd.read_csv("t.csv")
    scaler = StandardScaler()
    scaler.fit(table)
    re.search("x", table.columns[0])
    tuner.search(np.random.rand(10, 3), np.random.rand(10))
    """
    assert lint(body, "KNL501") == []


def test_no_nan_parsing_options() -> None:
    for options in ("na_filter=False", "keep_default_na=False"):
        body = f"""
        df = pd.read_csv("data.csv", {options})
        tuner.search(df.to_numpy(), df["y"].to_numpy())
        """
        assert lint(body, "KNL501") == [], options
    body = """
    df = pd.read_csv("data.csv", keep_default_na=False, na_values=["?"])
    tuner.search(df.to_numpy(), df["y"].to_numpy())
    """
    assert len(lint(body, "KNL501")) == 1


def test_same_name_in_another_function_is_not_the_read_data() -> None:
    body = """
    def train():
        x = np.random.rand(10, 3)
        tuner.search(x, np.random.rand(10))

    x = pd.read_csv("unused.csv")
    """
    assert lint(body, "KNL501") == []


def test_image_generators_from_a_dataframe_of_paths_are_not_nan_sources() -> None:
    body = """
    from tensorflow.keras.preprocessing.image import ImageDataGenerator
    paths = pd.read_csv("labels.csv")
    gen = ImageDataGenerator(rescale=1 / 255).flow_from_dataframe(paths, x_col="file", y_col="label")
    model = build_model(None)
    model.fit(gen, epochs=1)
    """
    assert lint(body, "KNL501") == []


def test_one_report_per_training_call_naming_the_read() -> None:
    body = """
    a = pd.read_csv("a.csv")
    b = pd.read_csv("b.csv")
    c = pd.read_csv("c.csv")
    x = pd.concat([a, b, c]).to_numpy()
    tuner.search(x[:, :3], x[:, 3])
    model = build_model(None)
    model.fit(x[:, :3], x[:, 3])
    """
    found = lint(body, "KNL501")
    assert [d.line - HEAD.count("\n") for d in found] == [6, 8]
    assert all('pd.read_csv("a.csv")' in d.message for d in found)


def test_through_helper_parameters_and_returns() -> None:
    body = """
    def features(frame):
        return frame.drop(columns=["y"]).to_numpy()

    def train(frame, labels):
        tuner.search(features(frame), labels)

    df = pd.read_csv("data.csv")
    train(df, df["y"].to_numpy())
    """
    assert lines(body, "KNL501") == [6]


def test_handling_inside_a_helper_keeps_it_silent() -> None:
    body = """
    def clean(frame):
        frame = frame.dropna()
        return frame

    df = clean(pd.read_csv("data.csv"))
    tuner.search(df.to_numpy(), df["y"].to_numpy())
    """
    assert lint(body, "KNL501") == []
    body = """
    def train(frame):
        frame.fillna(0, inplace=True)
        tuner.search(frame.to_numpy(), frame["y"].to_numpy())

    train(pd.read_csv("data.csv"))
    """
    assert lint(body, "KNL501") == []


def test_text_paths_and_ids_are_not_findings() -> None:
    for data in (
        'df["image_path"].to_numpy()',
        'df[["caption", "file_name"]].to_numpy()',
        'df["review"].str.lower().to_numpy()',
        'keras.utils.pad_sequences(tok.texts_to_sequences(df["sentence"]))',
        'lookup(df["user"].to_numpy())',
        'df["genre"].map(genres).to_numpy()',
        'pd.get_dummies(df["genre"]).to_numpy()',
    ):
        body = f"""
        lookup = keras.layers.StringLookup()
        tok = keras.preprocessing.text.Tokenizer()
        df = pd.read_csv("data.csv")
        tuner.search({data}, np.random.rand(10))
        """
        assert lint(body, "KNL501") == [], data


def test_data_through_another_package_or_a_class_is_not_followed() -> None:
    body = """
    import my_features
    df = pd.read_csv("data.csv")
    x = my_features.build(df)
    tuner.search(x, np.random.rand(10))
    """
    assert lint(body, "KNL501") == []
    body = """
    class Images(keras.utils.PyDataset):
        def __init__(self, table):
            self.table = table

    df = pd.read_csv("data.csv")
    model = build_model(None)
    model.fit(Images(df), epochs=1)
    """
    assert lint(body, "KNL501") == []


def test_constant_inputs_in_a_list_are_a_smoke_test() -> None:
    body = """
    model = build_model(None)
    model.fit([None], np.ones((4, 1)))
    """
    assert lint(body, "KNL502") == []
