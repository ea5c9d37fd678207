"""``cynn.random``: the generator's seed and state, as ``torch.random``."""
import contextlib
import json

import numpy as np

from ._random import default_generator, initial_seed, manual_seed, seed  # noqa: F401
from ._tensor import Tensor

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
           "default_generator"]


def get_rng_state():
    """The generator's state as a uint8 tensor (for ``set_rng_state``)."""
    raw = json.dumps(default_generator.get_state()).encode()
    return Tensor._wrap(np.frombuffer(raw, np.uint8).copy())


def set_rng_state(new_state):
    """Restore a state returned by ``get_rng_state``."""
    if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
        raise TypeError("expected a torch.ByteTensor, but got "
                        f"{type(new_state).__name__}")
    try:
        default_generator.set_state(json.loads(new_state._data.tobytes().decode()))
    except (ValueError, KeyError, TypeError):
        raise RuntimeError("Invalid mt19937 state") from None


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Run a block with a copy of the generator's state and restore the state after,
    so that random numbers drawn inside do not change what is drawn outside.
    ``devices`` and ``device_type`` are accepted for torch's signature (cynn has only
    the CPU generator)."""
    if not enabled:
        yield
        return
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)
