"""Second derivatives of the ops that were first-order only: cumprod, logcumsumexp,
scatter_reduce, embedding, rrelu, the RNN/LSTM/GRU stacks and cells -- against torch
(values of the first and second derivatives) and float64 finite differences
(gradgradcheck); and, where torch itself does not differentiate a gradient
(embedding_bag, CTC loss, scatter_reduce's prod over several zeros), the same error.
Also cumprod's zero-aware first derivative and what scatter_reduce saves."""
import numpy as np
import pytest

import cynn
from helpers import FLOAT32_TOL, torch_module

torch = torch_module()

TOL = {"rtol": 1e-7, "atol": 1e-9}


def _second_order(lib, fn, arrays, seed=1):
    """The first derivatives of <w, fn(*inputs)> and the derivatives of
    sum_i <v_i, first_i>, for fixed random w and v_i (float64 inputs)."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = lib.tensor(np.random.default_rng(seed).standard_normal(tuple(out.shape)))
    firsts = lib.autograd.grad((out * w).sum(), xs, create_graph=True)
    total = sum((g * lib.tensor(np.random.default_rng(seed + 1 + i).standard_normal(
        tuple(g.shape)))).sum() for i, g in enumerate(firsts))
    seconds = lib.autograd.grad(total, xs, allow_unused=True)
    return ([g.detach().numpy() for g in firsts],
            [None if s is None else s.numpy() for s in seconds])


def _assert_matches_torch(fn, arrays):
    got_first, got_second = _second_order(cynn, fn, arrays)
    want_first, want_second = _second_order(torch, fn, arrays)
    for got, want in zip(got_first, want_first):
        np.testing.assert_allclose(got, want, **TOL)
    for got, want in zip(got_second, want_second):
        if want is None:
            assert got is None or not np.any(got)
        else:
            assert got is not None
            np.testing.assert_allclose(got, want, **TOL)


def _with_zeros(shape, zeros, seed=0, low=0.5, high=1.5):
    a = np.random.default_rng(seed).uniform(low, high, shape)
    for position in zeros:
        a[position] = 0.0
    return a


# (x, dim): no zero; one zero; several zeros in a row; zeros in several rows and at
# the ends of a row; along the first dim
CUMPROD_CASES = {
    "no_zero": (_with_zeros((3, 5), []), 1),
    "one_zero": (_with_zeros((3, 5), [(1, 2)]), 1),
    "zeros_in_a_row": (_with_zeros((2, 6), [(0, 2), (0, 3), (0, 4)]), 1),
    "zeros_spread": (_with_zeros((3, 6), [(0, 0), (0, 3), (1, 5), (2, 1), (2, 2)]), 1),
    "dim0": (_with_zeros((5, 3), [(1, 0), (2, 0), (3, 2)]), 0),
    "three_d": (_with_zeros((2, 4, 3), [(0, 1, 1), (1, 3, 2)]), 1),
}


@pytest.mark.parametrize("name", sorted(CUMPROD_CASES))
def test_cumprod_second_derivatives_match_torch(name):
    x, dim = CUMPROD_CASES[name]
    _assert_matches_torch(lambda lib, a: a.cumprod(dim) * a, [x])


@pytest.mark.parametrize("name", sorted(CUMPROD_CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cumprod_first_derivative_is_zero_aware_like_torch(name, dtype):
    x, dim = CUMPROD_CASES[name]
    x = x.astype(dtype)
    gy = np.random.default_rng(3).standard_normal(x.shape).astype(dtype)
    got = cynn.tensor(x, requires_grad=True)
    got.cumprod(dim).backward(cynn.tensor(gy))
    want = torch.tensor(x, requires_grad=True)
    want.cumprod(dim).backward(torch.tensor(gy))
    tol = FLOAT32_TOL if dtype == "float32" else TOL
    np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), **tol)


@pytest.mark.parametrize("name", ["one_zero", "zeros_in_a_row", "no_zero"])
def test_cumprod_gradgradcheck(name):
    x, dim = CUMPROD_CASES[name]
    t = cynn.tensor(x, requires_grad=True)
    assert cynn.autograd.gradgradcheck(lambda a: a.cumprod(dim), [t])


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_logcumsumexp_second_derivatives_match_torch(dim, scale):
    x = np.random.default_rng(dim).standard_normal((3, 5)) * scale
    _assert_matches_torch(lambda lib, a: a.logcumsumexp(dim) * a.sin(), [x])


def test_logcumsumexp_gradgradcheck():
    t = cynn.tensor(np.random.default_rng(4).standard_normal((2, 4)), requires_grad=True)
    assert cynn.autograd.gradgradcheck(lambda a: a.logcumsumexp(1), [t])


def _third_order(lib, fn, x):
    """d/dx <x, d/dx |d fn / dx|^2>: a third derivative of ``fn`` (a scalar)."""
    x = lib.tensor(x, requires_grad=True)
    first, = lib.autograd.grad(fn(x), x, create_graph=True)
    second, = lib.autograd.grad((first ** 2).sum(), x, create_graph=True)
    third, = lib.autograd.grad((second * x).sum(), x)
    return third.numpy()


def test_cumprod_third_derivative_matches_torch():
    x = CUMPROD_CASES["zeros_spread"][0]
    got = _third_order(cynn, lambda a: (a.cumprod(1) * a.sin()).sum(), x)
    want = _third_order(torch, lambda a: (a.cumprod(1) * a.sin()).sum(), x)
    np.testing.assert_allclose(got, want, **TOL)


def test_logcumsumexp_third_derivative_is_exact():
    """The formula never takes log of a zero gradient, not even in the branch where()
    drops, so its own derivative is finite: third derivatives are exact (torch's are
    nan, its formula differentiating log|g| at g = 0)."""
    t = cynn.tensor(np.random.default_rng(20).standard_normal((2, 4)), requires_grad=True)

    def first_derivative(a):
        g, = cynn.autograd.grad(a.logcumsumexp(1).sin().sum(), a, create_graph=True)
        return g
    assert cynn.autograd.gradgradcheck(first_derivative, [t])


SCATTER_INDEX = np.array([[0, 1, 1, 3, 0], [2, 2, 2, 1, 0], [3, 3, 1, 0, 0]])


def _scatter_inputs(zeros):
    x = _with_zeros((3, 4), [(0, 0)] if zeros else [], seed=5)
    src = _with_zeros((3, 5), [(0, 1), (1, 3)] if zeros else [], seed=6)
    return x, src


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("zeros", [False, True])
def test_scatter_reduce_second_derivatives_match_torch(reduce, include_self, zeros):
    def fn(lib, a, b):
        return a.scatter_reduce(1, lib.tensor(SCATTER_INDEX), b, reduce,
                                include_self=include_self) ** 2
    _assert_matches_torch(fn, _scatter_inputs(zeros))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_gradgradcheck(reduce):
    x, src = _scatter_inputs(zeros=True)
    a, b = cynn.tensor(x, requires_grad=True), cynn.tensor(src, requires_grad=True)
    index = cynn.tensor(SCATTER_INDEX)
    assert cynn.autograd.gradgradcheck(
        lambda a, b: a.scatter_reduce(1, index, b, reduce, include_self=False), [a, b])


def test_scatter_reduce_with_a_source_longer_than_the_index():
    # the source's tail past the index is not read: its derivatives are 0 at every order
    x, src = _scatter_inputs(zeros=False)
    a, b = cynn.tensor(x, requires_grad=True), cynn.tensor(src, requires_grad=True)
    index = cynn.tensor(SCATTER_INDEX[:, :3])
    assert cynn.autograd.gradgradcheck(
        lambda a, b: a.scatter_reduce(1, index, b, "prod") ** 2, [a, b])


def _second_backward_error(lib, first, wrt):
    """The exception (type and message) of differentiating ``first`` again, or None."""
    try:
        lib.autograd.grad(first.sum(), wrt, allow_unused=True)
    except (RuntimeError, NotImplementedError) as error:
        return type(error), str(error)
    return None


def test_scatter_reduce_prod_over_several_zeros_raises_like_torch():
    """torch does not differentiate the source's gradient when two zeros reach one
    target (its formula divides them out); the input's gradient stays differentiable."""
    x, src = _scatter_inputs(zeros=False)
    src[0, 0] = src[0, 4] = 0.0   # both scattered to position 0 of row 0
    outcomes = []
    for lib in (cynn, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        y = a.scatter_reduce(1, lib.tensor(SCATTER_INDEX), b, "prod")
        ga, gb = lib.autograd.grad((y ** 2).sum(), [a, b], create_graph=True)
        second_a, = lib.autograd.grad(ga.sum(), a, retain_graph=True)
        outcomes.append((gb.grad_fn.name(), _second_backward_error(lib, gb, [a, b]),
                         second_a.numpy(), gb.detach().numpy()))
    (name, error, second_a, gb), (t_name, t_error, t_second_a, t_gb) = outcomes
    assert name == t_name == "torch::autograd::Error"
    assert error == t_error and error[0] is RuntimeError
    np.testing.assert_allclose(second_a, t_second_a, **TOL)
    np.testing.assert_allclose(gb, t_gb, **TOL)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_scatter_reduce_sum_and_mean_save_only_the_index(reduce):
    """sum and mean route the gradient by the index alone: the input and the source may
    change in place after the forward (the others compare or multiply their values and
    keep them: a change then raises)."""
    x, src = _scatter_inputs(zeros=False)
    a, b = cynn.tensor(x, requires_grad=True), cynn.tensor(src, requires_grad=True)
    a_used, b_used = a * 1.0, b * 1.0
    y = a_used.scatter_reduce(1, cynn.tensor(SCATTER_INDEX), b_used, reduce)
    with cynn.no_grad():
        a_used.add_(1.0)
        b_used.add_(1.0)
    y.sum().backward()
    want_a, want_b = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    want_a.scatter_reduce(1, torch.tensor(SCATTER_INDEX), want_b, reduce).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), want_a.grad.numpy(), **TOL)
    np.testing.assert_allclose(b.grad.numpy(), want_b.grad.numpy(), **TOL)


