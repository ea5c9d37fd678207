"""``pyx/ctc.pyx`` called directly: the loss and PyTorch's gradient against a brute
force over every alignment path (an oracle that shares nothing with the alpha/beta
recursions), per dtype; both target layouts; 1 thread vs 2 threads bitwise identical."""
import itertools

import numpy as np
import pytest

from cynn._kernels import ctc

TOL = {np.float32: {"rtol": 1e-4, "atol": 1e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}


def _collapse(path, blank):
    """The label sequence a frame path spells: repeats merged, then blanks dropped."""
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def _brute_force(lp, target, blank):
    """-log P(target) and the posterior P(frame t shows class c | target), (T, C), by
    enumerating all C^T paths of one sample's log-probabilities ``lp`` (T, C)."""
    n_frames, n_classes = lp.shape
    total = 0.0
    posterior = np.zeros((n_frames, n_classes))
    for path in itertools.product(range(n_classes), repeat=n_frames):
        if _collapse(path, blank) == list(target):
            p = np.exp(sum(lp[t, c] for t, c in enumerate(path)))
            total += p
            for t, c in enumerate(path):
                posterior[t, c] += p
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.log(total), posterior / total


def _problem(dtype, seed=0):
    """A batch whose samples cover repeats, an empty target, a short input and an
    impossible alignment (target longer than the frames allow)."""
    rng = np.random.default_rng(seed)
    n_frames, n_classes = 5, 3
    logits = rng.standard_normal((n_frames, 6, n_classes))
    lp = (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(dtype)
    targets = [[1, 1], [2, 1, 2], [], [1], [2, 2, 2], [1, 2, 1]]
    input_lengths = np.array([5, 5, 4, 1, 3, 5], np.int64)
    return lp, targets, input_lengths


def _flat(targets):
    lengths = np.array([len(t) for t in targets], np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return np.array(sum(targets, []), np.int64), offsets, lengths


def _padded(targets):
    lengths = np.array([len(t) for t in targets], np.int64)
    width = max(lengths.max(), 1)
    rows = np.full((len(targets), width), 7, np.int64)  # padding that must never be read
    for n, t in enumerate(targets):
        rows[n, :len(t)] = t
    return rows.reshape(-1), np.arange(len(targets), dtype=np.int64) * width, lengths


def _run(lp, labels, offsets, in_len, tgt_len, blank, scale, zero_infinity, n_threads):
    n_batch = lp.shape[1]
    width = 2 * int(tgt_len.max()) + 1
    log_alpha = np.empty((n_batch, lp.shape[0], width), lp.dtype)
    nll = np.empty(n_batch, lp.dtype)
    ctc.ctc_forward(lp, labels, offsets, in_len, tgt_len, blank, log_alpha, nll, n_threads)
    grad = np.empty_like(lp)
    ctc.ctc_backward(lp, labels, offsets, in_len, tgt_len, blank, log_alpha, nll,
                     scale.astype(lp.dtype), zero_infinity, np.empty_like(log_alpha), grad,
                     n_threads)
    return nll, grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", [_flat, _padded])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_loss_and_gradient_match_brute_force(dtype, layout, zero_infinity):
    lp, targets, in_len = _problem(dtype)
    labels, offsets, tgt_len = layout(targets)
    scale = np.linspace(0.5, 2.0, lp.shape[1])
    nll, grad = _run(lp, labels, offsets, in_len, tgt_len, 0, scale, zero_infinity, 2)
    for n, target in enumerate(targets):
        frames = in_len[n]
        expected, posterior = _brute_force(lp[:frames, n].astype(np.float64), target, 0)
        np.testing.assert_allclose(nll[n], expected, **TOL[dtype])
        np.testing.assert_array_equal(grad[frames:, n], 0)
        if np.isinf(expected):
            if zero_infinity:
                np.testing.assert_array_equal(grad[:, n], 0)
            else:
                assert np.isnan(grad[:frames, n]).all()  # as PyTorch: inf - inf
            continue
        # PyTorch's gradient: with respect to the logits under a log_softmax
        want = (np.exp(lp[:frames, n].astype(np.float64)) - posterior) * scale[n]
        np.testing.assert_allclose(grad[:frames, n], want, **TOL[dtype])


def test_blank_other_than_zero_matches_brute_force():
    lp, _, _ = _problem(np.float64)
    targets = [[0, 0], [1, 0, 1], [], [0], [1, 1], [0, 1]]
    labels, offsets, tgt_len = _flat(targets)
    in_len = np.full(6, 5, np.int64)
    nll, _ = _run(lp, labels, offsets, in_len, tgt_len, 2, np.ones(6), False, 1)
    for n, target in enumerate(targets):
        np.testing.assert_allclose(nll[n], _brute_force(lp[:, n], target, 2)[0], rtol=1e-10)


def test_zero_frames():
    lp, _, _ = _problem(np.float64)
    targets = [[], [1], [], [], [], []]
    labels, offsets, tgt_len = _flat(targets)
    in_len = np.array([0, 0, 1, 1, 1, 1], np.int64)
    nll, grad = _run(lp, labels, offsets, in_len, tgt_len, 0, np.ones(6), False, 1)
    assert nll[0] == 0 and nll[1] == np.inf  # only the empty target fits no frames
    np.testing.assert_array_equal(grad[:, :2], 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", [_flat, _padded])
def test_one_and_two_threads_are_bitwise_identical(dtype, layout):
    rng = np.random.default_rng(3)
    n_frames, n_batch, n_classes = 40, 9, 7
    lp = rng.standard_normal((n_frames, n_batch, n_classes)).astype(dtype)
    lp -= np.log(np.exp(lp).sum(-1, keepdims=True))
    targets = [list(rng.integers(1, n_classes, rng.integers(0, 15))) for _ in range(n_batch)]
    labels, offsets, tgt_len = layout(targets)
    in_len = rng.integers(20, n_frames + 1, n_batch).astype(np.int64)
    scale = rng.uniform(0.5, 2, n_batch)
    one = _run(lp, labels, offsets, in_len, tgt_len, 0, scale, True, 1)
    two = _run(lp, labels, offsets, in_len, tgt_len, 0, scale, True, 2)
    for a, b in zip(one, two):
        assert a.tobytes() == b.tobytes()


def test_inconsistent_sizes_raise_before_the_kernel_runs():
    lp, targets, in_len = _problem(np.float64)
    labels, offsets, tgt_len = _flat(targets)
    with pytest.raises(ValueError, match="inconsistent array sizes"):
        ctc.ctc_forward(lp, labels, offsets[:-1], in_len, tgt_len, 0,
                        np.empty((6, 5, 7)), np.empty(6), 1)
