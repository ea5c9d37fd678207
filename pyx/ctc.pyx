"""Connectionist temporal classification: the alpha / beta recursions of ``F.ctc_loss``.

For a target ``l`` of length L the extended label sequence ``l'`` has 2L + 1 entries,
blanks at the even positions and ``l[s // 2]`` at the odd ones. In log space, with
``lp[t, c]`` the log-probability of class c at time t::

    alpha[0, 0] = lp[0, blank]        alpha[0, 1] = lp[0, l'[1]]        (L > 0)
    alpha[t, s] = lp[t, l'[s]] + lse(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2])

where the s-2 term exists only at label positions (odd s) whose label differs from
the previous one: a path may skip the blank between two different labels, never
between repeats. (Parity, not the label value, marks a label position, so a target
that contains the blank class behaves as in PyTorch.) The loss is
``-lse(alpha[T-1, 2L], alpha[T-1, 2L-1])``, T the sample's input length. ``beta`` runs
the same recursion backwards in time and, like ``alpha``, includes the emission at t,
so ``alpha + beta - lp`` is the log-probability of all paths through (t, s). The
gradient written is PyTorch's: with respect to the logits before a ``log_softmax``,
``exp(lp) - exp(lse_{s: l'[s] = c}(alpha + beta) + nll - lp)``; the caller scales it
per sample.

Samples are independent and each belongs to one thread (``prange`` over the batch),
and no thread reads what another writes, so results are bitwise identical at any
thread count. Every index read here (targets in [0, C), lengths within the arrays,
offsets inside ``targets``) was validated by ``cynn/nn/functional/loss.py``.
"""
from cython.parallel cimport prange
from libc.math cimport INFINITY, exp, log1p
from libc.stdint cimport int64_t
from fused cimport floating


cdef inline double _lse2(double a, double b) noexcept nogil:
    """log(exp(a) + exp(b)), -inf when both are."""
    cdef double hi = a if a > b else b
    cdef double lo = b if a > b else a
    if lo == -INFINITY:
        return hi
    return hi + log1p(exp(lo - hi))


