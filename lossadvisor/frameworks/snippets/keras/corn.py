"""Keras has no CORN loss: the one the generated Keras programs carry."""

import keras

CLASSES = 5  # the number of ordered levels: CLASSES - 1 tasks

# ---- emitted into the program (the constants above are filled in)
def corn_loss(y_true, y_pred):
    # Keras has no CORN loss. Task k predicts y > k from the rows with y >= k (the chain
    # P(y > k | y > k - 1)): binary cross-entropy over the kept (row, task) pairs,
    # divided by their number
    # the levels as a column (Keras may pass them as (batch,) or (batch, 1))
    levels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1, 1))
    tasks = keras.ops.arange(CLASSES - 1)
    above = keras.ops.cast(levels > tasks, y_pred.dtype)
    kept = keras.ops.cast(levels >= tasks, y_pred.dtype)
    bce = keras.ops.binary_crossentropy(above, y_pred, from_logits=True)
    return keras.ops.sum(bce * kept) / keras.ops.sum(kept)


loss = corn_loss
