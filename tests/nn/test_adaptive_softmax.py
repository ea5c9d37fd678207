"""nn.AdaptiveLogSoftmaxWithLoss against torch: (output, loss), log_prob and predict,
gradients of the input and every parameter over cutoffs / div_value / head_bias,
unbatched and empty inputs, float64 finite differences, state dicts and repr, init,
and PyTorch's errors."""
import numpy as np
import pytest

import cynn
from cynn.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
from _nn_parity import assert_close, assert_same_error, gradcheck, rng, torch

# a div_value that shrinks a cluster projection to zero width is legal (both libraries
# warn that initialising it does nothing)
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")

CONFIGS = [
    dict(in_features=16, n_classes=30, cutoffs=[5, 12, 20]),
    dict(in_features=16, n_classes=30, cutoffs=[5, 12, 20], div_value=2.0, head_bias=True),
    dict(in_features=8, n_classes=10, cutoffs=[3], div_value=1.0),
    dict(in_features=12, n_classes=40, cutoffs=(1, 39), head_bias=True),
]


def _pair(cfg, seed=0):
    c = AdaptiveLogSoftmaxWithLoss(**cfg)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(**cfg)
    g = rng(seed)
    for _, p in c.named_parameters():
        p._data[...] = g.standard_normal(p.shape).astype(np.float32) * 0.5
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    return c, t


def _data(cfg, n, seed=1, targets=None):
    g = rng(seed)
    x = g.standard_normal((n, cfg["in_features"])).astype(np.float32)
    y = g.integers(0, cfg["n_classes"], n) if targets is None else np.asarray(targets)
    return x, y.astype(np.int64)


def _grads_match(c, t, cx, tx):
    assert_close(cx.grad, tx.grad, what="input grad")
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        if tp[name].grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert p.grad is not None, name
            assert_close(p.grad, tp[name].grad, what=f"grad of {name}")


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("targets", ["random", "shortlist-only", "one-cluster", "single"])
def test_forward_matches_torch(cfg, targets):
    c, t = _pair(cfg)
    n = {"single": 1}.get(targets, 13)
    y = None
    if targets == "shortlist-only":
        y = np.arange(n) % cfg["cutoffs"][0]
    elif targets == "one-cluster":
        y = np.full(n, cfg["n_classes"] - 1)
    x, y = _data(cfg, n, targets=y)
    cx, tx = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    co, to = c(cx, cynn.tensor(y)), t(tx, torch.tensor(y))
    assert type(co).__name__ == type(to).__name__ and co._fields == to._fields
    assert_close(co.output, to.output, what="output")
    assert_close(co.loss, to.loss, what="loss")
    gy = rng(2).standard_normal(n).astype(np.float32)
    ((co.output * cynn.tensor(gy)).sum() + co.loss).backward()
    ((to.output * torch.tensor(gy)).sum() + to.loss).backward()
    _grads_match(c, t, cx, tx)


@pytest.mark.parametrize("cfg", CONFIGS[:2])
def test_unbatched(cfg):
    c, t = _pair(cfg)
    x, y = _data(cfg, 1, targets=[cfg["n_classes"] - 2])
    cx, tx = cynn.tensor(x[0], requires_grad=True), torch.tensor(x[0], requires_grad=True)
    co, to = c(cx, cynn.tensor(y[0])), t(tx, torch.tensor(y[0]))
    assert_close(co.output, to.output)
    assert_close(co.loss, to.loss)
    co.loss.backward()
    to.loss.backward()
    _grads_match(c, t, cx, tx)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the mean of no rows is NaN
def test_empty_batch():
    cfg = CONFIGS[0]
    c, t = _pair(cfg)
    x, y = _data(cfg, 0)
    co, to = c(cynn.tensor(x), cynn.tensor(y)), t(torch.tensor(x), torch.tensor(y))
    assert_close(co.output, to.output)
    np.testing.assert_equal(co.loss.item(), to.loss.item())   # both NaN


