"""F.scaled_dot_product_attention, F.multi_head_attention_forward and
nn.MultiheadAttention against torch: outputs, attention weights and the gradients of
every input and parameter over the option matrices (masks bool/float and their
broadcasting, causal, scale, GQA, bias_kv, zero attention, kdim/vdim, batch_first,
unbatched), fully masked rows, float64 finite differences, state dicts both ways,
PyTorch's errors and warnings, empty batches, and 1 vs 2 threads."""
import itertools
import warnings

import numpy as np
import pytest

import cynn
from cynn.nn.functional import attention as FA
from cynn.nn.modules import attention as modules
from _nn_parity import assert_close, assert_same_error, check_parity, gradcheck, rng, torch

TF = torch.nn.functional
sdpa = FA.scaled_dot_product_attention


def _bool_mask(shape, seed, keep_rows=True):
    """A random bool mask (True = attend) with at least one True per row when asked."""
    m = rng(seed).random(shape) < 0.6
    if keep_rows:
        m[..., 0] = True
    return m


def _lib_mask(lib, mask):
    if mask is None:
        return None
    return cynn.from_numpy(mask.copy()) if lib is cynn else torch.from_numpy(mask.copy())


# ---------------------------------------------------------------------------------
# scaled_dot_product_attention

SDPA_SHAPES = {
    "4d": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    "3d": ((3, 4, 5), (3, 6, 5), (3, 6, 2)),
    "2d": ((4, 5), (6, 5), (6, 3)),
    "broadcast-batch": ((2, 1, 3, 4, 5), (3, 6, 5), (3, 6, 7)),
    "query-longer": ((2, 2, 7, 4), (2, 2, 3, 4), (2, 2, 3, 4)),
}


@pytest.mark.parametrize("shapes", SDPA_SHAPES, ids=list(SDPA_SHAPES))
@pytest.mark.parametrize("mask", [None, "bool", "float", "float-grad", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch(shapes, mask, scale):
    q, k, v = SDPA_SHAPES[shapes]
    g = rng(0)
    arrays = [g.standard_normal(s).astype(np.float32) for s in (q, k, v)]
    L, S = q[-2], k[-2]
    grad = [0, 1, 2]
    if mask == "bool":
        m = _bool_mask((L, S), 1)
    elif mask in ("float", "float-grad"):
        m = g.standard_normal((L, S) if len(q) == 2 else (1, L, S)).astype(np.float32)
        m[..., -1] = -np.inf
        if mask == "float-grad":
            arrays.append(m)
            grad = [0, 1, 2, 3]
    kwargs = {"scale": scale, "is_causal": mask == "causal"}
    if mask == "float-grad":
        check_parity(lambda a, b, c, d: sdpa(a, b, c, attn_mask=d, **kwargs),
                     lambda a, b, c, d: TF.scaled_dot_product_attention(a, b, c, attn_mask=d,
                                                                        **kwargs),
                     arrays, grad=grad)
        return
    cm = _lib_mask(cynn, m) if mask in ("bool", "float") else None
    tm = _lib_mask(torch, m) if mask in ("bool", "float") else None
    check_parity(lambda a, b, c: sdpa(a, b, c, attn_mask=cm, **kwargs),
                 lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=tm,
                                                                 **kwargs),
                 arrays, grad=grad)


@pytest.mark.parametrize("mask_shape", [(4, 6), (2, 1, 4, 6), (1, 3, 4, 6), (3, 1, 6),
                                        (2, 3, 4, 6), (4, 1)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_mask_broadcasting(mask_shape, kind):
    g = rng(2)
    arrays = [g.standard_normal(s).astype(np.float32)
              for s in ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))]
    m = _bool_mask(mask_shape, 3, keep_rows=mask_shape[-1] > 1) if kind == "bool" else \
        g.standard_normal(mask_shape).astype(np.float32)
    check_parity(lambda a, b, c: sdpa(a, b, c, attn_mask=_lib_mask(cynn, m)),
                 lambda a, b, c: TF.scaled_dot_product_attention(a, b, c,
                                                                 attn_mask=_lib_mask(torch, m)),
                 arrays)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_give_torchs_zeros(kind):
    g = rng(4)
    arrays = [g.standard_normal(s).astype(np.float32)
              for s in ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3))]
    m = _bool_mask((2, 1, 4, 5), 5)
    m[0, 0, 1] = False
    m[1, 0, 3] = False
    if kind == "float":
        m = np.where(m, 0.0, -np.inf).astype(np.float32)
    c_out, t_out = check_parity(
        lambda a, b, c: sdpa(a, b, c, attn_mask=_lib_mask(cynn, m)),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=_lib_mask(torch, m)),
        arrays)
    assert not np.isnan(c_out[0].detach().numpy()).any()
    assert np.all(c_out[0].detach().numpy()[0, :, 1] == 0)


