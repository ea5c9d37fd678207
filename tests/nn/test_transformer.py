"""nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder / Transformer against
torch: outputs and the gradients of inputs and every parameter over the option matrix
(activation, norm_first, batch_first, bias, masks, causal hints, unbatched), state dicts
and reprs equal to torch's, loading both ways, the nested-tensor inference result,
PyTorch's warnings and errors, and a tiny Transformer trained 3 SGD steps like torch."""
import itertools
import warnings

import numpy as np
import pytest

import cynn
from cynn.nn.modules import transformer as modules
from _nn_parity import assert_close, assert_same_error, rng, torch

TNN = torch.nn


def _sync(c, t, seed=0):
    """Random values for every cynn parameter (biases and norm affines too, so that
    each gradient is exercised), copied into torch."""
    g = rng(seed)
    for _, p in c.named_parameters():
        p._data[...] = g.standard_normal(p.shape).astype(np.float32) * 0.3
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})


def _activation(lib, name):
    return {"relu": "relu", "gelu": "gelu",
            "fn-gelu": lib.nn.functional.gelu, "module-gelu": lib.nn.GELU(),
            "callable": lambda x: x.tanh()}[name]


def _compare(c, t, c_args, t_args, c_kwargs=None, t_kwargs=None, rtol=1e-4, atol=2e-5):
    co = c(*c_args, **(c_kwargs or {}))
    to = t(*t_args, **(t_kwargs or {}))
    assert_close(co, to, rtol, atol, what="output")
    gy = rng(99).standard_normal(tuple(to.shape)).astype(np.float32)
    (co * cynn.tensor(gy)).sum().backward()
    (to * torch.tensor(gy)).sum().backward()
    for i, (a, b) in enumerate(zip(c_args, t_args)):
        if b.requires_grad:
            assert_close(a.grad, b.grad, rtol, atol, what=f"grad of input {i}")
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        if tp[name].grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert_close(p.grad, tp[name].grad, rtol, atol, what=f"grad of {name}")
    return co


def _seq(shape, seed=1):
    a = rng(seed).standard_normal(shape).astype(np.float32)
    return cynn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _shape(S, N, E, batch_first, unbatched):
    return (S, E) if unbatched else ((N, S, E) if batch_first else (S, N, E))


def _masks(lib, arrays):
    return {k: (None if v is None else lib.from_numpy(v.copy())) for k, v in arrays.items()}


LAYER_OPTIONS = list(itertools.product(
    ["relu", "gelu", "fn-gelu", "module-gelu", "callable"],
    [False, True],   # norm_first
    [False, True],   # batch_first
    [True, False],   # bias
))


@pytest.mark.parametrize("activation,norm_first,batch_first,bias", LAYER_OPTIONS)
def test_encoder_layer_matches_torch(activation, norm_first, batch_first, bias):
    kw = dict(dim_feedforward=12, dropout=0.1, norm_first=norm_first, batch_first=batch_first,
              bias=bias, layer_norm_eps=1e-4)
    c = modules.TransformerEncoderLayer(8, 2, activation=_activation(cynn, activation), **kw)
    t = TNN.TransformerEncoderLayer(8, 2, activation=_activation(torch, activation), **kw)
    _sync(c, t)
    c.eval(), t.eval()
    xc, xt = _seq(_shape(5, 3, 8, batch_first, False))
    _compare(c, t, [xc], [xt])


MASK_CASES = ["none", "causal-float", "causal-hint", "bool", "kpm", "kpm+mask", "3d"]


def _encoder_masks(case, S=5, N=3, H=2, unbatched=False):
    g = rng(5)
    causal = np.triu(np.full((S, S), -np.inf, dtype=np.float32), 1)
    kpm = np.zeros((S,) if unbatched else (N, S), dtype=bool)
    kpm[..., -2:] = True
    if not unbatched:
        kpm[0] = False
    if case == "none":
        return {}, {}
    if case == "causal-float":
        return {"src_mask": causal}, {}
    if case == "causal-hint":
        return {"src_mask": causal}, {"is_causal": True}
    if case == "bool":
        m = g.random((S, S)) < 0.3
        np.fill_diagonal(m, False)
        return {"src_mask": m}, {}
    if case == "kpm":
        return {"src_key_padding_mask": kpm}, {}
    if case == "kpm+mask":
        return {"src_mask": (g.random((S, S)) < 0.3) & ~np.eye(S, dtype=bool),
                "src_key_padding_mask": kpm}, {}
    m = g.standard_normal(((1 if unbatched else N) * H, S, S)).astype(np.float32)
    return {"src_mask": m}, {}


