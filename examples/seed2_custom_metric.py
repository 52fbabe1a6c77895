"""KerasTuner NaN example 2: custom metric guarded by epsilon; objective "val_custom_metric" has no inferable direction."""
import tensorflow as tf
import keras
from keras.layers import Dense, Input
from keras.models import Model
from keras.optimizers import Adam
from keras_tuner import RandomSearch
import numpy as np

def custom_metric(y_true, y_pred):
    # This is a contrived metric that could result in NaNs, but illustrates the concept
    true_positives = tf.reduce_sum(tf.cast(tf.logical_and(tf.round(y_pred) == 1, y_true == 1), tf.float32))
    predicted_positives = tf.reduce_sum(tf.cast(tf.round(y_pred) == 1, tf.float32))
    return true_positives / (predicted_positives + keras.backend.epsilon()) # Use epsilon to avoid zero-division

def build_model(hp):
    inputs = Input(shape=(1,))
    x = Dense(hp.Int('units_1', min_value=32, max_value=128, step=32), activation='relu')(inputs)
    outputs = Dense(1, activation='sigmoid')(x)
    model = Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=Adam(learning_rate=hp.Float('learning_rate', min_value=1e-4, max_value=1e-2)),
                  loss='binary_crossentropy',
                  metrics=[custom_metric])
    return model

tuner = RandomSearch(
    build_model,
    objective='val_custom_metric',
    max_trials=5,
    directory='my_dir',
    project_name='my_project'
)

# Generate some dummy data
x_train = np.random.rand(1000, 1)
y_train = np.random.randint(0, 2, size=(1000, 1))
x_val = np.random.rand(200, 1)
y_val = np.random.randint(0, 2, size=(200, 1))

tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val))
