"""max_unpool1d and MaxUnpool1d against torch (3-d unpooling is tested with 3-d
pooling): the round trip through max_pool1d, output_size, gradients, gradcheck,
PyTorch's exceptions and the index checks of forward and backward."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import check_parity, gradcheck, rng, torch

TF = torch.nn.functional


def _x(shape, seed=1):
    # distinct values: ties would make the max's argmax (and its gradient) ambiguous
    return (rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7).astype(np.float32)


def _pooled(shape=(2, 3, 8), kernel=2, stride=None, padding=0):
    y, i = TF.max_pool1d(torch.from_numpy(_x(shape)), kernel, stride, padding,
                         return_indices=True)
    return y.numpy(), i.numpy()


CASES = [((2, 3, 8), 2, None, 0, None), ((2, 3, 9), 3, 2, 1, None),
         ((2, 3, 9), 2, None, 0, (9,)), ((2, 3, 9), 2, None, 0, [2, 3, 9]),
         ((3, 11), 3, 2, 1, None), ((0, 3, 8), 2, None, 0, None)]


@pytest.mark.parametrize("shape,kernel,stride,padding,output_size", CASES)
def test_max_unpool1d_matches_torch(shape, kernel, stride, padding, output_size):
    y, i = _pooled(shape, kernel, stride, padding) if shape[0] else _pooled((1,) + shape[1:])
    if not shape[0]:
        y, i = y[:0], i[:0]
    (c,), (t,) = check_parity(
        lambda a, b: F.max_unpool1d(a * 3, b, kernel, stride, padding, output_size),
        lambda a, b: TF.max_unpool1d(a * 3, b, kernel, stride, padding, output_size), [y, i])
    assert c.grad_fn.name() == t.grad_fn.name()


def test_max_unpool1d_gradcheck():
    # windows that do not overlap: a repeated index keeps one value, so its other
    # inputs have a zero derivative that the gather (torch's backward too) does not give
    y, i = _pooled((2, 3, 9), 3, 3, 1)
    idx = cynn.from_numpy(i)
    gradcheck(lambda a: F.max_unpool1d(a, idx, 3, 3, 1, output_size=(9,)), [y])


ERRORS = [
    lambda lib, F, y, i: F.max_unpool1d(y, i, 2, output_size=(12,)),
    lambda lib, F, y, i: F.max_unpool1d(y, i, 2, output_size=(2, 9)),
    lambda lib, F, y, i: F.max_unpool1d(y, i, (2, 2)),
    lambda lib, F, y, i: F.max_unpool1d(y[0, 0], i[0, 0], 2),
    lambda lib, F, y, i: F.max_unpool1d(y[None], i[None], 2),
    lambda lib, F, y, i: F.max_unpool1d(y, i + 100, 2),
    lambda lib, F, y, i: F.max_unpool1d(y, i - 100, 2),
    lambda lib, F, y, i: F.max_unpool1d(y, i.int(), 2),
    lambda lib, F, y, i: F.max_unpool1d(y, i[:1], 2),
    lambda lib, F, y, i: F.max_unpool1d(y[:, :0], i[:, :0], 2),
    lambda lib, F, y, i: F.max_unpool1d(y.long(), i, 2),
    lambda lib, F, y, i: F.max_unpool1d([1], i, 2),
    lambda lib, F, y, i: F.max_unpool1d(y, [1], 2),
]


@pytest.mark.parametrize("call", ERRORS, ids=[str(k) for k in range(len(ERRORS))])
def test_max_unpool1d_errors_match_torch(call):
    y, i = _pooled()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # torch reports the last bad index only when serial
    try:
        with pytest.raises(Exception) as expected:
            call(torch, TF, torch.from_numpy(y), torch.from_numpy(i))
        with pytest.raises(Exception) as got:
            call(cynn, F, cynn.from_numpy(y), cynn.from_numpy(i))
    finally:
        torch.set_num_threads(threads)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value).split("\n")[0]


def test_max_unpool1d_backward_checks_indices_changed_behind_the_version_counter():
    y, i = _pooled()
    messages = []
    for lib, lib_f in ((torch, TF), (cynn, F)):
        a = lib.from_numpy(y.copy()).requires_grad_()
        idx = lib.from_numpy(i.copy())
        out = lib_f.max_unpool1d(a, idx, 2)
        idx.data.add_(10000)
        with pytest.raises(RuntimeError) as info:
            out.sum().backward()
        messages.append(str(info.value))
    assert messages[1] == messages[0]


def test_max_unpool1d_module():
    c, t = nn.MaxUnpool1d(2), torch.nn.MaxUnpool1d(2)
    assert repr(c) == repr(t) and c.stride == t.stride == (2,)
    assert repr(nn.MaxUnpool1d(3, 2, 1)) == repr(torch.nn.MaxUnpool1d(3, 2, 1))
    c_pool, t_pool = nn.MaxPool1d(2, return_indices=True), torch.nn.MaxPool1d(2,
                                                                             return_indices=True)
    check_parity(lambda x: c(*c_pool(x), output_size=x.shape),
                 lambda x: t(*t_pool(x), output_size=x.shape), [_x((2, 3, 9))])