@pytest.mark.parametrize("case", MASK_CASES)
@pytest.mark.parametrize("layout", ["seq-first", "batch-first", "unbatched"])
def test_encoder_layer_masks(case, layout):
    c = modules.TransformerEncoderLayer(8, 2, 12, batch_first=layout == "batch-first")
    t = TNN.TransformerEncoderLayer(8, 2, 12, batch_first=layout == "batch-first")
    _sync(c, t)
    c.eval(), t.eval()
    unbatched = layout == "unbatched"
    masks, flags = _encoder_masks(case, unbatched=unbatched)
    xc, xt = _seq(_shape(5, 3, 8, layout == "batch-first", unbatched))
    _compare(c, t, [xc], [xt], dict(_masks(cynn, masks), **flags),
             dict(_masks(torch, masks), **flags))


@pytest.mark.parametrize("norm_first,batch_first,bias,activation",
                         [(False, False, True, "relu"), (True, True, False, "gelu"),
                          (False, True, True, "callable"), (True, False, True, "module-gelu")])
@pytest.mark.parametrize("masks", ["none", "all"])
def test_decoder_layer_matches_torch(norm_first, batch_first, bias, activation, masks):
    kw = dict(dim_feedforward=12, norm_first=norm_first, batch_first=batch_first, bias=bias)
    c = modules.TransformerDecoderLayer(8, 2, activation=_activation(cynn, activation), **kw)
    t = TNN.TransformerDecoderLayer(8, 2, activation=_activation(torch, activation), **kw)
    _sync(c, t)
    c.eval(), t.eval()
    tc, tt = _seq(_shape(4, 3, 8, batch_first, False), 1)
    mc, mt = _seq(_shape(6, 3, 8, batch_first, False), 2)
    m = {}
    if masks == "all":
        g = rng(6)
        kpm_t = np.zeros((3, 4), bool)
        kpm_t[1, -1] = True
        kpm_m = np.zeros((3, 6), bool)
        kpm_m[2, -3:] = True
        m = {"tgt_mask": np.triu(np.full((4, 4), -np.inf, np.float32), 1),
             "memory_mask": g.standard_normal((4, 6)).astype(np.float32),
             "tgt_key_padding_mask": np.where(kpm_t, -np.inf, 0).astype(np.float32),
             "memory_key_padding_mask": np.where(kpm_m, -np.inf, 0).astype(np.float32)}
    flags = {"tgt_is_causal": True} if masks == "all" else {}
    _compare(c, t, [tc, mc], [tt, mt], dict(_masks(cynn, m), **flags),
             dict(_masks(torch, m), **flags))


def test_decoder_layer_unbatched():
    c = modules.TransformerDecoderLayer(8, 2, 12)
    t = TNN.TransformerDecoderLayer(8, 2, 12)
    _sync(c, t)
    c.eval(), t.eval()
    tc, tt = _seq((4, 8), 1)
    mc, mt = _seq((6, 8), 2)
    _compare(c, t, [tc, mc], [tt, mt])


@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("mask", ["none", "causal", "kpm"])
def test_encoder_stack_matches_torch(with_norm, mask):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = modules.TransformerEncoder(modules.TransformerEncoderLayer(8, 2, 12), 3,
                                       norm=cynn.nn.LayerNorm(8) if with_norm else None)
        t = TNN.TransformerEncoder(TNN.TransformerEncoderLayer(8, 2, 12), 3,
                                   norm=TNN.LayerNorm(8) if with_norm else None)
    _sync(c, t)
    c.eval(), t.eval()
    m = {}
    if mask == "causal":
        m = {"mask": np.triu(np.full((5, 5), -np.inf, np.float32), 1)}
    elif mask == "kpm":
        kpm = np.zeros((3, 5), bool)
        kpm[1, 3:] = True
        m = {"src_key_padding_mask": kpm}
    xc, xt = _seq((5, 3, 8))
    _compare(c, t, [xc], [xt], _masks(cynn, m), _masks(torch, m))