@pytest.mark.parametrize("reduce", ["prod", "amax"])
def test_scatter_reduce_prod_and_extremes_detect_a_changed_source(reduce):
    x, src = _scatter_inputs(zeros=False)
    b = cynn.tensor(src, requires_grad=True)
    b_used = b * 1.0
    y = cynn.tensor(x).scatter_reduce(1, cynn.tensor(SCATTER_INDEX), b_used, reduce)
    with cynn.no_grad():
        b_used.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


EMBEDDING_INDEX = np.array([[0, 2, 2], [4, 2, 1]])


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_second_derivatives_match_torch(padding_idx):
    def fn(lib, w):
        return lib.nn.functional.embedding(lib.tensor(EMBEDDING_INDEX), w,
                                           padding_idx=padding_idx) ** 3
    _assert_matches_torch(fn, [np.random.default_rng(7).standard_normal((5, 3))])


@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_gradgradcheck(padding_idx, scale_grad_by_freq):
    # scale_grad_by_freq makes the first derivative in the weight a deliberately
    # rescaled one, so only its derivative in the output gradient is checkable (the
    # lookup is then linear); there torch's own double backward leaves out the
    # 1 / count factor (its gradgradcheck fails) and cynn's is the derivative
    w = cynn.tensor(np.random.default_rng(8).standard_normal((5, 3)), requires_grad=True)
    index = cynn.tensor(EMBEDDING_INDEX)
    power = 1 if scale_grad_by_freq else 2
    assert cynn.autograd.gradgradcheck(
        lambda w: cynn.nn.functional.embedding(index, w, padding_idx=padding_idx,
                                               scale_grad_by_freq=scale_grad_by_freq) ** power,
        [w])


