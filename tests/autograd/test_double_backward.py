"""create_graph=True: second derivatives against torch and finite differences, the
functional API (jacobian, hessian, vjp, jvp, hvp), gradgradcheck, a WGAN-GP penalty
trained a few steps, and the clear error where an op has no second derivative."""
import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()
F = cynn.nn.functional

RNG = np.random.default_rng(0)


def _second_order(lib, fn, arrays, seed=1):
    """d/dx <v, d fn / dx> for every input, with random fixed v and outer weights."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    grads = lib.autograd.grad((out * lib.tensor(w)).sum(), xs, create_graph=True)
    total = sum(((g * lib.tensor(np.random.default_rng(seed + 1 + i).standard_normal(
        tuple(g.shape)))).sum() for i, g in enumerate(grads)))
    second = lib.autograd.grad(total, xs, allow_unused=True)
    return [g.detach().numpy() for g in grads], [None if s is None else s.numpy()
                                                for s in second]


# name, function of (lib, *inputs), input shapes, input range
OPS = [
    ("mul_div", lambda lib, a, b: a * b / (b * b + 1), [(3, 4), (4,)], (-2, 2)),
    ("pow", lambda lib, a: a ** 3 + a.abs() ** 2.5, [(3, 4)], (0.5, 2)),
    ("pow_tensor", lambda lib, a, b: a ** b, [(3, 4), (3, 4)], (0.5, 2)),
    ("exp_log", lambda lib, a: a.exp() * a.log(), [(5,)], (0.5, 2)),
    ("trig", lambda lib, a: a.sin() * a.cos() + a.tanh() + a.sigmoid(), [(5,)], (-2, 2)),
    ("sqrt_rsqrt", lambda lib, a: a.sqrt() + a.rsqrt() + a.reciprocal(), [(5,)], (0.5, 2)),
    ("pointwise", lambda lib, a: lib.log1p(a) + lib.erf(a) + lib.atan(a) + lib.sinh(a)
     + lib.expm1(a), [(5,)], (0.1, 1.5)),
    ("binary", lambda lib, a, b: lib.atan2(a, b) + lib.hypot(a, b) + lib.logaddexp(a, b),
     [(5,), (5,)], (0.5, 2)),
    ("reductions", lambda lib, a: a.sum(1) * a.mean(0).sum() + a.var(1) + a.std(0).sum()
     + a.norm(2, dim=1), [(3, 4)], (-2, 2)),
    ("softmax", lambda lib, a: a.softmax(1) * a.log_softmax(0), [(3, 4)], (-2, 2)),
    ("shape", lambda lib, a: (a.t().reshape(2, 6)[:, 1:4].permute(1, 0).flip(0)
                              .unsqueeze(0).expand(2, 3, 2) ** 2), [(3, 4)], (-2, 2)),
    ("cat_stack", lambda lib, a, b: lib.cat([a, b * a], 0).exp().sum(0) + lib.stack([a, b], 0).sum(0),
     [(2, 3), (2, 3)], (-1, 1)),
    ("matmul", lambda lib, a, b: (a @ b).tanh() @ b.t(), [(3, 4), (4, 5)], (-1, 1)),
    ("bmm", lambda lib, a, b: (a @ b).sigmoid(), [(2, 3, 4), (4, 2)], (-1, 1)),
    ("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b).tanh(),
     [(4, 3), (5, 3), (5,)], (-1, 1)),
    ("activations", lambda lib, a: (lib.nn.functional.gelu(a) + lib.nn.functional.silu(a)
                                    + lib.nn.functional.softplus(a)
                                    + lib.nn.functional.elu(a) * a
                                    + lib.nn.functional.leaky_relu(a, 0.1) * a
                                    + lib.nn.functional.mish(a)), [(6,)], (-2, 2)),
    ("gelu_tanh", lambda lib, a: lib.nn.functional.gelu(a, approximate="tanh"), [(6,)], (-2, 2)),
    ("maximum", lambda lib, a, b: lib.maximum(a, b) * a + lib.clamp(a, -0.5, 0.5) * b,
     [(6,), (6,)], (-1, 1)),
    ("cumsum_prod", lambda lib, a: a.cumsum(1) * a.prod(1, keepdim=True), [(2, 4)], (0.5, 1.5)),
    ("roll_rot90", lambda lib, a: a.roll((1, 2), (0, 1)) * a.rot90(2, (0, 1)), [(3, 4)], (-1, 1)),
    ("tril_triu", lambda lib, a: a.tril(-1) + a.triu(1) * a, [(4, 4)], (-1, 1)),
    ("diagonals", lambda lib, a: lib.diag_embed(a.diagonal(1), -1) * a[:3, :3].sum(),
     [(4, 4)], (-1, 1)),
    ("scatter_fill_copy", lambda lib, a: a.scatter(1, lib.tensor([[0, 1], [2, 3], [1, 0]]),
                                                   a[:, :2] ** 2).index_fill(
        1, lib.tensor([2]), 0.5).index_copy(1, lib.tensor([3, 0]), a[:, 1:3] * a[:, :2]),
     [(3, 4)], (-1, 1)),
    ("pointwise_binary", lambda lib, a, b: lib.fmod(a, b + 1) + lib.xlogy(a, b + 1)
     + lib.fmax(a, b) + lib.copysign(a, b - 0.5), [(3, 4), (3, 4)], (0.2, 0.8)),
    ("sinc_logit", lambda lib, a: lib.sinc(a) + lib.logit(a * 0.9, 0.05), [(5,)], (0.2, 0.8)),
    ("prelu", lambda lib, a, w: lib.nn.functional.prelu(a - 0.5, w), [(3, 4, 2), (4,)],
     (0.1, 1.0)),
    ("linalg", lambda lib, a: lib.linalg.inv(a @ a.t() + 3 * lib.eye(3, dtype=lib.float64))
     + lib.linalg.det(a @ a.t() + lib.eye(3, dtype=lib.float64))
     + lib.linalg.solve(a @ a.t() + 3 * lib.eye(3, dtype=lib.float64), a[:, :3]),
     [(3, 4)], (-1, 1)),
    ("einsum_svdvals", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b).sum()
     + lib.linalg.svdvals(a).sum() * b.sum(), [(3, 4), (4, 2)], (-1, 1)),
    ("selections", lambda lib, a: a.amax(1) * a.amin() + a.median(1).values
     + a.kthvalue(2, 1).values * a.cummax(1).values[:, -1], [(3, 4)], (-1, 1)),
]


@pytest.mark.parametrize("name,fn,shapes,bounds", OPS, ids=[o[0] for o in OPS])
def test_second_derivatives_match_torch(name, fn, shapes, bounds):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = [rng.uniform(*bounds, s) for s in shapes]
    got_g, got_h = _second_order(cynn, fn, arrays)
    want_g, want_h = _second_order(torch, fn, arrays)
    for g, w in zip(got_g, want_g):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)
    for g, w in zip(got_h, want_h):
        if w is None:
            assert g is None or np.allclose(g, 0)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("stride,padding,groups,dilation", [(1, 0, 1, 1), (2, 1, 1, 1),
                                                             (1, 1, 2, 1), (1, 2, 1, 2)])
def test_conv2d_second_derivatives_match_torch(stride, padding, groups, dilation):
    x = RNG.standard_normal((2, 4, 7, 7))
    w = RNG.standard_normal((6, 4 // groups, 3, 3)) * 0.3
    b = RNG.standard_normal(6)

    def fn(lib, x, w, b):
        return lib.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups).tanh()
    got_g, got_h = _second_order(cynn, fn, [x, w, b])
    want_g, want_h = _second_order(torch, fn, [x, w, b])
    for g, want in zip(got_g + got_h, want_g + want_h):
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda a: (a.tanh() * a).sum(),
    lambda a: (a @ a.t()).sigmoid(),
    lambda a: cynn.nn.functional.conv1d(a.reshape(1, 2, 3), a.reshape(2, 1, 3).flip(2)[:, :, :2],
                                        padding=1, groups=2),
    lambda a: a.softmax(1).log() * a,
    lambda a: cynn.linalg.vector_norm(a, 3.0, 1),
])
def test_gradgradcheck(fn):
    x = cynn.tensor(RNG.uniform(0.2, 1.5, (2, 3)), requires_grad=True)
    assert cynn.autograd.gradgradcheck(fn, [x])


def test_wgan_gp_penalty_trains_like_torch():
    """A WGAN-GP critic step (gradient penalty through conv and linear layers) and a
    generator step, three iterations with Adam, equal to torch's."""
    def run(lib):
        lib.manual_seed(0)
        rng = np.random.default_rng(5)
        critic = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, 2, 1), lib.nn.LeakyReLU(0.2),
                                   lib.nn.Flatten(), lib.nn.Linear(4 * 2 * 2, 1))
        gen = lib.nn.Sequential(lib.nn.Linear(3, 16), lib.nn.Tanh())
        for p_idx, p in enumerate(list(critic.parameters()) + list(gen.parameters())):
            p.data.copy_(lib.tensor(np.random.default_rng(100 + p_idx).standard_normal(
                tuple(p.shape)).astype(np.float64) * 0.3))
        opt_c = lib.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
        opt_g = lib.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.9))
        losses = []
        for step in range(3):
            real = lib.tensor(rng.standard_normal((5, 1, 4, 4)))
            z = lib.tensor(rng.standard_normal((5, 3)))
            fake = gen(z).reshape(5, 1, 4, 4)
            eps = lib.tensor(rng.uniform(size=(5, 1, 1, 1)))
            mix = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
            grad_mix, = lib.autograd.grad(critic(mix).sum(), mix, create_graph=True)
            penalty = ((grad_mix.reshape(5, -1).norm(2, dim=1) - 1) ** 2).mean()
            loss_c = critic(fake.detach()).mean() - critic(real).mean() + 10 * penalty
            opt_c.zero_grad()
            loss_c.backward()
            opt_c.step()
            loss_g = -critic(gen(z).reshape(5, 1, 4, 4)).mean()
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            losses.append((loss_c.item(), penalty.item(), loss_g.item()))
        return losses, [p.detach().numpy().copy() for p in critic.parameters()]

    cynn.set_default_dtype(cynn.float64)
    torch.set_default_dtype(torch.float64)
    try:
        got, want = run(cynn), run(torch)
    finally:
        cynn.set_default_dtype(cynn.float32)
        torch.set_default_dtype(torch.float32)
    np.testing.assert_allclose(np.array(got[0]), np.array(want[0]), rtol=1e-9, atol=1e-12)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_functional_api_matches_torch():
    x = RNG.uniform(-1, 1, 3)
    y = RNG.uniform(-1, 1, 3)
    v = RNG.standard_normal(3)

    def f(lib):
        return lambda a, b: ((a ** 3).sum() * b.sin()).sum() + (a * b).exp().sum()

    def g(lib):
        return lambda a: (a.exp() * a.sum(), a ** 2)

    for name in ("jacobian", "hessian"):
        got = getattr(cynn.autograd.functional, name)(f(cynn), (cynn.tensor(x), cynn.tensor(y)))
        want = getattr(torch.autograd.functional, name)(f(torch), (torch.tensor(x),
                                                                   torch.tensor(y)))
        for row_g, row_w in zip(got, want):
            row_g = row_g if isinstance(row_g, tuple) else (row_g,)
            row_w = row_w if isinstance(row_w, tuple) else (row_w,)
            for a, b in zip(row_g, row_w):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    jac = cynn.autograd.functional.jacobian(g(cynn), cynn.tensor(x))
    jac_t = torch.autograd.functional.jacobian(g(torch), torch.tensor(x))
    for a, b in zip(jac, jac_t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    for name in ("vjp", "jvp"):
        out, prod = getattr(cynn.autograd.functional, name)(
            g(cynn), cynn.tensor(x), (cynn.tensor(v), cynn.tensor(v)) if name == "vjp"
            else cynn.tensor(v))
        out_t, prod_t = getattr(torch.autograd.functional, name)(
            g(torch), torch.tensor(x), (torch.tensor(v), torch.tensor(v)) if name == "vjp"
            else torch.tensor(v))
        prod = prod if isinstance(prod, tuple) else (prod,)
        prod_t = prod_t if isinstance(prod_t, tuple) else (prod_t,)
        for a, b in zip(prod, prod_t):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    for name in ("hvp", "vhp"):
        _, got = getattr(cynn.autograd.functional, name)(
            lambda a: (a ** 3).sum() * a.sin().sum(), cynn.tensor(x), cynn.tensor(v))
        _, want = getattr(torch.autograd.functional, name)(
            lambda a: (a ** 3).sum() * a.sin().sum(), torch.tensor(x), torch.tensor(v))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


def test_ops_without_a_formula_give_first_order_and_a_clear_second_order_error():
    # logaddexp2's backward is not yet written in differentiable ops
    x = np.random.default_rng(0).uniform(0.5, 1.5, (2, 4))
    c, t = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g, = cynn.autograd.grad((cynn.logaddexp2(c, c * 2) ** 2).sum(), c, create_graph=True)
    g_t, = torch.autograd.grad((torch.logaddexp2(t, t * 2) ** 2).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), g_t.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="cannot differentiate the backward of"):
        g.sum().backward()


