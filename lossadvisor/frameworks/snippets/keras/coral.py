"""Keras has no CORAL loss: the one the generated Keras programs carry."""

import keras

CLASSES = 5  # the number of ordered levels: CLASSES - 1 tasks

# ---- emitted into the program (the constants above are filled in)
def coral_loss(y_true, y_pred):
    # Keras has no CORAL loss. One binary task per cut, y > k: binary cross-entropy
    # summed over the tasks (Keras takes the mean over the batch)
    # the levels as a column (Keras may pass them as (batch,) or (batch, 1))
    levels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1, 1))
    above = keras.ops.cast(levels > keras.ops.arange(CLASSES - 1), y_pred.dtype)
    bce = keras.ops.binary_crossentropy(above, y_pred, from_logits=True)
    return keras.ops.sum(bce, axis=1)


loss = coral_loss
