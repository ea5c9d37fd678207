"""``cynn.random``: the generator's seed and state, as ``torch.random``."""
import contextlib

from ._random import (get_rng_state, initial_seed, manual_seed, seed,  # noqa: F401
                      set_rng_state, default_generator)

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
           "default_generator"]


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
