"""optax has no Cox loss: the one the generated JAX programs carry."""

import jax
import jax.numpy as jnp

# ---- emitted into the program (the constants above are filled in)
def cox_partial_likelihood(log_risk, targets):
    # optax has no Cox loss. Negative log partial likelihood, Breslow ties, over the events.
    # targets: (batch, 2), column 0 the time, column 1 the event (1) or censoring (0)
    time, event = targets[:, 0], targets[:, 1]
    order = jnp.argsort(-time)  # longest time first
    time, event, log_risk = time[order], event[order], log_risk.reshape(-1)[order]
    # log sum of exp(log_risk) over the rows with a time >= each row's: a running log-sum-exp
    log_risk_set = jax.lax.cumlogsumexp(log_risk)
    # Breslow ties: each row of a tied time takes the risk set of the whole tie (its last row)
    last_of_tie = jnp.searchsorted(-time, -time, side="right") - 1
    log_risk_set = log_risk_set[last_of_tie]
    # a batch without events has no terms: divide by max(events, 1) so that it gives 0, not 0/0
    return -((log_risk - log_risk_set) * event).sum() / jnp.maximum(event.sum(), 1.0)