def test_backward_inputs_and_create_graph_grad():
    a = cynn.tensor([1.0, 2.0], requires_grad=True)
    b = cynn.tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert b.grad is None
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    a.grad = None
    (a ** 3).sum().backward(create_graph=True)
    assert a.grad.requires_grad
    second, = cynn.autograd.grad(a.grad.sum(), a)
    np.testing.assert_allclose(second.numpy(), [6.0, 12.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (a * b).sum().backward(inputs=[])


def test_inplace_change_after_forward_is_caught_in_a_recorded_backward():
    a = cynn.tensor([1.0, 2.0], requires_grad=True)
    x = a * 1.0
    y = (x * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        cynn.autograd.grad(y, a, create_graph=True)


def _penalty_grad(lib, make_loss):
    x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = lib.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)) * 0.3,
                   requires_grad=True)
    h = lib.nn.functional.conv2d(x, w, padding=1)
    g, = lib.autograd.grad(make_loss(lib, h), x, create_graph=True)
    (g ** 2).sum().backward()
    return w.grad.numpy()


LOSSES_AND_LAYERS = {
    "cross_entropy": lambda lib, h: lib.nn.functional.cross_entropy(
        h.mean((2, 3)), lib.tensor([0, 3])),
    "nll_weighted_ignore": lambda lib, h: lib.nn.functional.nll_loss(
        h.mean(3).log_softmax(1), lib.tensor([[0, 1, 2, 3, -100, 1], [3, 3, 0, 1, 2, 2]]),
        weight=lib.tensor([1.0, 2.0, 0.5, 1.5], dtype=lib.float64)),
    "mse": lambda lib, h: lib.nn.functional.mse_loss(h, lib.zeros(*h.shape, dtype=lib.float64)),
    "huber": lambda lib, h: lib.nn.functional.huber_loss(
        h, lib.zeros(*h.shape, dtype=lib.float64), delta=0.3),
    "smooth_l1": lambda lib, h: lib.nn.functional.smooth_l1_loss(
        h, lib.zeros(*h.shape, dtype=lib.float64), beta=0.4),
    "bce_logits": lambda lib, h: lib.nn.functional.binary_cross_entropy_with_logits(
        h, lib.tensor(np.random.default_rng(2).uniform(size=(2, 4, 6, 6))),
        pos_weight=lib.tensor(np.array([1.0, 2.0, 0.5, 1.0]).reshape(4, 1, 1))),
    "bce": lambda lib, h: lib.nn.functional.binary_cross_entropy(
        h.sigmoid(), lib.tensor(np.random.default_rng(3).uniform(size=(2, 4, 6, 6)))),
    "batch_norm": lambda lib, h: (lib.nn.functional.batch_norm(h, None, None, training=True)
                                  ** 3).sum(),
    "layer_norm": lambda lib, h: (lib.nn.functional.layer_norm(h, (6, 6)) ** 3).sum(),
    "group_norm": lambda lib, h: (lib.nn.functional.group_norm(h, 2) ** 3).sum(),
    "max_pool": lambda lib, h: (lib.nn.functional.max_pool2d(h, 2) ** 3).sum(),
    "adaptive_max_pool": lambda lib, h: (lib.nn.functional.adaptive_max_pool2d(h, (2, 3))
                                         ** 3).sum(),
    "global_avg_pool": lambda lib, h: (lib.nn.functional.adaptive_avg_pool2d(h, 1) ** 3).sum(),
    "avg_pool": lambda lib, h: (lib.nn.functional.avg_pool2d(h, 3, 2, 1, count_include_pad=False)
                                ** 3).sum(),
    "adaptive_avg_pool": lambda lib, h: (lib.nn.functional.adaptive_avg_pool2d(h, (2, 4))
                                         ** 3).sum(),
    "avg_pool3d": lambda lib, h: (lib.nn.functional.avg_pool3d(h.reshape(2, 4, 1, 6, 6),
                                                               (1, 2, 2)) ** 3).sum(),
    "reflection_pad": lambda lib, h: (lib.nn.functional.pad(h, (1, 2, 2, 1), mode="reflect")
                                      ** 3).sum(),
    "constant_pad": lambda lib, h: (lib.nn.functional.pad(h, (1, 2, 0, 1), value=0.5)
                                    ** 3).sum(),
    "gather_index_select": lambda lib, h: (h.reshape(2, -1).gather(
        1, lib.tensor([[0, 5], [7, 7]])) ** 3).sum() + (h.index_select(
            1, lib.tensor([3, 0])) ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(LOSSES_AND_LAYERS))
def test_gradient_penalty_through_losses_norms_and_pools_matches_torch(name):
    got = _penalty_grad(cynn, LOSSES_AND_LAYERS[name])
    want = _penalty_grad(torch, LOSSES_AND_LAYERS[name])
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)
