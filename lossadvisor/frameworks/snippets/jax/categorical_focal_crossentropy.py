"""optax has no categorical focal loss: the one the generated JAX programs carry."""

import jax
import jax.numpy as jnp

GAMMA = 2.0  # the focusing parameter
ALPHA = 0.25  # the weight of every class

# ---- emitted into the program (the constants above are filled in)
def categorical_focal_loss(logits, targets, gamma=GAMMA, alpha=ALPHA):
    # optax has no categorical focal loss. Keras CategoricalFocalCrossentropy semantics:
    # -alpha * sum_k y_k (1 - p_k)^gamma log p_k over classes, mean over the batch
    log_p = jax.nn.log_softmax(logits, axis=-1)
    return -(alpha * targets * (1 - jnp.exp(log_p)) ** gamma * log_p).sum(axis=-1).mean()
