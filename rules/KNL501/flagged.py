import keras
import keras_tuner as kt
import pandas as pd
from keras import layers


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


df = pd.read_csv("housing.csv")
x = df.drop(columns=["price"]).to_numpy()
y = df["price"].to_numpy()

tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, overwrite=True)
tuner.search(x, y, epochs=5, validation_split=0.2)  # expect: KNL501


def load_validation():
    frame = pd.read_parquet("val.parquet")
    return frame.drop(columns=["price"]).values, frame["price"].values


model = build_model(None)
model.fit(x[:100], y[:100], validation_data=load_validation())  # expect: KNL501


def scale(table):
    return (table - table.mean()) / table.std()


def train_on(frame):
    model.fit(scale(frame.drop(columns=["price"])).to_numpy(), frame["price"].to_numpy())  # expect: KNL501


train_on(pd.read_csv("houses_2024.csv"))
