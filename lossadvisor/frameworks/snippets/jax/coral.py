"""optax has no CORAL loss: the one the generated JAX programs carry."""

import jax.numpy as jnp
import optax

# ---- emitted into the program (the constants above are filled in)
def coral_loss(logits, targets):
    # optax has no CORAL loss. One binary task per cut, y > k: binary cross-entropy
    # summed over the tasks, mean over the batch
    above = (targets[:, None] > jnp.arange(logits.shape[1])).astype(logits.dtype)
    return optax.losses.sigmoid_binary_cross_entropy(logits, above).sum(axis=1).mean()
