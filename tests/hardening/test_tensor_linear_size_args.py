"""``nn.Linear``'s sizes become the weight tensor's shape: bad ones fail with PyTorch's
errors (TypeError for a non-integer, RuntimeError for a negative size)."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

BAD_SIZES = {
    "tensor out_features": lambda lib: (2, lib.ones(3)),
    "tensor in_features": lambda lib: (lib.ones(3), 2),
    "float in_features": lambda lib: (2.0, 3),
    "float out_features": lambda lib: (2, 3.5),
    "str": lambda lib: (2, "3"),
    "None": lambda lib: (2, None),
    "list": lambda lib: (2, [3]),
    "float 0-d tensor": lambda lib: (2, lib.tensor(3.0)),
    "numpy float": lambda lib: (np.float64(2), 3),
    "negative out": lambda lib: (2, -1),
    "negative in": lambda lib: (-1, 2),
    "both negative": lambda lib: (-2, -1),
    "numpy negative": lambda lib: (2, np.int64(-1)),
}


@pytest.mark.parametrize("case", sorted(BAD_SIZES))
def test_bad_sizes_raise_like_torch(case):
    torch = torch_module()
    with pytest.raises(Exception) as expected:
        torch.nn.Linear(*BAD_SIZES[case](torch))
    got = helper_test_exception(lambda lib: lib.nn.Linear(*BAD_SIZES[case](lib)))
    assert str(got) == str(expected.value)


GOOD_SIZES = {
    "ints": lambda lib: (2, 3),
    "numpy ints": lambda lib: (np.int64(2), np.int32(3)),
    "0-d int tensor": lambda lib: (2, lib.tensor(3)),
    "one-element int tensor": lambda lib: (lib.tensor([2]), 3),
    "bool": lambda lib: (True, 3),
    "zero": lambda lib: (0, 3),
}


@pytest.mark.parametrize("case", sorted(GOOD_SIZES))
def test_integer_like_sizes_are_accepted_like_torch(case):
    torch = torch_module()
    with warnings.catch_warnings():
        # zero-size weights make both libraries warn that initialisation is a no-op
        warnings.simplefilter("ignore", UserWarning)
        t = torch.nn.Linear(*GOOD_SIZES[case](torch))
        c = cynn.nn.Linear(*GOOD_SIZES[case](cynn))
    assert tuple(c.weight.shape) == tuple(t.weight.shape)
    assert tuple(c.bias.shape) == tuple(t.bias.shape)
    out = c(cynn.ones(4, c.weight.shape[1]))
    assert tuple(out.shape) == (4, t.weight.shape[0])

