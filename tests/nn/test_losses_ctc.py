"""F.ctc_loss / nn.CTCLoss against torch: padded and concatenated targets, lengths as
tensors or tuples, reductions, blank, zero_infinity with impossible alignments,
unbatched input, float32 and float64, gradients (through a log_softmax, as CTC is
used, and of the log-probabilities themselves: PyTorch's convention), a float64
gradcheck, 1 vs 2 threads, and PyTorch's errors."""
import itertools

import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import assert_same_error, check_parity, cy, gradcheck, rng, th, torch

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
T_MAX, N, C, S = 10, 5, 6, 4


def _problem(seed=0, dtype=np.float32):
    """Logits (T, N, C), padded targets (N, S) and lengths: a repeated label, an empty
    target, short inputs, and one impossible alignment (sample 4: 4 labels with
    repeats need 7 frames, it has 3)."""
    g = rng(seed)
    logits = g.standard_normal((T_MAX, N, C)).astype(dtype)
    targets = g.integers(1, C, (N, S)).astype(np.int64)
    targets[0, 1] = targets[0, 0]
    targets[4] = [2, 2, 3, 3]
    input_lengths = np.array([10, 8, 6, 2, 3], np.int64)
    target_lengths = np.array([4, 2, 0, 1, 4], np.int64)
    return logits, targets, input_lengths, target_lengths


