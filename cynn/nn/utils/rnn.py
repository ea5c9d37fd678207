"""``cynn.nn.utils.rnn``: packed sequences and padding helpers for the recurrent layers
(mirrors ``torch.nn.utils.rnn``). They live in ``cynn.nn.sequence_packing``, below both
the layers and this package, so that neither imports the other."""
from ..sequence_packing import *  # noqa: F401,F403
from ..sequence_packing import __all__  # noqa: F401
