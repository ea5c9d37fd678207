"""``cynn.nn``: Modules, Parameters, containers, layers, losses (mirrors ``torch.nn``)."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
from .build import build  # noqa: F401


def __getattr__(name):
    if name == "utils":
        import importlib
        return importlib.import_module(".utils", __name__)
    raise AttributeError(f"module 'cynn.nn' has no attribute {name!r}")
