"""Each input kind reaches its own fit(): a tf.data.Dataset, a PyDataset, a generator, a Dataset of strings."""
import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
x = rng.random((512, 4)).astype("float32")
y = rng.integers(0, 2, size=(512, 1)).astype("float32")
x[5, 1] = np.nan  # batch 0: inside the sample the checks read
x[400, 2] = np.inf  # batch 12: beyond it


def model():
    net = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
    net.compile(optimizer="adam", loss="binary_crossentropy")
    return net


class Pixels(keras.utils.PyDataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.full((32, 4), 200.0, "float32") + i, np.ones((32, 1), "float32")


def batches():
    while True:
        yield np.zeros((32, 4), "float32"), np.zeros((32, 1), "float32")


model().fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=1)
model().fit(Pixels(), epochs=1)
model().fit(batches(), steps_per_epoch=3, epochs=1)
words = keras.Sequential([keras.Input(shape=(1,), dtype="string"), keras.layers.StringLookup(vocabulary=["a", "b"]), keras.layers.Dense(1, activation="sigmoid")])
words.compile(optimizer="adam", loss="binary_crossentropy")
words.fit(tf.data.Dataset.from_tensor_slices((np.array([["a"], ["b"]] * 16), np.ones((32, 1), "float32"))).batch(8), epochs=1)
