"""Keras has no cumulative link loss: the one the generated Keras programs carry."""

import keras

# ---- emitted into the program (the constants above are filled in)
def cumulative_link_loss(y_true, y_pred):
    # Keras has no cumulative link loss. Column k of y_pred is cut_k - score, the logit
    # of P(y <= k); padded with -inf below level 0 and +inf above the top level,
    # -log P(y) is exact for every level
    # the levels as a column (Keras may pass them as (batch,) or (batch, 1))
    levels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1, 1))
    edge = keras.ops.full_like(y_pred[:, :1], float("inf"))
    padded = keras.ops.concatenate([-edge, y_pred, edge], axis=1)
    lower = keras.ops.take_along_axis(padded, levels, axis=1)[:, 0]  # cut_{y-1} - score
    upper = keras.ops.take_along_axis(padded, levels + 1, axis=1)[:, 0]  # cut_y - score
    # P(y) = sigmoid(upper) - sigmoid(lower)
    #      = sigmoid(upper) sigmoid(-lower) (1 - exp(lower - upper)), as logs: no cancellation
    gap = keras.ops.log(-keras.ops.expm1(lower - upper))
    return keras.ops.softplus(-upper) + keras.ops.softplus(lower) - gap


def level_probabilities(cumulative_logits):
    # P(y = k) = P(y <= k) - P(y <= k - 1), shape (batch, levels)
    below = keras.ops.sigmoid(cumulative_logits)
    zeros = keras.ops.zeros_like(below[:, :1])
    return keras.ops.diff(keras.ops.concatenate([zeros, below, zeros + 1.0], axis=1), axis=1)


loss = cumulative_link_loss
