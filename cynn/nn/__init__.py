"""``cynn.nn``: Modules, Parameters, containers, layers, losses (mirrors ``torch.nn``)."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
from . import parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from .build import build  # noqa: F401
from . import utils  # noqa: F401  (last: it builds on the modules above)

import sys as _sys  # noqa: E402
from .. import registry as _registry  # noqa: E402

# The registry lists and builds these layers but does not import cynn.nn (which imports
# it): handing them over here keeps the dependency one way.
_registry._set_builtins(_sys.modules[__name__])