def test_embedding_weight_gradient_node_is_named_like_torch():
    names = []
    for lib in (cynn, torch):
        w = lib.tensor(np.ones((5, 3)), requires_grad=True)
        y = lib.nn.functional.embedding(lib.tensor(EMBEDDING_INDEX), w)
        g, = lib.autograd.grad((y ** 2).sum(), w, create_graph=True)
        names.append(g.grad_fn.name())
    assert names[0] == names[1]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_second_derivative_raises_like_torch(mode):
    outcomes = []
    for lib in (cynn, torch):
        w = lib.tensor(np.random.default_rng(9).standard_normal((5, 3)), requires_grad=True)
        y = lib.nn.functional.embedding_bag(lib.tensor([0, 2, 1, 4, 2]), w,
                                            lib.tensor([0, 2]), mode=mode)
        g, = lib.autograd.grad((y ** 2).sum(), w, create_graph=True)
        outcomes.append((g.detach().numpy(), g.grad_fn.name(),
                         _second_backward_error(lib, g, [w])))
    (g, name, error), (t_g, t_name, t_error) = outcomes
    np.testing.assert_allclose(g, t_g, **TOL)
    assert name == t_name
    assert error == t_error and error[0] is NotImplementedError


def test_embedding_bag_per_sample_weights_second_derivative_raises_like_torch():
    outcomes = []
    for lib in (cynn, torch):
        w = lib.tensor(np.random.default_rng(10).standard_normal((5, 3)))
        psw = lib.tensor(np.random.default_rng(11).uniform(size=5), requires_grad=True)
        y = lib.nn.functional.embedding_bag(lib.tensor([0, 2, 1, 4, 2]), w,
                                            lib.tensor([0, 2]), mode="sum",
                                            per_sample_weights=psw)
        g, = lib.autograd.grad((y ** 2).sum(), psw, create_graph=True)
        outcomes.append((g.detach().numpy(), g.grad_fn.name(),
                         _second_backward_error(lib, g, [psw])))
    (g, name, error), (t_g, t_name, t_error) = outcomes
    np.testing.assert_allclose(g, t_g, **TOL)
    assert name == t_name
    assert error == t_error and error[0] is RuntimeError


