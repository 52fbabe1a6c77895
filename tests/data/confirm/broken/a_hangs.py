"""Never reaches fit(): waits forever for data."""
import time

import keras
import numpy as np

while True:
    time.sleep(0.5)

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=5.0), loss="mse")
model.fit(np.zeros((8, 3)), np.zeros((8, 1)))
