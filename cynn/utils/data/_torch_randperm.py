"""torch's CPU random permutation, bit for bit: ``randperm(n, seed)`` equals
``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``.

Why a second generator: ``DistributedSampler`` must hand every rank the same shard
torch's would for the same arguments, so that a job can move between torch and cynn
(resume a torch run's epoch under cynn, or the other way, without any sample seen
twice or skipped) and two frameworks' runs can be compared sample for sample. cynn's
own generator (numpy's PCG64, ``cynn.manual_seed``) draws other numbers, and stays as
it is.

torch's CPU generator is a 32-bit Mersenne Twister (MT19937) seeded with the low 32
bits of the seed by the reference ``init_genrand`` recurrence; its 64-bit draw is two
32-bit outputs, the first one high. numpy's ``MT19937`` runs the same recurrence once
given that state, and hands out the raw 32-bit outputs vectorised (``random_raw``).

torch's ``randperm`` for ``n < 2**32 / 20`` is the forward Fisher-Yates shuffle of
``arange(n)``: step ``i`` swaps entries ``i`` and ``i + random32() % (n - i)``; above
that, the inside-out shuffle with ``z = random64() % (i + 1)``. The draws and their
remainders are computed here in blocks; the swaps, each depending on the one before,
run in the ``randperm`` kernel.
"""
import operator

import numpy as np

from ..._kernels import randperm as _kernels

__all__ = ["mt19937", "randperm"]

_STATE_WORDS = 624
# torch switches to 64-bit draws from this n on (numeric_limits<uint32_t>::max() / 20)
INSIDE_OUT_FROM = (2 ** 32 - 1) // 20
# draws per block: 8 MB of uint64 at a time, whatever n
_BLOCK = 1 << 20


def _check_seed(seed):
    """The seed as an int, with torch.Generator.manual_seed's errors: an int (or numpy
    integer) from -2**63 to 2**64 - 1 (a negative seed counts modulo 2**64)."""
    if isinstance(seed, (bool, np.bool_)) or not hasattr(seed, "__index__"):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = operator.index(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed


def mt19937(seed):
    """A numpy ``MT19937`` in the state ``torch.Generator().manual_seed(seed)`` leaves
    torch's CPU generator in: its ``random_raw()`` outputs are torch's ``random()``s."""
    seed = _check_seed(seed)
    key = np.empty(_STATE_WORDS, np.uint32)
    word = seed & 0xFFFF_FFFF   # torch keeps the low 32 bits (two's complement if < 0)
    key[0] = word
    for j in range(1, _STATE_WORDS):
        word = (1812433253 * (word ^ (word >> 30)) + j) & 0xFFFF_FFFF
        key[j] = word
    bit_generator = np.random.MT19937()
    # pos 624: the next draw first regenerates the whole state, as torch's does
    bit_generator.state = {"bit_generator": "MT19937",
                           "state": {"key": key, "pos": _STATE_WORDS}}
    return bit_generator


def randperm(n, seed):
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` as an int64
    numpy array of shape ``(n,)``.

    Raises:
        RuntimeError: ``n`` is negative, or ``seed`` is not an integer.
        ValueError: ``seed`` is outside [-2**63, 2**64).
    """
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    source = mt19937(seed)
    if n < INSIDE_OUT_FROM:
        perm = np.arange(n, dtype=np.int64)
        # n - 1 steps: the last entry has nowhere left to go
        for start in range(0, n - 1, _BLOCK):
            stop = min(start + _BLOCK, n - 1)
            remaining = np.arange(n - start, n - stop, -1, dtype=np.uint64)
            offset = source.random_raw(stop - start) % remaining   # < n - i: inside perm
            _kernels.swap_forward(perm, offset, start)
        return perm
    perm = np.empty(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        words = source.random_raw(2 * (stop - start)).reshape(-1, 2)
        draws = (words[:, 0] << np.uint64(32)) | words[:, 1]
        target = draws % np.arange(start + 1, stop + 1, dtype=np.uint64)   # <= i
        _kernels.insert_inside_out(perm, target, start)
    return perm
