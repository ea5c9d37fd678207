"""Creation functions check their ``size`` as PyTorch does: a float, a bool or a
string is a TypeError, a negative size or an overflowing product a RuntimeError,
never numpy's ValueError or a silently truncated size."""
import numpy as np
import pytest

import cynn
from helpers import torch_module

SIZES = {
    "float": (2.5,),
    "bool": (True,),
    "str": ("a",),
    "float at pos 2": (2, 2.0),
    "float in a tuple": ((2, 2.0),),
    "negative": (-2,),
    "negative in a list": ([2, -3],),
    "beyond int64": (2 ** 70,),
    "overflowing product": (2 ** 62, 4),
    "numpy int": (np.int64(3), 2),
    "0-d int tensor": ("tensor3",),
    "empty": (0, 4),
}


def _args(lib, sizes):
    return tuple(lib.tensor(3) if s == "tensor3" else s for s in sizes)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("case", SIZES, ids=list(SIZES))
def test_size_argument_is_checked_like_torch(fn, case):
    torch = torch_module()
    try:
        expected = getattr(torch, fn)(*_args(torch, SIZES[case]))
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        with pytest.raises(type(exc)) as caught:
            getattr(cynn, fn)(*_args(cynn, SIZES[case]))
        assert str(caught.value).split(" with error")[0].replace("cynn", "torch") == \
            str(exc).split(" with error")[0].split("\n")[0]
        return
    assert tuple(getattr(cynn, fn)(*_args(cynn, SIZES[case])).shape) == tuple(expected.shape)


def test_a_size_beyond_memory_is_torchs_allocator_error():
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        cynn.zeros(2 ** 40, 2 ** 20)