@pytest.mark.parametrize("cfg", CONFIGS)
def test_log_prob_and_predict(cfg):
    c, t = _pair(cfg, seed=3)
    x, _ = _data(cfg, 17, seed=4)
    cx, tx = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cl, tl = c.log_prob(cx), t.log_prob(tx)
    assert_close(cl, tl)
    np.testing.assert_allclose(np.exp(cl.detach().numpy()).sum(1), 1, rtol=1e-5)
    gy = rng(5).standard_normal(tuple(tl.shape)).astype(np.float32)
    (cl * cynn.tensor(gy)).sum().backward()
    (tl * torch.tensor(gy)).sum().backward()
    _grads_match(c, t, cx, tx)
    with cynn.no_grad(), torch.no_grad():
        cp, tp = c.predict(cynn.tensor(x)), t.predict(torch.tensor(x))
    assert cp.dtype == cynn.int64
    np.testing.assert_array_equal(cp.numpy(), tp.numpy())


@pytest.mark.parametrize("head_row", ["all-shortlist", "all-tail", "mixed"])
def test_predict_paths(head_row):
    """The head's choice decides which rows evaluate the tail: force each path."""
    cfg = dict(in_features=6, n_classes=12, cutoffs=[4, 8], head_bias=True)
    c, t = _pair(cfg, seed=6)
    bias = np.zeros(6, np.float32)
    if head_row == "all-shortlist":
        bias[0] = 50
    elif head_row == "all-tail":
        bias[4:] = 50
    else:
        bias[1] = bias[5] = 3
    c.head.bias._data[...] = bias
    t.head.bias.data = torch.from_numpy(bias.copy())
    x, _ = _data(cfg, 20, seed=7)
    with cynn.no_grad(), torch.no_grad():
        np.testing.assert_array_equal(c.predict(cynn.tensor(x)).numpy(),
                                      t.predict(torch.tensor(x)).numpy())


def test_gradcheck():
    cfg = dict(in_features=5, n_classes=9, cutoffs=[3, 6], div_value=2.0, head_bias=True)
    m = AdaptiveLogSoftmaxWithLoss(**cfg).double()
    y = cynn.tensor(np.array([0, 4, 8, 2, 7, 5]))

    def fn(x):
        out = m(x, y)
        return out.output, out.loss

    gradcheck(fn, [rng(8).standard_normal((6, 5))])
    gradcheck(lambda x: m.log_prob(x), [rng(9).standard_normal((4, 5))])


def test_structure_state_dict_and_repr():
    for cfg in CONFIGS:
        c = AdaptiveLogSoftmaxWithLoss(**cfg)
        t = torch.nn.AdaptiveLogSoftmaxWithLoss(**cfg)
        assert repr(c) == repr(t)
        assert [(k, tuple(v.shape)) for k, v in c.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
        for attr in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias",
                     "shortlist_size", "n_clusters", "head_size"):
            assert getattr(c, attr) == getattr(t, attr), attr
        c.load_state_dict({k: cynn.from_numpy(v.numpy().copy()) for k, v in
                           t.state_dict().items()})
        t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in
                           c.state_dict().items()})


def test_initialisation_and_reset():
    cynn.manual_seed(0)
    m = AdaptiveLogSoftmaxWithLoss(64, 100, [10, 50], head_bias=True)
    w = m.head.weight.detach().numpy()
    assert np.abs(w).max() <= 1 / 8 and np.abs(w).max() > 0.9 / 8
    before = m.tail[0][0].weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(before, m.tail[0][0].weight.detach().numpy())


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 4], [4, 10], [3, 3], [2.5], [10]])
def test_constructor_errors_as_torch(cutoffs):
    assert_same_error(lambda: AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs),
                      lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs))


@pytest.mark.parametrize("x_shape,y", [((4, 8), [1, 2, 3]), ((4, 2, 8), [1, 2, 3, 4]),
                                       ((8,), [1, 2, 3, 4, 5, 6, 7, 8]), ((2, 8), 3),
                                       ((2, 8), [[1, 2]]), ((3, 8), [1, 30, 2]),
                                       ((3, 8), [1, -1, 2])])
def test_forward_errors_as_torch(x_shape, y):
    c, t = _pair(CONFIGS[0])
    x = np.ones(x_shape, np.float32)
    y = np.asarray(y, dtype=np.int64)
    assert_same_error(lambda: c(cynn.tensor(x), cynn.tensor(y)),
                      lambda: t(torch.tensor(x), torch.tensor(y)))
