"""``cynn.nn.functional`` (``F``): stateless forms of every layer and loss.

Each file holds one family; this module re-exports them all, as torch.nn.functional does.
"""
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .attention import _canonical_mask, _none_or_dtype  # noqa: F401 -- torch's F has them
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .vision import *  # noqa: F401,F403
