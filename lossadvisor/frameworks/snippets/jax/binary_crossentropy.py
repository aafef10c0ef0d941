"""optax binary cross-entropy with a weight per label on the positives (optax has no pos_weight):
the one the generated JAX programs carry with class_weight=balanced."""

import jax.numpy as jnp
import optax

pos_weight = jnp.ones(1)  # the program computes it from the training labels

# ---- emitted into the program (the constants above are filled in)
pos_weight = jnp.asarray(pos_weight)

def weighted_bce(logits, labels):
    # optax has no pos_weight: weight each positive by negatives / positives of its label
    # (the same as PyTorch BCEWithLogitsLoss(pos_weight=...))
    weights = jnp.where(labels == 1, pos_weight, 1.0)
    return (optax.losses.sigmoid_binary_cross_entropy(logits, labels) * weights).mean()