@pytest.mark.parametrize("hq,hkv", [(4, 2), (6, 3), (4, 1), (3, 3)])
def test_sdpa_grouped_query_attention(hq, hkv):
    g = rng(6)
    arrays = [g.standard_normal(s).astype(np.float32)
              for s in ((2, hq, 4, 5), (2, hkv, 6, 5), (2, hkv, 6, 3))]
    check_parity(lambda a, b, c: sdpa(a, b, c, enable_gqa=True, is_causal=True),
                 lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, enable_gqa=True,
                                                                 is_causal=True),
                 arrays)


def test_sdpa_float64():
    g = rng(7)
    arrays = [g.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6))]
    m = g.standard_normal((3, 5)).astype(np.float32)   # a float32 mask is allowed
    check_parity(lambda a, b, c: sdpa(a, b, c, attn_mask=_lib_mask(cynn, m)),
                 lambda a, b, c: TF.scaled_dot_product_attention(a, b, c,
                                                                 attn_mask=_lib_mask(torch, m)),
                 arrays)


@pytest.mark.parametrize("case", ["plain", "bool-mask", "float-mask-grad", "causal",
                                  "fully-masked", "gqa"])
def test_sdpa_gradcheck(case):
    g = rng(8)
    q, k, v = (g.standard_normal(s) for s in ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)))
    if case == "plain":
        gradcheck(lambda a, b, c: sdpa(a, b, c, scale=0.7), [q, k, v])
    elif case == "bool-mask":
        m = cynn.from_numpy(_bool_mask((3, 5), 9))
        gradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=m), [q, k, v])
    elif case == "float-mask-grad":
        gradcheck(lambda a, b, c, d: sdpa(a, b, c, attn_mask=d),
                  [q, k, v, g.standard_normal((2, 1, 3, 5))])
    elif case == "causal":
        gradcheck(lambda a, b, c: sdpa(a, b, c, is_causal=True), [q, k, v])
    elif case == "fully-masked":
        m = _bool_mask((3, 5), 10)
        m[1] = False
        m = cynn.from_numpy(m)
        gradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=m), [q, k, v])
    else:
        gradcheck(lambda a, b, c: sdpa(a, b, c, enable_gqa=True), [q, k[:, :1], v[:, :1]])


def test_sdpa_second_derivatives():
    g = rng(11)
    inputs = [cynn.tensor(g.standard_normal(s), requires_grad=True)
              for s in ((1, 2, 3, 4), (1, 2, 4, 4), (1, 2, 4, 2))]
    assert cynn.autograd.gradgradcheck(lambda a, b, c: sdpa(a, b, c, is_causal=True),
                                       tuple(inputs))


def test_sdpa_dropout_drops_weights_with_cynns_generator():
    """With a seed, the output equals the no-dropout computation with the weights
    multiplied by the dropout mask that F.dropout draws from the same seed."""
    g = rng(12)
    q, k, v = (g.standard_normal(s).astype(np.float32)
               for s in ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 6)))
    cynn.manual_seed(3)
    out = sdpa(cynn.tensor(q), cynn.tensor(k), cynn.tensor(v), dropout_p=0.4).numpy()
    cynn.manual_seed(3)
    keep = cynn.nn.functional.dropout(cynn.ones(2, 2, 4, 5), p=0.4).numpy()
    assert set(np.unique(keep)) <= {0.0, np.float32(1 / 0.6)}
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(3)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(out, (w * keep) @ v, rtol=1e-4, atol=1e-5)
    zero = sdpa(cynn.tensor(q), cynn.tensor(k), cynn.tensor(v), dropout_p=1.0).numpy()
    assert np.all(zero == 0)


