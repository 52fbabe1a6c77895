import keras
import numpy as np


def clean_labels(y):
    y[y == np.nan] = 0.0  # noqa: KNL107
    y = y * 2.0  # noqa: KNL107  # expect: KNL001
    y = y + 1.0  # noqa: E501, KNL107  # expect: KNL001
    y = y - 1.0  # noqa: KNL999  # expect: KNL001
    y = keras.ops.abs(y)  # type: ignore  # noqa: KNL101  # expect: KNL001
    y = keras.ops.sqrt(y + 1.0)  # noqa  # expect: KNL001
    return y