def _concatenated(targets, lengths):
    return np.concatenate([row[:n] for row, n in zip(targets, lengths)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("lengths_as", ["tensor", "tuple"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_matches_torch(reduction, layout, lengths_as, zero_infinity):
    # without zero_infinity the impossible sample 4 makes the loss inf and its gradient
    # nan (test_impossible_alignment_is_inf_or_zero_like_torch): compare the others
    keep = [0, 1, 2, 3, 4] if zero_infinity else [0, 1, 2, 3]
    fn = _subset(keep, layout, lengths_as, reduction=reduction, zero_infinity=zero_infinity)
    logits = _problem()[0][:, keep]
    c_out, t_out = check_parity(fn, fn, [logits, _subset_targets(layout, len(keep))])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


def _subset(keep, layout, lengths_as, **kwargs):
    _, _, in_len, tgt_len = _problem()
    in_len, tgt_len = in_len[keep], tgt_len[keep]

    def fn(logits, targets):
        lib, to_tensor = (TF, torch.tensor) if isinstance(logits, torch.Tensor) else (F, cy)
        if lengths_as == "tensor":
            lengths = to_tensor(in_len), to_tensor(tgt_len)
        else:
            lengths = [int(v) for v in in_len], [int(v) for v in tgt_len]
        return lib.ctc_loss(logits.log_softmax(2), targets, *lengths, **kwargs)
    return fn


def _subset_targets(layout, n_samples):
    _, targets, _, tgt_len = _problem()
    targets, tgt_len = targets[:n_samples], tgt_len[:n_samples]
    return targets if layout == "padded" else _concatenated(targets, tgt_len)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignment_is_inf_or_zero_like_torch(zero_infinity):
    logits, targets, in_len, tgt_len = _problem()
    lp = np.log(np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
    c_lp, t_lp = cy(lp, True), th(lp, True)
    c = F.ctc_loss(c_lp, cy(targets), cy(in_len), cy(tgt_len), reduction="none",
                   zero_infinity=zero_infinity)
    t = TF.ctc_loss(t_lp, th(targets), th(in_len), th(tgt_len), reduction="none",
                    zero_infinity=zero_infinity)
    assert c.grad_fn.name() == t.grad_fn.name()
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-4)
    assert np.isinf(c.detach().numpy()[4]) != zero_infinity
    c.sum().backward()
    t.sum().backward()
    np.testing.assert_allclose(c_lp.grad.numpy(), t_lp.grad.numpy(), rtol=1e-4, atol=1e-5,
                               equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blank", [0, 3, 5])
def test_blank_index_and_dtype_match_torch(dtype, blank):
    logits, _, in_len, tgt_len = _problem(1, dtype)
    targets = rng(2).integers(0, C, (N, S)).astype(np.int64)  # labels may equal the blank
    lp = np.log(np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(dtype)

    def fn(log_probs, t):
        lib, to_tensor = (TF, torch.tensor) if isinstance(log_probs, torch.Tensor) else (F, cy)
        return lib.ctc_loss(log_probs, t, to_tensor(in_len), to_tensor(tgt_len), blank=blank,
                            reduction="none", zero_infinity=True)
    # the gradient of log_probs itself: PyTorch's exp(lp) - posterior, not d loss / d lp
    check_parity(fn, fn, [lp, targets])


def test_unbatched_input_matches_torch():
    logits, targets, _, _ = _problem()
    for reduction, lengths_as, t in itertools.product(REDUCTIONS, ["tensor", "tuple"],
                                                      [targets[:1], targets[0, :3]]):
        def fn(x, t):
            lib, to_tensor = (TF, torch.tensor) if isinstance(x, torch.Tensor) else (F, cy)
            lengths = (to_tensor(np.array(9)), to_tensor(np.array([3]))) \
                if lengths_as == "tensor" else ((9,), (3,))
            return lib.ctc_loss(x.log_softmax(1), t, *lengths, reduction=reduction)
        check_parity(fn, fn, [logits[:, 0], t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_through_log_softmax(reduction):
    # d loss / d logits is the true derivative; PyTorch's gradient of log_probs alone is
    # not (see ctc_loss), so the check runs through the log_softmax
    logits = rng(3).standard_normal((6, 3, 4))
    padded = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], np.int64)
    in_len, tgt_len = cy(np.array([6, 5, 4])), cy(np.array([3, 2, 1]))
    for targets in (padded, np.array([1, 2, 2, 3, 1, 2], np.int64)):
        gradcheck(lambda x: F.ctc_loss(x.log_softmax(2), cy(targets), in_len, tgt_len,
                                       reduction=reduction), [logits])


def test_one_and_two_threads_are_bitwise_identical():
    logits, targets, in_len, tgt_len = _problem(5)
    results = []
    previous = cynn.get_num_threads()
    try:
        for threads in (1, 2):
            cynn.set_num_threads(threads)
            x = cy(logits, True)
            loss = F.ctc_loss(x.log_softmax(2), cy(targets), cy(in_len), cy(tgt_len),
                              reduction="sum", zero_infinity=True)
            loss.backward()
            results.append((loss.detach().numpy().tobytes(), x.grad.numpy().tobytes()))
    finally:
        cynn.set_num_threads(previous)
    assert results[0] == results[1]


def test_ctc_module_matches_torch():
    logits, targets, in_len, tgt_len = _problem()
    for kwargs in ({}, {"blank": 1, "reduction": "sum", "zero_infinity": True}):
        c_mod, t_mod = nn.CTCLoss(**kwargs), torch.nn.CTCLoss(**kwargs)
        assert repr(c_mod) == repr(t_mod)
        c_x, t_x = cy(logits, True), th(logits, True)
        lengths = (tuple(in_len.tolist()), tuple(tgt_len.tolist()))
        labels = np.minimum(targets + 1, C - 1)
        c = c_mod(c_x.log_softmax(2), cy(labels), *lengths)
        t = t_mod(t_x.log_softmax(2), th(labels), *lengths)
        # without zero_infinity sample 4 is impossible: inf, and nan gradients, in both
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-4)
        c.backward()
        t.backward()
        np.testing.assert_allclose(c_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   equal_nan=True)


# ------------------------------------------------------------------ errors
def _lp(*shape):
    return np.full(shape, -np.log(C), np.float32)


def _long(values):
    return np.array(values, np.int64)


PAD = _long([[1, 2, 3]] * 3)
IL, TL = _long([6, 5, 4]), _long([3, 2, 1])

ERRORS = [
    ("reduction", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL), T(TL), reduction="x")),
    ("input length too long", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(_long([7, 5, 4])),
                                                      T(TL))),
    ("negative input length", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(_long([-1, 5, 4])),
                                                      T(TL))),
    ("target length beyond S", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL),
                                                       T(_long([4, 2, 1])))),
    ("negative target length", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL),
                                                       T(_long([-1, 2, 1])))),
    ("input lengths size", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(_long([6, 5])),
                                                   T(TL))),
    ("target lengths size", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL),
                                                    T(_long([3, 2])))),
    ("concatenated too short", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(_long([1] * 5)), T(IL),
                                                       T(TL))),
    ("concatenated too long", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(_long([1] * 8)), T(IL),
                                                      T(TL))),
    ("blank too large", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL), T(TL), blank=C)),
    ("negative blank", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL), T(TL), blank=-1)),
    ("float lengths", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD), T(IL.astype(np.float32)),
                                              T(TL))),
    ("integer log_probs", lambda M, T: M.ctc_loss(T(np.zeros((6, 3, C), np.int64)), T(PAD), T(IL),
                                                  T(TL))),
    ("half log_probs", lambda M, T: M.ctc_loss(T(_lp(6, 3, C).astype(np.float16)), T(PAD), T(IL),
                                               T(TL))),
    ("4-d log_probs", lambda M, T: M.ctc_loss(T(_lp(1, 6, 3, C)), T(PAD), T(IL), T(TL))),
    ("2-d log_probs, tuple lengths", lambda M, T: M.ctc_loss(T(_lp(6, C)), T(PAD), (6, 5, 4),
                                                             (3, 2, 1))),
    ("3-d targets", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD[None]), T(IL), T(TL))),
    ("targets batch", lambda M, T: M.ctc_loss(T(_lp(6, 3, C)), T(PAD[:2]), T(IL), T(TL))),
    ("empty batch", lambda M, T: M.ctc_loss(T(_lp(6, 0, C)), T(PAD[:0]), T(IL[:0]), T(TL[:0]))),
    ("no frames", lambda M, T: M.ctc_loss(T(_lp(0, 3, C)), T(PAD), T(IL * 0), T(TL))),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


@pytest.mark.parametrize("lengths", [((6, 5, 4), IL), (6, 3), (IL, (3, 2, 1))])
def test_mixed_or_scalar_lengths_are_type_errors_like_torch(lengths):
    def call(M, T):
        il, tl = (T(v) if isinstance(v, np.ndarray) else v for v in lengths)
        return M.ctc_loss(T(_lp(6, 3, C)), T(PAD), il, tl)
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th), match_message=False)


@pytest.mark.parametrize("label", [C, -1])
def test_out_of_range_labels_raise(label):
    # torch reads such labels unchecked (out-of-bounds memory); cynn refuses them
    targets = PAD.copy()
    targets[1, 1] = label
    with pytest.raises(RuntimeError, match=f"target label {label} of sample 1 is out of range"):
        F.ctc_loss(cy(_lp(6, 3, C)), cy(targets), cy(IL), cy(TL))
    targets[1, 2] = label  # past sample 1's target length 2: padding, never read
    targets[1, 1] = 1
    F.ctc_loss(cy(_lp(6, 3, C)), cy(targets), cy(IL), cy(TL))