@pytest.mark.parametrize("shapes", [((2, 3, 0, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
                                    ((2, 3, 4, 5), (2, 3, 0, 5), (2, 3, 0, 7)),
                                    ((0, 3, 4, 5), (0, 3, 6, 5), (0, 3, 6, 7))])
def test_sdpa_empty(shapes):
    arrays = [rng(13).standard_normal(s).astype(np.float32) for s in shapes]
    check_parity(sdpa, TF.scaled_dot_product_attention, arrays)


def _sdpa_error_cases():
    q, k, v = (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)
    return {
        "mask-and-causal": (dict(shapes=(q, k, v), attn_mask=((4, 6), "bool"),
                                 is_causal=True)),
        "dtype": dict(shapes=(q, k, v), dtypes=("float32", "float64", "float32")),
        "int": dict(shapes=(q, k, v), dtypes=("int64", "int64", "int64")),
        "int32": dict(shapes=(q, k, v), dtypes=("int32", "int32", "int32")),
        "1d": dict(shapes=((5,), (5,), (7,))),
        "embed": dict(shapes=(q, (2, 3, 6, 4), v)),
        "value-len": dict(shapes=(q, k, (2, 3, 5, 7))),
        "mask-size": dict(shapes=(q, k, v), attn_mask=((4, 5), "float32")),
        "mask-int": dict(shapes=(q, k, v), attn_mask=((4, 6), "int64")),
        "mask-double": dict(shapes=(q, k, v), attn_mask=((4, 6), "float64")),
        "mask-grows": dict(shapes=(q, k, v), attn_mask=((2, 1, 1, 4, 6), "float32")),
        "mask-1d": dict(shapes=(q, k, v), attn_mask=((6,), "float32")),
        "heads": dict(shapes=(q, (2, 2, 6, 5), (2, 2, 6, 7))),
        "gqa-heads": dict(shapes=(q, (2, 2, 6, 5), (2, 2, 6, 7)), enable_gqa=True),
        "dropout": dict(shapes=(q, k, v), dropout_p=1.5),
        "dropout-whole": dict(shapes=(q, k, v), dropout_p=2.0),
        "dropout-type": dict(shapes=(q, k, v), dropout_p="a"),
        "scale-type": dict(shapes=(q, k, v), scale="a"),
        "causal-type": dict(shapes=(q, k, v), is_causal=1),
        "mask-type": dict(shapes=(q, k, v), attn_mask=1.0),
        "query-type": dict(shapes=(q, k, v), query=1),
    }


@pytest.mark.parametrize("name", list(_sdpa_error_cases()))
def test_sdpa_errors_as_torch(name):
    case = dict(_sdpa_error_cases()[name])
    shapes = case.pop("shapes")
    dtypes = case.pop("dtypes", ("float32",) * 3)
    arrays = [(rng(14).standard_normal(s) * 3).astype(d) for s, d in zip(shapes, dtypes)]
    mask = case.pop("attn_mask", None)
    query = case.pop("query", None)

    def run(lib, fn):
        t = [lib.from_numpy(a.copy()) for a in arrays]
        if query is not None:
            t[0] = query
        m = mask
        if isinstance(mask, tuple):
            shape, dt = mask
            m = lib.from_numpy(np.ones(shape, dtype=dt))
        return fn(*t, attn_mask=m, **case)

    assert_same_error(lambda: run(cynn, sdpa),
                      lambda: run(torch, TF.scaled_dot_product_attention))


def _outcome(lib, fn, arrays, mask, **kwargs):
    try:
        fn(*[lib.from_numpy(a.copy()) for a in arrays],
           attn_mask=None if mask is None else lib.from_numpy(mask.copy()), **kwargs)
        return "ok"
    except Exception as exc:  # noqa: BLE001 -- the type is what is compared
        return f"{type(exc).__name__}: {str(exc).replace('torch.', 'cynn.')}"


def test_sdpa_error_precedence_matches_torch():
    """Over a grid of shape, dtype, mask, causal, dropout and GQA combinations -- most of
    them invalid in more than one way -- cynn fails (or succeeds) exactly as torch does:
    the same exception type and message, so the same check comes first."""
    shape_sets = [((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)), ((5,), (5,), (7,)),
                  ((2, 3, 4, 5), (2, 2, 6, 5), (2, 2, 6, 7)),
                  ((2, 3, 4, 5), (2, 3, 6, 4), (2, 3, 6, 7)),
                  ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 5, 7)), ((4, 5), (6, 5), (6, 7)),
                  ((2, 3, 4, 5), (3, 6, 5), (3, 6, 7))]
    dtype_sets = [("float32",) * 3, ("float32", "float64", "float32"), ("int64",) * 3,
                  ("int32",) * 3]
    masks = [None, ((4, 6), "bool"), ((4, 6), "int64"), ((4, 5), "float32"),
             ((6,), "float32"), ((6,), "bool"), ((2, 1, 4, 6), "bool"),
             ((2, 2, 3, 4, 6), "float32"), ((4, 6), "float64")]
    mismatches = []
    for shapes, dtypes, mask in itertools.product(shape_sets, dtype_sets, masks):
        arrays = [np.ones(s, dtype=d) for s, d in zip(shapes, dtypes)]
        m = None if mask is None else np.ones(mask[0], dtype=mask[1])
        for causal, dropout_p, gqa in itertools.product([False, True], [0.0, 1.5],
                                                        [False, True]):
            kw = dict(is_causal=causal, dropout_p=dropout_p, enable_gqa=gqa)
            got = _outcome(cynn, sdpa, arrays, m, **kw)
            expected = _outcome(torch, TF.scaled_dot_product_attention, arrays, m, **kw)
            if got != expected:
                mismatches.append((shapes, dtypes, mask, kw, got, expected))
    assert not mismatches, mismatches[:5]


