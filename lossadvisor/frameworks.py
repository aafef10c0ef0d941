"""Framework code for a recommendation: keras, pytorch, jax (optax).

PLACEHOLDER during development: names only, from the loss catalog.
"""

from __future__ import annotations

FRAMEWORKS = ("pytorch", "keras", "jax")


def framework_code(rec, rb) -> dict:
    name = rec.framework
    catalog = rb.losses[rec.loss]
    return {
        "name": name,
        "output_layer": "",
        "loss": (catalog.get("frameworks") or {}).get(name) or "",
        "inference": "",
        "code": "",
    }
