"""The one registry of losses: ``discover`` finds every ``SPEC`` in ``reference/losses/`` and
in the folders named by ``LOSSADVISOR_LOSS_PATH`` (``os.pathsep``-separated); the result is
held once, as ``lossadvisor.reference.SPECS``.

A module is registered when it defines ``SPEC``, a ``LossSpec`` whose reference function
has the module's name. A folder on the path adds losses, or replaces a shipped one of the
same id; a module that cannot be imported, or whose ``SPEC`` is missing or misnamed, is an
error naming the file (never a silently missing loss).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys

from lossadvisor.errors import InputError
from lossadvisor.reference.spec import LossSpec

PATH_ENV = "LOSSADVISOR_LOSS_PATH"

class LossModuleError(InputError):
    """A loss module that cannot be registered (exit 2, naming the file)."""


def _register(specs: dict, module, where: str) -> None:
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, LossSpec):
        raise LossModuleError(f"{where}: a loss module must define SPEC = LossSpec(...)")
    stem = module.__name__.rpartition(".")[2]
    if spec.id != stem:
        raise LossModuleError(f"{where}: SPEC's reference function is '{spec.id}', but the module is '{stem}'")
    specs[spec.id] = spec


def _shipped(specs: dict) -> None:
    from lossadvisor.reference import losses

    for info in sorted(pkgutil.iter_modules(losses.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        name = f"{losses.__name__}.{info.name}"
        _register(specs, importlib.import_module(name), name)


def _from_folder(specs: dict, folder: str) -> None:
    if not os.path.isdir(folder):
        raise LossModuleError(f"{PATH_ENV}: {folder}: no such folder")
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith(".py") or fname.startswith("_"):
            continue
        path = os.path.join(folder, fname)
        name = f"lossadvisor_user_losses.{fname[:-3]}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - a user's module: name it, whatever it raised
            del sys.modules[name]
            raise LossModuleError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from None
        _register(specs, module, path)


def discover() -> dict[str, LossSpec]:
    """loss id -> LossSpec, shipped first (in id order), then the path's folders.

    ``lossadvisor.reference`` calls it once, at import, and holds the result as ``SPECS``.
    """
    found: dict[str, LossSpec] = {}
    _shipped(found)
    for folder in filter(None, os.environ.get(PATH_ENV, "").split(os.pathsep)):
        _from_folder(found, folder)
    return found