def test_sdpa_same_result_at_one_and_two_threads():
    g = rng(15)
    q, k, v = (cynn.tensor(g.standard_normal(s).astype(np.float32), requires_grad=True)
               for s in ((2, 4, 16, 8), (2, 4, 16, 8), (2, 4, 16, 8)))
    results = []
    before = cynn.get_num_threads()
    try:
        for n in (1, 2):
            cynn.set_num_threads(n)
            for t in (q, k, v):
                t.grad = None
            out = sdpa(q, k, v, is_causal=True)
            (out * out).sum().backward()
            results.append([out.detach().numpy().copy()] + [t.grad.numpy().copy()
                                                             for t in (q, k, v)])
    finally:
        cynn.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------
# MultiheadAttention


def _mha_pair(E=8, H=2, **kw):
    c = modules.MultiheadAttention(E, H, **kw)
    t = torch.nn.MultiheadAttention(E, H, **kw)
    g = rng(20)
    with torch.no_grad():
        for name, p in c.named_parameters():
            # random biases too, so that every parameter's gradient is exercised
            p._data[...] = g.standard_normal(p.shape).astype(np.float32) * 0.4
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    return c, t


def _mha_check(c, t, arrays, self_attention=False, rtol=1e-4, atol=1e-5, **fw):
    """Same inputs (q, k, v arrays) and masks (numpy in ``fw``): same output, weights,
    input and parameter gradients."""
    def inputs(lib):
        ts = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        if self_attention:
            ts = [ts[0]] * 3
        kwargs = {k: (lib.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v)
                  for k, v in fw.items()}
        return ts, kwargs

    ci, ckw = inputs(cynn)
    ti, tkw = inputs(torch)
    co, cw = c(*ci, **ckw)
    to, tw = t(*ti, **tkw)
    assert_close(co, to, rtol, atol, what="output")
    if tw is None:
        assert cw is None
    else:
        assert_close(cw, tw, rtol, atol, what="attention weights")
    gy = rng(21).standard_normal(tuple(to.shape)).astype(np.float32)
    c_loss = (co * cynn.tensor(gy)).sum()
    t_loss = (to * torch.tensor(gy)).sum()
    if tw is not None:
        gw = rng(22).standard_normal(tuple(tw.shape)).astype(np.float32)
        c_loss = c_loss + (cw * cynn.tensor(gw)).sum()
        t_loss = t_loss + (tw * torch.tensor(gw)).sum()
    c_loss.backward()
    t_loss.backward()
    for i, (a, b) in enumerate(zip(ci, ti)):
        if self_attention and i:
            break
        assert_close(a.grad, b.grad, rtol, atol, what=f"grad of input {i}")
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        assert_close(p.grad, tp[name].grad, rtol, atol, what=f"grad of {name}")
    return co, cw


def _qkv(L=5, S=6, N=3, E=8, kdim=None, vdim=None, batch_first=False, unbatched=False,
         seed=23):
    g = rng(seed)

    def shape(n, d):
        if unbatched:
            return (n, d)
        return (N, n, d) if batch_first else (n, N, d)

    return [g.standard_normal(shape(n, d)).astype(np.float32)
            for n, d in ((L, E), (S, kdim or E), (S, vdim or E))]


MHA_OPTIONS = list(itertools.product(
    [True, False],            # bias
    [False, True],            # add_bias_kv
    [False, True],            # add_zero_attn
    [None, (3, 5)],           # kdim, vdim
    [False, True],            # batch_first
))


