"""Padding modules against torch: values, gradients, repr, errors."""
import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, helper_test_op, torch_module

torch = torch_module()

CASES = [(kind, d) for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
         for d in (1, 2, 3)]


@pytest.mark.parametrize("kind,dims", CASES)
@pytest.mark.parametrize("padding", [1, "tuple"])
def test_padding_module_matches_torch(kind, dims, padding):
    name = f"{kind}Pad{dims}d"
    pad = padding if padding == 1 else tuple(range(1, 2 * dims + 1))[::-1]
    if kind in ("Reflection", "Circular") and pad != 1:
        pad = tuple(min(p, 2) for p in pad)
    args = (pad, 2.5) if kind == "Constant" else (pad,)
    shape = (2, 3) + (4,) * dims
    c, t = getattr(cynn.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(c) == repr(t)
    helper_test_op([shape], t, c, check_grad_fn=False)
    helper_test_op([shape[1:]], t, c, check_grad_fn=False)


def test_padding_errors():
    helper_test_exception(lambda lib: lib.nn.ReflectionPad1d(5)(lib.ones(1, 2, 3)), RuntimeError)
    with pytest.raises(ValueError):
        cynn.nn.ZeroPad2d((1, 2, 3))
