"""KerasTuner NaN example 1: sigmoid output + binary crossentropy, val_accuracy objective, linear learning-rate range."""
import tensorflow as tf
import keras
from keras.layers import Dense, Input
from keras.models import Model
from keras.optimizers import Adam
from keras_tuner import RandomSearch

def build_model(hp):
    inputs = Input(shape=(1,))
    x = Dense(hp.Int('units_1', min_value=32, max_value=128, step=32), activation='relu')(inputs)
    outputs = Dense(1, activation='sigmoid')(x)
    model = Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=Adam(learning_rate=hp.Float('learning_rate', min_value=1e-4, max_value=1e-2)),
                  loss='binary_crossentropy',
                  metrics=['accuracy'])
    return model

tuner = RandomSearch(
    build_model,
    objective='val_accuracy',
    max_trials=5,
    directory='my_dir',
    project_name='my_project'
)


# Generate some dummy data
import numpy as np
x_train = np.random.rand(1000, 1)
y_train = np.random.randint(0, 2, size=(1000, 1))
x_val = np.random.rand(200, 1)
y_val = np.random.randint(0, 2, size=(200, 1))


tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val))