@pytest.mark.parametrize("bias,add_bias_kv,add_zero_attn,kvdim,batch_first", MHA_OPTIONS)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch_over_options(bias, add_bias_kv, add_zero_attn, kvdim, batch_first,
                                        need_weights, average):
    kdim, vdim = kvdim or (None, None)
    c, t = _mha_pair(bias=bias, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn,
                     kdim=kdim, vdim=vdim, batch_first=batch_first)
    c.eval(), t.eval()
    arrays = _qkv(kdim=kdim, vdim=vdim, batch_first=batch_first)
    _mha_check(c, t, arrays, need_weights=need_weights, average_attn_weights=average)


MASKS = {
    "none": {},
    "attn-2d-bool": {"attn_mask": ("attn2", "bool")},
    "attn-2d-float": {"attn_mask": ("attn2", "float")},
    "attn-3d-float": {"attn_mask": ("attn3", "float")},
    "attn-3d-bool": {"attn_mask": ("attn3", "bool")},
    "kpm-bool": {"key_padding_mask": ("kpm", "bool")},
    "kpm-float": {"key_padding_mask": ("kpm", "float")},
    "both-bool": {"attn_mask": ("attn2", "bool"), "key_padding_mask": ("kpm", "bool")},
    "both-float": {"attn_mask": ("attn3", "float"), "key_padding_mask": ("kpm", "float")},
}


def _masks(spec, L=5, S=6, N=3, H=2, unbatched=False):
    g = rng(24)
    shapes = {"attn2": (L, S), "attn3": ((1 if unbatched else N) * H, L, S),
              "kpm": (S,) if unbatched else (N, S)}
    out = {}
    for arg, (which, kind) in spec.items():
        blocked = g.random(shapes[which]) < 0.3
        blocked[..., 0] = False   # no fully masked row: need_weights gives NaN there
        out[arg] = blocked if kind == "bool" else \
            np.where(blocked, -np.inf, g.standard_normal(blocked.shape)).astype(np.float32)
    return out


@pytest.mark.parametrize("masks", MASKS, ids=list(MASKS))
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("layout", ["seq-first", "batch-first", "unbatched"])
@pytest.mark.parametrize("bias_kv_zero", [False, True])
def test_mha_masks(masks, need_weights, layout, bias_kv_zero):
    kw = {"batch_first": layout == "batch-first"}
    if bias_kv_zero:
        kw.update(add_bias_kv=True, add_zero_attn=True)
    c, t = _mha_pair(**kw)
    unbatched = layout == "unbatched"
    arrays = _qkv(batch_first=layout == "batch-first", unbatched=unbatched)
    _mha_check(c, t, arrays, need_weights=need_weights,
               **_masks(MASKS[masks], unbatched=unbatched))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_attention_and_causal_hint(need_weights, batch_first):
    c, t = _mha_pair(batch_first=batch_first)
    arrays = _qkv(L=5, S=5, batch_first=batch_first)
    mask = np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1)
    _mha_check(c, t, arrays, self_attention=True, need_weights=need_weights,
               attn_mask=mask, is_causal=True)
    c.zero_grad(), t.zero_grad()
    _mha_check(c, t, arrays, self_attention=True, need_weights=need_weights)


def test_mha_key_is_value():
    c, t = _mha_pair()
    q, k, _ = _qkv()

    def run(lib, m):
        qt, kt = lib.tensor(q, requires_grad=True), lib.tensor(k, requires_grad=True)
        out, w = m(qt, kt, kt)
        (out.sum() + w.sum()).backward()
        return out, w, qt.grad, kt.grad

    for a, b in zip(run(cynn, c), run(torch, t)):
        assert_close(a, b)


def test_mha_fully_masked_rows_as_torch():
    """A query with every key masked: NaN with need_weights (plain softmax), zeros through
    scaled_dot_product_attention, exactly as torch."""
    c, t = _mha_pair()
    arrays = _qkv()
    kpm = np.zeros((3, 6), dtype=bool)
    kpm[1] = True
    for need_weights in (True, False):
        ci = [cynn.tensor(a) for a in arrays]
        ti = [torch.tensor(a) for a in arrays]
        co, _ = c(*ci, key_padding_mask=cynn.from_numpy(kpm), need_weights=need_weights)
        to, _ = t(*ti, key_padding_mask=torch.from_numpy(kpm), need_weights=need_weights)
        np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, equal_nan=True)
        assert np.isnan(co.detach().numpy()).any() == need_weights