@pytest.mark.parametrize("mask", ["none", "causal"])
def test_decoder_stack_matches_torch(mask):
    c = modules.TransformerDecoder(modules.TransformerDecoderLayer(8, 2, 12), 2,
                                   norm=cynn.nn.LayerNorm(8))
    t = TNN.TransformerDecoder(TNN.TransformerDecoderLayer(8, 2, 12), 2, norm=TNN.LayerNorm(8))
    _sync(c, t)
    c.eval(), t.eval()
    m = {} if mask == "none" else \
        {"tgt_mask": np.triu(np.full((4, 4), -np.inf, np.float32), 1)}
    tc, tt = _seq((4, 3, 8), 1)
    mc, mt = _seq((6, 3, 8), 2)
    _compare(c, t, [tc, mc], [tt, mt], _masks(cynn, m), _masks(torch, m))


def _transformer_pair(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = modules.Transformer(**kw)
        t = TNN.Transformer(**kw)
    return c, t


@pytest.mark.parametrize("batch_first,norm_first", [(False, False), (True, True)])
def test_transformer_matches_torch(batch_first, norm_first):
    c, t = _transformer_pair(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                             dim_feedforward=12, batch_first=batch_first,
                             norm_first=norm_first)
    _sync(c, t)
    c.eval(), t.eval()
    sc, st = _seq(_shape(6, 3, 8, batch_first, False), 1)
    tc, tt = _seq(_shape(4, 3, 8, batch_first, False), 2)
    kpm = np.zeros((3, 6), bool)
    kpm[0, -2:] = True
    causal = modules.Transformer.generate_square_subsequent_mask(4)
    _compare(c, t, [sc, tc], [st, tt],
             {"tgt_mask": causal, "src_key_padding_mask": cynn.from_numpy(kpm),
              "memory_key_padding_mask": cynn.from_numpy(kpm)},
             {"tgt_mask": TNN.Transformer.generate_square_subsequent_mask(4),
              "src_key_padding_mask": torch.from_numpy(kpm),
              "memory_key_padding_mask": torch.from_numpy(kpm)})


def test_transformer_unbatched():
    c, t = _transformer_pair(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=12)
    _sync(c, t)
    c.eval(), t.eval()
    sc, st = _seq((6, 8), 1)
    tc, tt = _seq((4, 8), 2)
    _compare(c, t, [sc, tc], [st, tt])


def test_generate_square_subsequent_mask():
    for sz, dtype in ((1, None), (4, None), (3, "float64")):
        c = modules.Transformer.generate_square_subsequent_mask(
            sz, dtype=None if dtype is None else getattr(cynn, dtype))
        t = TNN.Transformer.generate_square_subsequent_mask(
            sz, dtype=None if dtype is None else getattr(torch, dtype))
        assert_close(c, t)


def test_state_dicts_and_reprs_match_torch():
    cases = [
        (lambda lib: lib.TransformerEncoderLayer(8, 2, 12, activation="gelu", bias=False),
         "TransformerEncoderLayer"),
        (lambda lib: lib.TransformerDecoderLayer(8, 2, 12, norm_first=True), "Decoder"),
        (lambda lib: lib.Transformer(8, 2, 2, 1, 12), "Transformer"),
    ]
    for build, _ in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c, t = build(modules), build(TNN)
        assert [(k, tuple(v.shape)) for k, v in c.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
        assert repr(c) == repr(t)
        # torch -> cynn -> torch
        c.load_state_dict({k: cynn.from_numpy(v.detach().numpy().copy())
                           for k, v in t.state_dict().items()})
        t.load_state_dict({k: torch.from_numpy(v.numpy().copy() * 2)
                           for k, v in c.state_dict().items()})
        for k, v in c.state_dict().items():
            np.testing.assert_array_equal(v.numpy() * 2, t.state_dict()[k].numpy())


def test_transformer_initialisation():
    cynn.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = modules.Transformer(d_model=32, nhead=4, num_encoder_layers=1,
                                num_decoder_layers=1, dim_feedforward=64)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (32 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    ow = m.decoder.layers[0].self_attn.out_proj.weight.detach().numpy()
    assert np.abs(ow).max() <= np.sqrt(6.0 / 64) and np.abs(ow).max() > 0.5 / np.sqrt(32)
    assert np.all(m.encoder.norm.weight.detach().numpy() == 1)
    layers = m.encoder.layers
    assert layers[0] is not m.decoder.layers[0]


def test_encoder_clones_are_independent():
    layer = modules.TransformerEncoderLayer(8, 2, 12)
    enc = modules.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    np.testing.assert_array_equal(enc.layers[0].linear1.weight.detach().numpy(),
                                  enc.layers[1].linear1.weight.detach().numpy())
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True),
                                dict(batch_first=True, activation=lambda x: x),
                                dict(batch_first=True, bias=False),
                                dict(batch_first=True), dict(batch_first=True, nhead=1)])
