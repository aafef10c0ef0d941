"""optax has no squared hinge loss: the one the generated JAX programs carry."""

import jax.numpy as jnp

# ---- emitted into the program (the constants above are filled in)
def squared_hinge(scores, targets):
    # optax has no squared hinge: max(0, 1 - y * score)^2, mean over outputs and batch
    return jnp.square(jnp.maximum(0.0, 1.0 - targets * scores)).mean()
