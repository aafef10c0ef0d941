"""Keras has no Gaussian negative log-likelihood: the one the generated Keras programs carry."""

import keras

OUTPUTS = 2  # target values per example: the output layer has 2 * OUTPUTS units

# ---- emitted into the program (the constants above are filled in)
# the output layer has 2 * OUTPUTS units: the means, then the raw variances
def gaussian_nll(y_true, y_pred):
    # Keras has no Gaussian NLL: mean over outputs of 0.5 * (log var + (y - mean)^2 / var),
    # var = softplus(raw) + 1e-6 keeps the variance positive
    mean = y_pred[:, :OUTPUTS]
    variance = keras.ops.softplus(y_pred[:, OUTPUTS:]) + 1e-6
    nll = 0.5 * (keras.ops.log(variance) + keras.ops.square(y_true - mean) / variance)
    return keras.ops.mean(nll, axis=-1)


loss = gaussian_nll
