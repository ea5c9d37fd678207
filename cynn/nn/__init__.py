"""``cynn.nn``: Modules, Parameters, containers, layers, losses (mirrors ``torch.nn``)."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
from .build import build  # noqa: F401
from . import utils  # noqa: F401  (last: it builds on the modules above)
