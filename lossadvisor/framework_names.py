"""The frameworks lossadvisor speaks, in their display order, with their titles: the one table."""

from __future__ import annotations

#: framework id -> title, in the order every listing uses.
TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}
FRAMEWORKS = tuple(TITLES)
