"""Lazy modules: shapes inferred from the first input, the module becomes the plain
layer, outputs and state dicts as torch's."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()

CASES = [
    ("LazyLinear", (4,), {}, (3, 5)),
    ("LazyLinear", (4,), {"bias": False}, (2, 3, 5)),
    ("LazyConv1d", (6, 3), {"padding": 1}, (2, 3, 7)),
    ("LazyConv2d", (6, 3), {"stride": 2, "groups": 3}, (2, 3, 7, 7)),
    ("LazyConv2d", (6, 3, 1, 1, 1, 1, False), {}, (3, 7, 7)),
    ("LazyConv3d", (4, 2), {}, (1, 2, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"output_padding": 1, "stride": 2}, (2, 3, 5, 5)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 3, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {"affine": False}, (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), {"bias": False}, (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5)),
    ("LazyInstanceNorm2d", (), {"track_running_stats": False}, (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {}, (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CASES)
def test_lazy_module_materialises_like_torch(name, args, kwargs, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = getattr(cynn.nn, name)(*args, **kwargs)
        t = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(c) == repr(t)
    assert c.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        c.weight.shape if hasattr(c, "weight") and c.weight is not None else c.running_mean.shape
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y_c = c(cynn.tensor(x))
    t(torch.tensor(x))
    assert type(c).__name__ == type(t).__name__
    assert repr(c) == repr(t)
    assert {k: tuple(v.shape) for k, v in c.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in t.state_dict().items()}
    # with torch's parameters, the outputs agree
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in c.state_dict().items()})
    t.train(c.training)
    want = t(torch.tensor(x)) if "Norm" not in name else None
    if want is not None:
        np.testing.assert_allclose(y_c.detach().numpy(), want.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
    assert tuple(y_c.shape) == tuple(t(torch.tensor(x)).shape)


def test_load_state_dict_materialises_and_forward_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lazy = cynn.nn.LazyLinear(3)
    source = cynn.nn.Linear(5, 3)
    lazy.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    out = lazy(cynn.ones(2, 5))
    assert type(lazy) is cynn.nn.Linear and tuple(out.shape) == (2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cynn.nn.LazyConv2d(2, 3)
    assert any("Lazy modules are a new feature" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = cynn.nn.LazyConv2d(2, 3)
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        conv(cynn.ones(2, 3))
