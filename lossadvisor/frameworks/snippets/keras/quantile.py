"""Keras has no quantile (pinball) loss: the one the generated Keras programs carry."""

import keras

OUTPUTS = 2  # target values per example
QUANTILES = [0.1, 0.5, 0.9]  # the quantile levels, the last axis of the reshaped output
N_QUANTILES = 3  # len(QUANTILES)

# ---- emitted into the program (the constants above are filled in)
quantiles = keras.ops.convert_to_tensor(QUANTILES)


def quantile_loss(y_true, y_pred):
    # Keras has no quantile loss. Pinball loss max(q e, (q - 1) e), e = y - prediction,
    # mean over outputs and quantiles
    y_pred = keras.ops.reshape(y_pred, (-1, OUTPUTS, N_QUANTILES))  # (batch, outputs, quantiles)
    error = keras.ops.expand_dims(y_true, -1) - y_pred
    pinball = keras.ops.maximum(quantiles * error, (quantiles - 1.0) * error)
    return keras.ops.mean(pinball, axis=(-2, -1))


loss = quantile_loss
