"""optax has no Poisson loss: the one (on the log rate) the generated JAX programs carry."""

import jax.numpy as jnp

# ---- emitted into the program (the constants above are filled in)
def poisson_nll(log_rate, counts):
    # optax has no Poisson loss. On the log rate (like PyTorch PoissonNLLLoss(log_input=True)):
    # rate - y * log(rate) = exp(log_rate) - y * log_rate, mean over outputs and batch
    return (jnp.exp(log_rate) - counts * log_rate).mean()
