"""The frameworks lossadvisor speaks, in their display order, with their titles and the
modules each needs: the one table."""

from __future__ import annotations

#: framework id -> title, in the order every listing uses.
TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}
FRAMEWORKS = tuple(TITLES)

#: framework id -> the top-level modules it needs, each also the name pip installs it by.
MODULES = {"pytorch": ("torch",), "keras": ("keras",), "jax": ("jax", "optax")}


def install_hint(name: str) -> str:
    """``pip install ...`` for a framework id.

    >>> install_hint("jax")
    'pip install jax optax'
    """
    return "pip install " + " ".join(MODULES[name])
