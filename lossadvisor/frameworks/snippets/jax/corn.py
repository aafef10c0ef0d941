"""optax has no CORN loss: the one the generated JAX programs carry."""

import jax.numpy as jnp
import optax

# ---- emitted into the program (the constants above are filled in)
def corn_loss(logits, targets):
    # optax has no CORN loss. Task k predicts y > k from the rows with y >= k (the chain
    # P(y > k | y > k - 1)): binary cross-entropy over the kept (row, task) pairs,
    # divided by their number
    tasks = jnp.arange(logits.shape[1])
    above = (targets[:, None] > tasks).astype(logits.dtype)
    kept = (targets[:, None] >= tasks).astype(logits.dtype)
    bce = optax.losses.sigmoid_binary_cross_entropy(logits, above)
    return (bce * kept).sum() / kept.sum()
