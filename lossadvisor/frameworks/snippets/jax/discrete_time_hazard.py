"""optax has no discrete-time hazard loss: the one the generated JAX programs carry."""

import jax.numpy as jnp
import optax

# ---- emitted into the program (the constants above are filled in)
def discrete_time_hazard(logits, targets):
    # optax has no discrete-time hazard loss. logits: (batch, intervals), a hazard logit per
    # interval; targets: (batch, 2), column 0 the interval index, column 1 the event (1)
    # or censoring (0).
    # Per row: the sum over the intervals up to its own of BCE(hazard, 1 in the event's interval).
    interval, event = targets[:, 0].astype(jnp.int32), targets[:, 1]
    steps = jnp.arange(logits.shape[1])
    at_risk = steps[None, :] <= interval[:, None]
    labels = (steps[None, :] == interval[:, None]) * event[:, None]
    bce = optax.losses.sigmoid_binary_cross_entropy(logits, labels)
    return jnp.where(at_risk, bce, 0.0).sum(axis=1).mean()