def test_mha_no_grad_eval_matches_torchs_fast_path():
    c, t = _mha_pair(batch_first=True)
    c.eval(), t.eval()
    arrays = _qkv(batch_first=True, L=6)
    kpm = np.zeros((3, 6), dtype=bool)
    kpm[0, 4:] = True
    with torch.no_grad(), cynn.no_grad():
        x_c, x_t = cynn.tensor(arrays[0]), torch.tensor(arrays[0])
        for kw in ({}, {"key_padding_mask": kpm}):
            co, cw = c(x_c, x_c, x_c, **{k: cynn.from_numpy(v) for k, v in kw.items()})
            to, tw = t(x_t, x_t, x_t, **{k: torch.from_numpy(v) for k, v in kw.items()})
            assert_close(co, to)
            assert_close(cw, tw)


def test_mha_dropout_only_in_training():
    c, _ = _mha_pair(dropout=0.5)
    arrays = _qkv()
    x = [cynn.tensor(a) for a in arrays]
    with cynn.no_grad():
        c.eval()
        a, _ = c(*x)
        b, _ = c(*x)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        c.train()
        cynn.manual_seed(0)
        _, wd = c(*x, average_attn_weights=False)
        c.eval()
        _, we = c(*x, average_attn_weights=False)
    kept = wd.numpy() != 0
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(wd.numpy()[kept], we.numpy()[kept] / 0.5, rtol=1e-5)


@pytest.mark.parametrize("kw", [{}, {"kdim": 3, "vdim": 5, "add_bias_kv": True},
                                {"bias": False}])
def test_mha_parameters_state_dict_and_repr(kw):
    c = modules.MultiheadAttention(8, 2, **kw)
    t = torch.nn.MultiheadAttention(8, 2, **kw)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    assert (c.head_dim, c._qkv_same_embed_dim, c.kdim, c.vdim, c.batch_first, c.dropout) == \
        (t.head_dim, t._qkv_same_embed_dim, t.kdim, t.vdim, t.batch_first, t.dropout)
    # both ways: torch -> cynn -> torch keeps every value
    c.load_state_dict({k: cynn.from_numpy(v.detach().numpy().copy())
                       for k, v in t.state_dict().items()})
    t2 = torch.nn.MultiheadAttention(8, 2, **kw)
    t2.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), t2.state_dict()[k].numpy())


def test_mha_initialisation():
    cynn.manual_seed(0)
    m = modules.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = np.sqrt(6.0 / (64 + 3 * 64))      # xavier uniform on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0)
    assert np.all(m.out_proj.bias.detach().numpy() == 0)
    ow = m.out_proj.weight.detach().numpy()
    assert np.abs(ow).max() <= 1 / np.sqrt(64)   # Linear's default, unchanged
    assert m.bias_k.shape == (1, 1, 64) and np.std(m.bias_k.detach().numpy()) > 0
    sep = modules.MultiheadAttention(8, 2, kdim=3)
    assert sep.in_proj_weight is None and sep.q_proj_weight.shape == (8, 8)
    assert sep.k_proj_weight.shape == (8, 3) and sep.v_proj_weight.shape == (8, 8)


