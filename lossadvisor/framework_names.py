"""The frameworks lossadvisor speaks, in their display order, with their titles and the
modules each needs, the array modules ``check --impl`` hands a user's function, and the
other names people call them by: the one table of each."""

from __future__ import annotations

#: framework id -> title, in the order every listing uses.
TITLES = {"pytorch": "PyTorch", "keras": "Keras 3", "jax": "JAX + optax"}
FRAMEWORKS = tuple(TITLES)

#: names that mean one framework, each set once. Every option and question that takes a
#: framework (recommend's --framework question, check --framework, check --impl-framework)
#: accepts any name of a set, case-insensitively (:func:`framework_id`), and gives the one its
#: own choices hold:
#: ``pytorch`` for the framework of recommend and check, ``torch`` for --impl-framework,
#: whose ids name the array module the user's function gets.
SAME_FRAMEWORK = (("pytorch", "torch"),)


def aliases(choices) -> dict[str, str]:
    """The other names of the frameworks among ``choices``: alias -> the choice it means.

    >>> aliases(("pytorch", "keras", "jax"))
    {'torch': 'pytorch'}
    >>> aliases(("numpy", "torch", "jax"))
    {'pytorch': 'torch'}
    """
    out = {}
    for names in SAME_FRAMEWORK:
        held = [name for name in names if name in choices]
        if len(held) == 1:
            out.update({name: held[0] for name in names if name != held[0]})
    return out


def framework_id(name, choices=FRAMEWORKS) -> str | None:
    """The one of ``choices`` that ``name`` names, case-insensitively: itself or another name of
    it (:data:`SAME_FRAMEWORK`); None when it names none. Every option and question that takes
    a framework reads its value with this.

    >>> framework_id("Torch"), framework_id(" pytorch ", ("numpy", "torch", "jax")), framework_id("tf")
    ('pytorch', 'torch', None)
    """
    if not isinstance(name, str):
        return None
    folded = name.strip().casefold()
    named = {choice.casefold(): choice for choice in choices}
    return named.get(folded) or aliases(choices).get(folded)


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
