"""lossadvisor: pick the output activation and loss for a problem, with proof.

The importable core (rule base, engine, reference) never imports click or rich.

The Python API (:mod:`lossadvisor.api`) is here, loaded on first use so that ``import
lossadvisor`` stays light: ``lossadvisor.recommend(**answers)``, ``lossadvisor.check(*losses)``,
``lossadvisor.infer(path_or_array)`` and ``lossadvisor.lint(*files, **model)`` return results
whose ``.to_dict()`` is the document the command prints with ``--json``.
"""

__version__ = "0.1.0"

#: the API functions, by the module that defines them; infer and lint are also the packages
#: of those names, which run the function when called
_API = {"recommend": "lossadvisor.api", "check": "lossadvisor.api",
        "infer": "lossadvisor.infer", "lint": "lossadvisor.lint"}


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'lossadvisor' has no attribute '{name}'")
    import importlib

    module = importlib.import_module(_API[name])
    return getattr(module, name) if module.__name__ == "lossadvisor.api" else module


def __dir__():
    return sorted([*globals(), *_API])