@pytest.mark.parametrize("enable", [True, False])
def test_encoder_nested_tensor_warning_as_torch(kw, enable):
    kw = dict(kw)
    nhead = kw.pop("nhead", 2)

    def build(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            enc = lib.TransformerEncoder(lib.TransformerEncoderLayer(8, nhead, 12, **kw), 1,
                                         enable_nested_tensor=enable)
        return enc, [str(x.message) for x in w]

    (c, cw), (t, tw) = build(modules), build(TNN)
    assert cw == tw
    assert (c.use_nested_tensor, c.enable_nested_tensor, c.mask_check) == \
        (t.use_nested_tensor, t.enable_nested_tensor, t.mask_check)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")   # torch's own
@pytest.mark.parametrize("left_aligned", [True, False])
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_inference_with_padding_matches_torchs_nested_path(left_aligned, with_norm):
    c = modules.TransformerEncoder(modules.TransformerEncoderLayer(8, 2, 12, batch_first=True),
                                   2, norm=cynn.nn.LayerNorm(8) if with_norm else None)
    t = TNN.TransformerEncoder(TNN.TransformerEncoderLayer(8, 2, 12, batch_first=True), 2,
                               norm=TNN.LayerNorm(8) if with_norm else None)
    _sync(c, t)
    c.eval(), t.eval()
    x = rng(3).standard_normal((3, 5, 8)).astype(np.float32)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    kpm[2, 1:] = True
    if not left_aligned:
        kpm[0, 1] = True
    with torch.no_grad(), cynn.no_grad():
        co = c(cynn.tensor(x), src_key_padding_mask=cynn.from_numpy(kpm))
        to = t(torch.tensor(x), src_key_padding_mask=torch.from_numpy(kpm))
    assert_close(co, to)
    # with gradients PyTorch keeps the padded positions' values
    co = c(cynn.tensor(x), src_key_padding_mask=cynn.from_numpy(kpm))
    to = t(torch.tensor(x), src_key_padding_mask=torch.from_numpy(kpm))
    assert_close(co, to)


def test_is_causal_detection_matches_torch():
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    assert modules._detect_is_causal_mask(cynn.from_numpy(mask)) is True
    assert modules._detect_is_causal_mask(cynn.from_numpy(mask), False) is False
    assert modules._detect_is_causal_mask(cynn.from_numpy(mask[:4, :4]), None, 5) is False
    other = mask.copy()
    other[0, 1] = 0
    assert modules._detect_is_causal_mask(cynn.from_numpy(other)) is False
    assert modules._detect_is_causal_mask(None, None) is False
    from torch.nn.modules.transformer import _detect_is_causal_mask as tdetect
    bool_causal = np.triu(np.ones((5, 5), bool), 1)
    for m, flag, size in ((mask, None, None), (other, None, None), (mask[:4, :4], None, 5),
                          (bool_causal, None, None), (~bool_causal, None, None),
                          (mask, True, None), (other, False, None)):
        assert modules._detect_is_causal_mask(cynn.from_numpy(m), flag, size) == \
            tdetect(torch.from_numpy(m), flag, size)


def test_transformer_errors_as_torch():
    c, t = _transformer_pair(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=12)
    g = rng(7)
    for s_shape, t_shape in (((6, 3, 8), (4, 2, 8)), ((6, 3, 8), (4, 3, 6)),
                             ((6, 3, 6), (4, 3, 6))):
        s = g.standard_normal(s_shape).astype(np.float32)
        tg = g.standard_normal(t_shape).astype(np.float32)
        assert_same_error(lambda: c(cynn.tensor(s), cynn.tensor(tg)),
                          lambda: t(torch.tensor(s), torch.tensor(tg)))
    assert_same_error(lambda: modules.TransformerEncoderLayer(8, 2, activation="tanh"),
                      lambda: TNN.TransformerEncoderLayer(8, 2, activation="tanh"))
    assert_same_error(lambda: modules.TransformerDecoderLayer(8, 2, activation="silu"),
                      lambda: TNN.TransformerDecoderLayer(8, 2, activation="silu"))
    assert_same_error(lambda: modules.TransformerEncoderLayer(8, 3),
                      lambda: TNN.TransformerEncoderLayer(8, 3))
    layer_c = modules.TransformerEncoderLayer(8, 2, 12)
    layer_t = TNN.TransformerEncoderLayer(8, 2, 12)
    x = g.standard_normal((5, 3, 8)).astype(np.float32)
    bad = np.zeros((5, 5), np.int64)
    assert_same_error(lambda: layer_c(cynn.tensor(x), src_mask=cynn.from_numpy(bad)),
                      lambda: layer_t(torch.tensor(x), src_mask=torch.from_numpy(bad)))
    assert_same_error(lambda: layer_c(cynn.tensor(x), is_causal=True),
                      lambda: layer_t(torch.tensor(x), is_causal=True))


def test_empty_batch():
    c = modules.TransformerEncoderLayer(8, 2, 12)
    t = TNN.TransformerEncoderLayer(8, 2, 12)
    _sync(c, t)
    xc, xt = _seq((5, 0, 8))
    c.eval(), t.eval()
    _compare(c, t, [xc], [xt])


def test_dropout_active_in_training_only():
    c = modules.TransformerEncoderLayer(8, 2, 12, dropout=0.5)
    x = cynn.randn(5, 3, 8)
    c.eval()
    np.testing.assert_array_equal(c(x).detach().numpy(), c(x).detach().numpy())
    c.train()
    assert not np.allclose(c(x).detach().numpy(), c(x).detach().numpy())


def test_tiny_transformer_trains_like_torch():
    """Three SGD steps (momentum) of a small Transformer with causal target mask and a
    padded source, dropout off: the losses and every parameter stay equal to torch's."""
    c, t = _transformer_pair(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                             dim_feedforward=16, dropout=0.0)
    _sync(c, t, seed=3)
    c_head, t_head = cynn.nn.Linear(8, 5), TNN.Linear(8, 5)
    t_head.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in c_head.state_dict().items()})
    c_params = list(c.parameters()) + list(c_head.parameters())
    t_params = list(t.parameters()) + list(t_head.parameters())
    c_opt = cynn.optim.SGD(c_params, lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(t_params, lr=0.1, momentum=0.9)
    g = rng(4)
    src = g.standard_normal((6, 4, 8)).astype(np.float32)
    tgt = g.standard_normal((5, 4, 8)).astype(np.float32)
    labels = g.integers(0, 5, (5, 4))
    kpm = np.zeros((4, 6), bool)
    kpm[1, -2:] = True
    for step in range(3):
        losses = []
        for lib, model, head, opt in ((cynn, c, c_head, c_opt), (torch, t, t_head, t_opt)):
            opt.zero_grad()
            mask = (modules.Transformer if lib is cynn else TNN.Transformer) \
                .generate_square_subsequent_mask(5)
            out = model(lib.tensor(src), lib.tensor(tgt), tgt_mask=mask,
                        src_key_padding_mask=lib.from_numpy(kpm.copy()))
            logits = head(out).reshape(-1, 5)
            loss = lib.nn.functional.cross_entropy(logits, lib.tensor(labels.reshape(-1)))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4, err_msg=f"step {step}")
    for (name, a), b in zip(list(c.named_parameters()) + list(c_head.named_parameters()),
                            t_params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4,
                                   atol=2e-5, err_msg=name)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("hooked", [False, True])
