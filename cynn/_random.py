"""The one random generator behind every cynn random function (``manual_seed``)."""
import numpy as np

__all__ = ["manual_seed", "seed", "initial_seed", "default_generator"]


class Generator:
    """Wraps a numpy ``Generator`` (PCG64) so that one seed fixes all of cynn's randomness."""

    def __init__(self, seed=0):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        seed = int(seed)
        self._initial_seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed & 0xFFFF_FFFF_FFFF_FFFF))
        return self

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        self.numpy.bit_generator.state = state


default_generator = Generator(np.random.SeedSequence().entropy & 0xFFFF_FFFF)


def manual_seed(seed):
    """Seed cynn's generator: the same seed gives the same ``rand``/``randn``/init/shuffle."""
    return default_generator.manual_seed(seed)


def seed():
    """Re-seed from fresh OS entropy; returns the new seed."""
    s = int(np.random.SeedSequence().entropy & 0xFFFF_FFFF)
    default_generator.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def generator():
    """The numpy Generator every cynn random function draws from."""
    return default_generator.numpy