def test_ctc_loss_second_derivative_raises_like_torch():
    log_probs = np.random.default_rng(12).standard_normal((6, 2, 4))
    outcomes = []
    for lib in (cynn, torch):
        lp = lib.tensor(log_probs).log_softmax(2).detach().requires_grad_()
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor([[1, 2], [3, 1]]), lib.tensor([6, 5]),
                                          lib.tensor([2, 2]))
        g, = lib.autograd.grad(loss, lp, create_graph=True)
        outcomes.append((g.detach().numpy(), g.grad_fn.name(),
                         _second_backward_error(lib, g, [lp])))
    (g, name, error), (t_g, t_name, t_error) = outcomes
    np.testing.assert_allclose(g, t_g, **TOL)
    assert name == t_name
    assert error == t_error and error[0] is RuntimeError


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_second_derivatives_match_torch(training):
    # lower == upper: the training slopes are drawn, but equal in both libraries
    x = np.random.default_rng(13).standard_normal(8)
    _assert_matches_torch(lambda lib, a: lib.nn.functional.rrelu(
        a, 0.2, 0.2, training=training) ** 3, [x])


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_gradient_is_differentiable_in_the_input_like_torch(training):
    """torch's gradient node keeps an edge to the input, whose derivative is 0: a second
    grad with respect to the input alone gives zeros, not an error."""
    x = np.random.default_rng(14).standard_normal(6)
    results = []
    for lib in (cynn, torch):
        a = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(lib.nn.functional.rrelu(a, 0.1, 0.3, training=training).sum(),
                               a, create_graph=True)
        second, = lib.autograd.grad(g.sum(), a)
        results.append((g.grad_fn.name(), second.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_rrelu_gradgradcheck():
    a = cynn.tensor(np.random.default_rng(15).standard_normal(6), requires_grad=True)
    assert cynn.autograd.gradgradcheck(
        lambda a: cynn.nn.functional.rrelu(a, training=False) ** 2, [a])


def _set_weights(lib, module):
    for i, p in enumerate(module.parameters()):
        p.data.copy_(lib.tensor(np.random.default_rng(100 + i).uniform(-0.5, 0.5,
                                                                      tuple(p.shape))))
    return module


# mode, keyword arguments, whether to pass initial states, packed lengths
RNN_CASES = {
    "lstm": ("LSTM", {}, False, None),
    "gru": ("GRU", {}, False, None),
    "rnn_tanh": ("RNN", {}, False, None),
    "rnn_relu": ("RNN", {"nonlinearity": "relu"}, True, None),
    "lstm_2layer_bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True}, True, None),
    "gru_2layer": ("GRU", {"num_layers": 2}, True, None),
    "lstm_proj": ("LSTM", {"proj_size": 2}, True, None),
    "gru_bidirectional_no_bias": ("GRU", {"bidirectional": True, "bias": False}, True, None),
    "lstm_packed_bidirectional": ("LSTM", {"bidirectional": True}, True, [4, 2]),
    "gru_batch_first": ("GRU", {"batch_first": True}, False, None),
}


def _rnn_second_order(lib, name):
    mode, kwargs, with_state, lengths = RNN_CASES[name]
    rng = np.random.default_rng(16)
    lib.manual_seed(0)
    module = _set_weights(lib, getattr(lib.nn, mode)(3, 4, **kwargs).double())
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    x = lib.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    inputs = [x]
    h0 = state = None
    if with_state:
        h0 = lib.tensor(rng.standard_normal((layers, 2, kwargs.get("proj_size") or 4)),
                        requires_grad=True)
        inputs.append(h0)
        state = h0
        if mode == "LSTM":
            # c0 computed from h0: the recorded backward must take partial derivatives
            state = (h0, (h0[..., :1] * 0.5).tanh().expand(layers, 2, 4) + 0.1)
    seq = x if lengths is None else lib.nn.utils.rnn.pack_padded_sequence(
        x, lib.tensor(lengths), enforce_sorted=False)
    out, final = module(seq, state)
    if lengths is not None:
        out = out.data
    finals = final if isinstance(final, tuple) else (final,)
    weights = lib.tensor(rng.standard_normal(tuple(out.shape)))
    loss = (out ** 2 * weights).sum() + sum((f ** 2).sum() for f in finals)
    inputs += list(module.parameters())
    firsts = lib.autograd.grad(loss, inputs, create_graph=True)
    penalty = sum((g ** 2).sum() for g in firsts)
    seconds = lib.autograd.grad(penalty, inputs, allow_unused=True)
    return [g.detach().numpy() for g in firsts], [None if s is None else s.numpy()
                                                  for s in seconds]


@pytest.mark.parametrize("name", sorted(RNN_CASES))
def test_rnn_stack_second_derivatives_match_torch(name):
    got_first, got_second = _rnn_second_order(cynn, name)
    want_first, want_second = _rnn_second_order(torch, name)
    for got, want in zip(got_first, want_first):
        np.testing.assert_allclose(got, want, **TOL)
    for got, want in zip(got_second, want_second):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(got, want, **TOL)


CELLS = {
    "rnn_cell_tanh": ("RNNCell", {}),
    "rnn_cell_relu": ("RNNCell", {"nonlinearity": "relu"}),
    "lstm_cell": ("LSTMCell", {}),
    "gru_cell": ("GRUCell", {}),
    "gru_cell_no_bias": ("GRUCell", {"bias": False}),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_rnn_cell_second_derivatives_match_torch(name):
    cls, kwargs = CELLS[name]

    def run(lib):
        rng = np.random.default_rng(17)
        cell = _set_weights(lib, getattr(lib.nn, cls)(3, 4, **kwargs).double())
        x = lib.tensor(rng.standard_normal((2, 3)), requires_grad=True)
        h = lib.tensor(rng.standard_normal((2, 4)), requires_grad=True)
        state = (h, h.sin()) if cls == "LSTMCell" else h
        out = cell(x, state)
        out = out[0] * out[1] if isinstance(out, tuple) else out
        inputs = [x, h] + list(cell.parameters())
        firsts = lib.autograd.grad((out ** 2).sum(), inputs, create_graph=True)
        seconds = lib.autograd.grad(sum((g * g.tanh()).sum() for g in firsts), inputs)
        return [t.detach().numpy() for t in list(firsts) + list(seconds)]
    for got, want in zip(run(cynn), run(torch)):
        np.testing.assert_allclose(got, want, **TOL)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_rnn_gradgradcheck(mode):
    cynn.manual_seed(0)
    module = _set_weights(cynn, getattr(cynn.nn, mode)(2, 2).double())
    x = cynn.tensor(np.random.default_rng(18).standard_normal((3, 1, 2)), requires_grad=True)
    w_hh = module.weight_hh_l0
    assert cynn.autograd.gradgradcheck(lambda x, w: module(x)[0], [x, w_hh])


def test_rnn_recorded_backward_uses_the_forwards_dropout_masks():
    """With dropout between layers, the recorded backward (create_graph) differentiates
    the forward's own masks: its gradients equal the ordinary backward's."""
    cynn.manual_seed(0)
    module = _set_weights(cynn, cynn.nn.LSTM(3, 4, num_layers=3, dropout=0.5).double())
    x = cynn.tensor(np.random.default_rng(19).standard_normal((5, 2, 3)), requires_grad=True)
    out, _ = module(x)
    loss = (out ** 2).sum()
    params = [x] + list(module.parameters())
    recorded = cynn.autograd.grad(loss, params, create_graph=True, retain_graph=True)
    plain = cynn.autograd.grad(loss, params)
    for a, b in zip(recorded, plain):
        np.testing.assert_allclose(a.detach().numpy(), b.numpy(), **TOL)
    assert all(a.requires_grad for a in recorded)


def test_composite_formula_takes_partial_derivatives_of_dependent_arguments():
    """A loss whose target is computed from its input: the recorded backward's
    composite must not count the path from one argument to the other twice."""
    y = np.array([0.3, 1.2, -0.7])
    _assert_matches_torch(lambda lib, a: lib.nn.functional.mse_loss(
        a, a ** 2, reduction="none"), [y])