@pytest.mark.parametrize("masks", ["kpm", "mask", "both"])
def test_encoder_layer_inference_fully_masked_rows_as_torch(batch_first, hooked, masks):
    """Without gradients in eval mode PyTorch's fused kernel (batch_first, no hooks) gives
    NaN for a query whose keys are all masked; its regular path gives numbers."""
    c = modules.TransformerEncoderLayer(8, 2, 12, batch_first=batch_first)
    t = TNN.TransformerEncoderLayer(8, 2, 12, batch_first=batch_first)
    _sync(c, t)
    c.eval(), t.eval()
    if hooked:
        c.register_forward_hook(lambda *args: None)
        t.register_forward_hook(lambda *args: None)
    x = rng(8).standard_normal(_shape(5, 3, 8, batch_first, False)).astype(np.float32)
    m = {}
    if masks in ("kpm", "both"):
        kpm = np.zeros((3, 5), bool)
        kpm[2] = True
        m["src_key_padding_mask"] = kpm
    if masks in ("mask", "both"):
        mask = np.zeros((5, 5), bool)
        mask[1] = True
        m["src_mask"] = mask
    with torch.no_grad(), cynn.no_grad():
        co = c(cynn.tensor(x), **_masks(cynn, m)).numpy()
        to = t(torch.tensor(x), **_masks(torch, m)).numpy()
    np.testing.assert_array_equal(np.isnan(co), np.isnan(to))
    np.testing.assert_allclose(co, to, rtol=1e-4, atol=2e-5, equal_nan=True)
