"""Keras has no Cox loss: the one the generated Keras programs carry."""

import keras

# ---- emitted into the program (the constants above are filled in)
def cox_partial_likelihood(y_true, y_pred):
    # Keras has no Cox loss. Negative log partial likelihood, Breslow ties, over the events.
    # y_true: (batch, 2), column 0 the time, column 1 the event (1) or censoring (0)
    ops = keras.ops
    time, event = y_true[:, 0], y_true[:, 1]
    log_risk = ops.reshape(y_pred, (-1,))
    # row i's risk set: the rows with a time >= its own (a tie's rows all in it: Breslow ties)
    at_risk = ops.expand_dims(time, 0) >= ops.expand_dims(time, 1)
    # log sum of exp(log_risk) over each risk set: a log-sum-exp per row, the rest at -inf
    # (exact at any log-risk scale; batch x batch, small for one batch)
    in_risk_set = ops.where(at_risk, ops.expand_dims(log_risk, 0), float("-inf"))
    log_risk_set = ops.logsumexp(in_risk_set, axis=1)
    # a batch without events has no terms: divide by max(events, 1) so that it gives 0, not 0/0
    return -ops.sum((log_risk - log_risk_set) * event) / ops.maximum(ops.sum(event), 1.0)


loss = cox_partial_likelihood
