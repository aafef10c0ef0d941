"""optax has no cumulative link loss: the one the generated JAX programs carry."""

import jax
import jax.numpy as jnp

# ---- emitted into the program (the constants above are filled in)
def cumulative_link_loss(cumulative_logits, targets):
    # optax has no cumulative link loss. Column k of cumulative_logits is cut_k - score, the logit
    # of P(y <= k); padded with -inf below level 0 and +inf above the top level,
    # -log P(y) is exact for every level
    edge = jnp.full_like(cumulative_logits[:, :1], jnp.inf)
    padded = jnp.concatenate([-edge, cumulative_logits, edge], axis=1)
    lower = jnp.take_along_axis(padded, targets[:, None], axis=1)[:, 0]  # cut_{y-1} - score
    upper = jnp.take_along_axis(padded, targets[:, None] + 1, axis=1)[:, 0]  # cut_y - score
    # P(y) = sigmoid(upper) - sigmoid(lower)
    #      = sigmoid(upper) sigmoid(-lower) (1 - exp(lower - upper)), as logs: no cancellation
    gap = jnp.log(-jnp.expm1(lower - upper))
    return (jax.nn.softplus(-upper) + jax.nn.softplus(lower) - gap).mean()


def level_probabilities(cumulative_logits):
    # P(y = k) = P(y <= k) - P(y <= k - 1), shape (batch, levels)
    below = jax.nn.sigmoid(cumulative_logits)
    zeros = jnp.zeros_like(below[:, :1])
    return jnp.diff(jnp.concatenate([zeros, below, zeros + 1.0], axis=1), axis=1)
