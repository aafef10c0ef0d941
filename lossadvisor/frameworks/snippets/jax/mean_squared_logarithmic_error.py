"""optax has no mean squared logarithmic error: the one the generated JAX programs carry."""

import jax.numpy as jnp

# ---- emitted into the program (the constants above are filled in)
def msle(outputs, targets, eps=1e-7):
    # optax has no MSLE. Keras semantics: log(max(v, eps) + 1) on both sides,
    # squared difference, mean over outputs and batch
    log_error = jnp.log1p(jnp.maximum(outputs, eps)) - jnp.log1p(jnp.maximum(targets, eps))
    return jnp.square(log_error).mean()