def test_mha_functional_with_static_kv_matches_torch():
    g = rng(30)
    L, S, N, E, H = 4, 5, 2, 6, 3
    arrays = [g.standard_normal(s).astype(np.float32) for s in
              ((L, N, E), (S, N, E), (S, N, E), (3 * E, E), (3 * E,), (E, E), (E,),
               (N * H, 7, E // H), (N * H, 7, E // H))]

    def fn(F):
        def run(q, k, v, w, b, ow, ob, sk, sv):
            return F.multi_head_attention_forward(q, k, v, E, H, w, b, None, None, False, 0.0,
                                                  ow, ob, static_k=sk, static_v=sv,
                                                  average_attn_weights=False)
        return run

    check_parity(fn(FA), fn(TF), arrays)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_gradcheck(need_weights):
    g = rng(31)
    L, S, N, E, H = 3, 4, 2, 4, 2
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, -1] = True
    kpm_t = cynn.from_numpy(kpm)

    def fn(q, k, v, w, b, ow, ob, bk, bv):
        out, weights = FA.multi_head_attention_forward(
            q, k, v, E, H, w, b, bk, bv, True, 0.0, ow, ob, key_padding_mask=kpm_t,
            need_weights=need_weights)
        return out if weights is None else (out, weights)

    gradcheck(fn, [g.standard_normal(s) for s in
                   ((L, N, E), (S, N, E), (S, N, E), (3 * E, E), (3 * E,), (E, E), (E,),
                    (1, 1, E), (1, 1, E))])


def test_mha_empty_batch():
    c, t = _mha_pair()
    arrays = _qkv(N=0)
    _mha_check(c, t, arrays)
    c.zero_grad(), t.zero_grad()
    _mha_check(c, t, arrays, need_weights=False)


def test_mha_merge_masks():
    c, t = _mha_pair()
    g = rng(32)
    q = g.standard_normal((3, 4, 8)).astype(np.float32)
    am = g.standard_normal((4, 4)).astype(np.float32)
    kpm = g.standard_normal((3, 4)).astype(np.float32)
    for a, k in ((None, None), (am, None), (None, kpm), (am, kpm)):
        def run(lib, m):
            conv = (lambda x: None if x is None else lib.from_numpy(x.copy()))
            return m.merge_masks(conv(a), conv(k), lib.from_numpy(q.copy()))
        (cm, ct), (tm, tt) = run(cynn, c), run(torch, t)
        assert ct == tt
        if tm is None:
            assert cm is None
        else:
            assert_close(cm, tm)


def _mha_error(fw, shapes=None, module_kw=None):
    shapes = shapes or ((5, 3, 8), (6, 3, 8), (6, 3, 8))
    arrays = [rng(33).standard_normal(s).astype(np.float32) for s in shapes]

    def run(lib, cls):
        m = cls(8, 2, **(module_kw or {}))
        ts = [lib.from_numpy(a.copy()) for a in arrays]
        extra = {}
        for k, v in fw.items():
            extra[k] = lib.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v
        return m(*ts, **extra)

    assert_same_error(lambda: run(cynn, modules.MultiheadAttention),
                      lambda: run(torch, torch.nn.MultiheadAttention))


MHA_ERRORS = {
    "causal-without-mask": ({"is_causal": True}, None),
    "attn-2d-shape": ({"attn_mask": np.zeros((5, 5), bool)}, None),
    "attn-3d-shape": ({"attn_mask": np.zeros((3, 5, 6), bool)}, None),
    "attn-4d": ({"attn_mask": np.zeros((1, 1, 5, 6), bool)}, None),
    "attn-int": ({"attn_mask": np.zeros((5, 6), np.int64)}, None),
    "kpm-shape": ({"key_padding_mask": np.zeros((3, 5), bool)}, None),
    "kpm-3d": ({"key_padding_mask": np.zeros((3, 6, 1), bool)}, None),
    "kv-2d": ({}, ((5, 3, 8), (6, 8), (6, 8))),
    "query-1d": ({}, ((8,), (8,), (8,))),
    "embed": ({}, ((5, 3, 6), (6, 3, 6), (6, 3, 6))),
    "key-value": ({}, ((5, 3, 8), (6, 3, 8), (7, 3, 8))),
    "unbatched-kpm": ({"key_padding_mask": np.zeros((3, 6), bool)},
                      ((5, 8), (6, 8), (6, 8))),
    "unbatched-attn-3d": ({"attn_mask": np.zeros((3, 5, 6), bool)},
                          ((5, 8), (6, 8), (6, 8))),
}


@pytest.mark.parametrize("name", MHA_ERRORS)
def test_mha_errors_as_torch(name):
    fw, shapes = MHA_ERRORS[name]
    _mha_error(fw, shapes)


@pytest.mark.parametrize("args", [(0, 2), (8, 0), (8, 3)])
def test_mha_constructor_errors_as_torch(args):
    assert_same_error(lambda: modules.MultiheadAttention(*args),
                      lambda: torch.nn.MultiheadAttention(*args))


def test_mha_separate_weights_shape_errors():
    c, t = _mha_pair(kdim=3, vdim=5)
    arrays = _qkv(kdim=4, vdim=5)
    assert_same_error(lambda: c(*[cynn.tensor(a) for a in arrays]),
                      lambda: t(*[torch.tensor(a) for a in arrays]))
    arrays = _qkv(S=6, kdim=3, vdim=5)
    arrays[2] = arrays[2][:4]
    assert_same_error(lambda: c(*[cynn.tensor(a) for a in arrays]),
                      lambda: t(*[torch.tensor(a) for a in arrays]))


def test_mha_mismatched_mask_types_warn_as_torch():
    c, t = _mha_pair()
    arrays = _qkv()
    masks = {"attn_mask": np.zeros((5, 6), bool), "key_padding_mask": np.zeros((3, 6),
                                                                                np.float32)}
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        t(*[torch.tensor(a) for a in arrays], **{k: torch.from_numpy(v) for k, v in
                                                masks.items()})
    with warnings.catch_warnings(record=True) as cw:
        warnings.simplefilter("always")
        c(*[cynn.tensor(a) for a in arrays], **{k: cynn.from_numpy(v) for k, v in
                                               masks.items()})
    t_msgs = sorted({str(w.message) for w in tw if "mismatched" in str(w.message)})
    c_msgs = sorted({str(w.message) for w in cw if "mismatched" in str(w.message)})
    assert t_msgs and c_msgs == t_msgs
    assert all(w.filename == __file__ for w in cw if "mismatched" in str(w.message))


@pytest.mark.parametrize("module_kw", [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True},
                                       {"add_zero_attn": True}, {"batch_first": True}],
                         ids=["plain", "kvdim", "bias_kv", "zero_attn", "batch_first"])
def test_mha_error_precedence_matches_torch(module_kw):
    """A grid of input shapes and masks, most invalid in several ways: cynn raises exactly
    torch's exception (type and message) or succeeds where torch does."""
    c = modules.MultiheadAttention(8, 2, **module_kw)
    t = torch.nn.MultiheadAttention(8, 2, **module_kw)
    shape_sets = [((5, 3, 8), (6, 3, 8), (6, 3, 8)), ((5, 3, 8), (6, 3, 3), (6, 3, 5)),
                  ((5, 3, 6), (6, 3, 6), (6, 3, 6)), ((5, 8), (6, 8), (6, 8)),
                  ((5, 3, 8), (6, 8), (6, 8)), ((5, 3, 8), (6, 3, 8), (7, 3, 8)),
                  ((8,), (8,), (8,)), ((5, 3, 8), (6, 3, 3), (5, 3, 5))]
    paddings = [None, ((3, 6), bool), ((3, 5), bool), ((6,), bool), ((3, 6), np.int64),
                ((4, 6), np.float32), ((3, 6, 1), bool)]
    attn_masks = [None, ((5, 6), bool), ((5, 5), np.float32), ((6, 5, 6), bool),
                  ((2, 5, 6), np.float32), ((1, 1, 5, 6), bool), ((5, 6), np.int64)]
    mismatches = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shapes, kpm, am, flags in itertools.product(
                shape_sets, paddings, attn_masks, [{}, {"is_causal": True}]):
            outcomes = []
            for lib, m in ((cynn, c), (torch, t)):
                kw = dict(flags)
                if kpm is not None:
                    kw["key_padding_mask"] = lib.from_numpy(np.zeros(kpm[0], kpm[1]))
                if am is not None:
                    kw["attn_mask"] = lib.from_numpy(np.zeros(am[0], am[1]))
                try:
                    m(*[lib.from_numpy(np.ones(s, np.float32)) for s in shapes], **kw)
                    outcomes.append("ok")
                except Exception as exc:  # noqa: BLE001 -- the type is what is compared
                    outcomes.append(f"{type(exc).__name__}: "
                                    f"{str(exc).replace('torch.', 'cynn.')}")
            if outcomes[0] != outcomes[1]:
                mismatches.append((shapes, kpm, am, flags, *outcomes))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("padding", [None, "bool", "float32"])
def test_mha_float64_module_with_float32_masks(need_weights, padding):
    """A float64 module: parameters and output in float64; a float32 attn_mask works
    through scaled_dot_product_attention and fails in need_weights' baddbmm, as torch."""
    c = modules.MultiheadAttention(8, 2, dtype=cynn.float64)
    t = torch.nn.MultiheadAttention(8, 2, dtype=torch.float64)
    assert {str(p.dtype) for p in c.parameters()} == {"cynn.float64"}
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    x = rng(40).standard_normal((5, 2, 8))
    am = rng(41).standard_normal((5, 5)).astype(np.float32)
    kpm = None if padding is None else np.zeros((2, 5), dtype=padding)

    def run(lib, m):
        kw = {"attn_mask": lib.from_numpy(am.copy()), "need_weights": need_weights}
        if kpm is not None:
            kw["key_padding_mask"] = lib.from_numpy(kpm.copy())
        return m(lib.tensor(x), lib.tensor(x), lib.tensor(x), **kw)[0]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = run(torch, t)
        except RuntimeError:
            assert_same_error(lambda: run(cynn, c), lambda: run(torch, t))
            return
        assert_close(run(cynn, c), expected, rtol=1e-10, atol=1e-12)
