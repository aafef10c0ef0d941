"""Keras binary cross-entropy with a weight per label on the positives (BinaryCrossentropy has none):
the one the generated Keras programs carry for several labels with class_weight=balanced."""

import keras
import numpy as np

pos_weight = np.ones(1, dtype="float32")  # the program computes it from the training labels

# ---- emitted into the program (the constants above are filled in)
pos_weight_tensor = keras.ops.convert_to_tensor(pos_weight, dtype="float32")


def weighted_binary_crossentropy(y_true, logits):
    # keras.losses.BinaryCrossentropy has no per-label weight, and class_weight in fit weights
    # whole examples: a weighted loss on logits instead,
    # -[w y log s(z) + (1 - y) log(1 - s(z))], s = sigmoid, as BCEWithLogitsLoss(pos_weight=w)
    return -keras.ops.mean(
        pos_weight_tensor * y_true * keras.ops.log_sigmoid(logits)
        + (1.0 - y_true) * keras.ops.log_sigmoid(-logits),
        axis=-1,
    )


loss = weighted_binary_crossentropy
