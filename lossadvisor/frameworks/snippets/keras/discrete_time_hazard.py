"""Keras has no discrete-time hazard loss: the one the generated Keras programs carry."""

import keras

# ---- emitted into the program (the constants above are filled in)
def discrete_time_hazard(y_true, y_pred):
    # Keras has no discrete-time hazard loss. y_pred: (batch, intervals), a hazard logit per
    # interval; y_true: (batch, 2), column 0 the interval index, column 1 the event (1)
    # or censoring (0).
    # Per row: the sum over the intervals up to its own of BCE(hazard, 1 in the event's interval).
    ops = keras.ops
    interval, event = y_true[:, 0:1], y_true[:, 1:2]
    steps = ops.cast(ops.arange(ops.shape(y_pred)[1]), y_pred.dtype)[None, :]
    at_risk = ops.cast(steps <= interval, y_pred.dtype)
    labels = ops.cast(steps == interval, y_pred.dtype) * event
    # binary cross-entropy from logits: softplus(z) - z y
    bce = ops.softplus(y_pred) - y_pred * labels
    return ops.sum(bce * at_risk, axis=1)


loss = discrete_time_hazard
