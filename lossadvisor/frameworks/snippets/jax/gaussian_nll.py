"""optax has no Gaussian negative log-likelihood: the one the generated JAX programs carry."""

import jax
import jax.numpy as jnp

OUTPUTS = 2  # target values per example: the output layer has 2 * OUTPUTS units

# ---- emitted into the program (the constants above are filled in)
# the output layer has 2 * OUTPUTS units: the means, then the raw variances
def gaussian_nll(outputs, targets):
    # optax has no Gaussian NLL: mean over outputs of 0.5 * (log var + (y - mean)^2 / var),
    # var = softplus(raw) + 1e-6 keeps the variance positive
    mean, variance = outputs[:, :OUTPUTS], jax.nn.softplus(outputs[:, OUTPUTS:]) + 1e-6
    return (0.5 * (jnp.log(variance) + jnp.square(targets - mean) / variance)).mean()
