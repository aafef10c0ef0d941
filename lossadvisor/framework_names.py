"""The frameworks lossadvisor speaks, in their display order, with their titles and the
modules each needs, and the array modules ``check --impl`` hands a user's function: the one
table of each."""

from __future__ import annotations

#: framework id -> title, in the order every listing uses.
TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}
FRAMEWORKS = tuple(TITLES)

#: framework id -> the top-level modules it needs, each also the name pip installs it by.
MODULES = {"pytorch": ("torch",), "keras": ("keras",), "jax": ("jax", "optax")}


#: ``--impl-framework`` id -> (the module whose arrays the user's function gets, its integer dtype,
#: its float dtype); the module's top-level package is also the name pip installs it by.
IMPL_MODULES = {"numpy": ("numpy", "int64", "float64"), "torch": ("torch", "int64", "float64"),
                "jax": ("jax.numpy", "int32", "float32")}


def impl_package(name: str) -> str:
    """The top-level package of an ``--impl-framework`` id's array module.

    >>> impl_package("jax")
    'jax'
    """
    return IMPL_MODULES[name][0].split(".")[0]


def impl_install_hint(name: str) -> str:
    """``pip install ...`` for an ``--impl-framework`` id.

    >>> impl_install_hint("jax")
    'pip install jax'
    """
    return "pip install " + impl_package(name)


def install_hint(name: str) -> str:
    """``pip install ...`` for a framework id.

    >>> install_hint("jax")
    'pip install jax optax'
    """
    return "pip install " + " ".join(MODULES[name])
