import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
from keras import layers
from sklearn.preprocessing import StandardScaler


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, overwrite=True)

df = pd.read_csv("housing.csv").dropna()
tuner.search(df.drop(columns=["price"]).to_numpy(), df["price"].to_numpy(), epochs=5, validation_split=0.2)

train = pd.read_csv("train.csv")
train.fillna(0.0, inplace=True)
tuner.search(train.drop(columns=["price"]).to_numpy(), train["price"].to_numpy(), validation_split=0.2)

checked = pd.read_csv("checked.csv")
assert not checked.isna().any().any(), "missing values"
tuner.search(checked.drop(columns=["price"]).to_numpy(), checked["price"].to_numpy(), validation_split=0.2)

raw = pd.read_csv("raw.csv")
features = raw.drop(columns=["price"]).to_numpy()
features = np.nan_to_num(features)
tuner.search(features, raw["price"].fillna(raw["price"].mean()).to_numpy(), validation_split=0.2)

text = pd.read_csv("ids.csv", na_filter=False)  # empty fields stay empty strings
tuner.search(text["a"].to_numpy(), text["b"].to_numpy(), validation_split=0.2)

config = pd.read_json("search_space.json")  # read, but never trained on
scaled = StandardScaler().fit(pd.read_csv("other.csv"))  # scikit-learn fit, not Keras


def clean(frame):
    return frame.dropna()


def train_on(frame):
    tuner.search(frame.drop(columns=["price"]).to_numpy(), frame["price"].to_numpy(), validation_split=0.2)


train_on(clean(pd.read_csv("houses_2024.csv")))

captions = pd.read_csv("captions.csv")  # text and image paths: strings, not NaN-able numbers
tokenizer = keras.preprocessing.text.Tokenizer()
tokenizer.fit_on_texts(captions["caption"])
sequences = keras.utils.pad_sequences(tokenizer.texts_to_sequences(captions["caption"]))
tuner.search(sequences, captions[["label_id"]].to_numpy(), validation_split=0.2)
