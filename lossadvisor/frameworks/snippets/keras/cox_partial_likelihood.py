"""Keras has no Cox loss: the one the generated Keras programs carry."""

import keras

# ---- emitted into the program (the constants above are filled in)
def cox_partial_likelihood(y_true, y_pred):
    # Keras has no Cox loss. Negative log partial likelihood, Breslow ties, over the events.
    # y_true: (batch, 2), column 0 the time, column 1 the event (1) or censoring (0)
    ops = keras.ops
    order = ops.argsort(-y_true[:, 0])  # longest time first
    time = ops.take(y_true[:, 0], order)
    event = ops.take(y_true[:, 1], order)
    log_risk = ops.take(ops.reshape(y_pred, (-1,)), order)
    # log sum of exp(log_risk) over the rows with a time >= each row's, shifted by the batch's
    # largest log-risk; exact while no row's cumulative sum underflows (the rows of the longest
    # times all more than 80 below the largest log-risk in float32)
    shift = ops.stop_gradient(ops.max(log_risk))
    log_risk_set = ops.log(ops.cumsum(ops.exp(log_risk - shift))) + shift
    # Breslow ties: each row of a tied time takes the risk set of the whole tie (its last row)
    last_of_tie = ops.searchsorted(-time, -time, side="right") - 1
    log_risk_set = ops.take(log_risk_set, last_of_tie)
    # a batch without events has no terms: divide by max(events, 1) so that it gives 0, not 0/0
    return -ops.sum((log_risk - log_risk_set) * event) / ops.maximum(ops.sum(event), 1.0)


loss = cox_partial_likelihood