cdef inline int64_t _label(const int64_t[::1] targets, int64_t offset, Py_ssize_t s,
                           int64_t blank) noexcept nogil:
    return blank if s % 2 == 0 else targets[offset + s // 2]


def ctc_forward(const floating[:, :, ::1] log_probs,   # IN  (T, N, C)
                const int64_t[::1] targets,            # IN  all targets, sample n at offsets[n]
                const int64_t[::1] offsets,            # IN  (N,) start of sample n in targets
                const int64_t[::1] input_lengths,      # IN  (N,) each in [0, T]
                const int64_t[::1] target_lengths,     # IN  (N,) each >= 0
                int64_t blank,                         # IN  in [0, C)
                floating[:, :, ::1] log_alpha,         # OUT (N, T, 2 * max L + 1)
                floating[::1] nll,                     # OUT (N,) negative log-likelihood
                int n_threads):
    """Fill ``log_alpha`` (-inf outside the reachable region) and ``nll`` per sample."""
    cdef Py_ssize_t n_batch = log_probs.shape[1], t_max = log_probs.shape[0]
    cdef Py_ssize_t width = log_alpha.shape[2]
    cdef Py_ssize_t n, t, s, length, n_ext, t_in
    cdef int64_t offset, c, c2
    cdef double acc
    if (offsets.shape[0] != n_batch or input_lengths.shape[0] != n_batch
            or target_lengths.shape[0] != n_batch or nll.shape[0] != n_batch
            or log_alpha.shape[0] != n_batch or log_alpha.shape[1] != t_max):
        raise ValueError("ctc_forward: inconsistent array sizes")
    for n in prange(n_batch, nogil=True, schedule="dynamic", num_threads=n_threads):
        length = target_lengths[n]
        n_ext = 2 * length + 1
        offset = offsets[n]
        t_in = input_lengths[n]
        for t in range(t_max):
            for s in range(width):
                log_alpha[n, t, s] = -INFINITY
        if t_in == 0:
            # no frames: only the empty target has a (single, empty) path
            nll[n] = 0 if length == 0 else INFINITY
            continue
        log_alpha[n, 0, 0] = log_probs[0, n, blank]
        if length > 0:
            log_alpha[n, 0, 1] = log_probs[0, n, targets[offset]]
        for t in range(1, t_in):
            for s in range(n_ext):
                c = _label(targets, offset, s, blank)
                acc = log_alpha[n, t - 1, s]
                if s > 0:
                    acc = _lse2(acc, log_alpha[n, t - 1, s - 1])
                if s > 1 and s % 2 == 1:
                    c2 = targets[offset + s // 2 - 1]
                    if c2 != c:
                        acc = _lse2(acc, log_alpha[n, t - 1, s - 2])
                log_alpha[n, t, s] = <floating>(acc + log_probs[t, n, c])
        acc = log_alpha[n, t_in - 1, n_ext - 1]
        if length > 0:
            acc = _lse2(acc, log_alpha[n, t_in - 1, n_ext - 2])
        nll[n] = <floating>(-acc)


def ctc_backward(const floating[:, :, ::1] log_probs,  # IN  (T, N, C)
                 const int64_t[::1] targets,           # IN  as for ctc_forward
                 const int64_t[::1] offsets,           # IN  (N,)
                 const int64_t[::1] input_lengths,     # IN  (N,)
                 const int64_t[::1] target_lengths,    # IN  (N,)
                 int64_t blank,                        # IN
                 const floating[:, :, ::1] log_alpha,  # IN  (N, T, W) from ctc_forward
                 const floating[::1] nll,              # IN  (N,) from ctc_forward
                 const floating[::1] scale,            # IN  (N,) upstream gradient per sample
                 bint zero_infinity,                   # IN  an infinite loss gets gradient 0
                 floating[:, :, ::1] log_beta,         # WORK (N, T, W)
                 floating[:, :, ::1] grad,             # OUT (T, N, C)
                 int n_threads):
    """PyTorch's CTC gradient (see the module docstring), zero for t >= input length."""
    cdef Py_ssize_t n_batch = log_probs.shape[1], t_max = log_probs.shape[0]
    cdef Py_ssize_t n_classes = log_probs.shape[2], width = log_alpha.shape[2]
    cdef Py_ssize_t n, t, s, k, length, n_ext, t_in
    cdef int64_t offset, c, c2
    cdef double acc, lp, total
    if (offsets.shape[0] != n_batch or input_lengths.shape[0] != n_batch
            or target_lengths.shape[0] != n_batch or nll.shape[0] != n_batch
            or scale.shape[0] != n_batch or log_alpha.shape[0] != n_batch
            or log_alpha.shape[1] != t_max or log_beta.shape[0] != n_batch
            or log_beta.shape[1] != t_max or log_beta.shape[2] != width
            or grad.shape[0] != t_max or grad.shape[1] != n_batch
            or grad.shape[2] != n_classes):
        raise ValueError("ctc_backward: inconsistent array sizes")
    for n in prange(n_batch, nogil=True, schedule="dynamic", num_threads=n_threads):
        length = target_lengths[n]
        n_ext = 2 * length + 1
        offset = offsets[n]
        t_in = input_lengths[n]
        total = nll[n]
        for t in range(t_max):
            for k in range(n_classes):
                grad[t, n, k] = 0
        if t_in == 0 or (zero_infinity and total == INFINITY):
            continue
        for t in range(t_max):
            for s in range(width):
                log_beta[n, t, s] = -INFINITY
        log_beta[n, t_in - 1, n_ext - 1] = log_probs[t_in - 1, n, blank]
        if length > 0:
            log_beta[n, t_in - 1, n_ext - 2] = log_probs[t_in - 1, n,
                                                         targets[offset + length - 1]]
        for t in range(t_in - 2, -1, -1):
            for s in range(n_ext):
                c = _label(targets, offset, s, blank)
                acc = log_beta[n, t + 1, s]
                if s < n_ext - 1:
                    acc = _lse2(acc, log_beta[n, t + 1, s + 1])
                if s < n_ext - 2 and s % 2 == 1:
                    c2 = targets[offset + s // 2 + 1]
                    if c2 != c:
                        acc = _lse2(acc, log_beta[n, t + 1, s + 2])
                log_beta[n, t, s] = <floating>(acc + log_probs[t, n, c])
        for t in range(t_in):
            # grad[t, n, :] first collects lse over the positions of each class
            for k in range(n_classes):
                grad[t, n, k] = -INFINITY
            if t == t_in - 1:
                # PyTorch sets the last frame from its two live positions, the label's
                # after the blank's, without adding them: a last label equal to the blank
                # keeps only the label's share
                grad[t, n, blank] = log_alpha[n, t, n_ext - 1] + log_beta[n, t, n_ext - 1]
                if length > 0:
                    c = targets[offset + length - 1]
                    grad[t, n, c] = log_alpha[n, t, n_ext - 2] + log_beta[n, t, n_ext - 2]
            else:
                for s in range(n_ext):
                    c = _label(targets, offset, s, blank)
                    grad[t, n, c] = <floating>_lse2(grad[t, n, c],
                                                    log_alpha[n, t, s] + log_beta[n, t, s])
            for k in range(n_classes):
                lp = log_probs[t, n, k]
                grad[t, n, k] = <floating>((exp(lp) - exp(grad[t, n, k] + total - lp))
                                           * scale[n])
