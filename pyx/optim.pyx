# distutils: extra_compile_args = -fno-math-errno -fno-inline-functions-called-once
"""Fused optimizer updates: one pass per parameter reads the parameter, its gradient
and its state once and writes the parameter and the state once.

Each entry point is multi-tensor: it takes lists of same-dtype, C-contiguous arrays
(one entry per parameter), so that a model's ten small parameters cost one call, not
ten. Every array's dtype, layout and size is checked before any arithmetic; a list
that does not fit raises with nothing written, and ``cynn/optim`` then splits it by
dtype and sends what no kernel takes (float16, strided arrays) through numpy.

Scalars that depend only on the step (bias corrections, ``1 - lr * weight_decay``)
are computed once in Python and passed in; the arithmetic follows torch's single-tensor CPU path operation by
operation, with every constant rounded to the parameter's dtype as torch does.

Threads: work is cut into blocks of ``BLOCK`` elements, each block lying inside one
parameter and starting at a multiple of ``BLOCK`` from its start. One thread or many
run the very same block loop, so each element goes through the same instructions
(same vector body or scalar tail, same alignment peel) whatever ``n_threads`` is: the
results are bitwise identical at any thread count, even if a build lets the compiler
contract ``a * b + c`` into an FMA in the vector body only. ``n_threads == 1`` skips
the OpenMP region altogether (no thread wake-up for small updates).

``-fno-math-errno``: lets gcc vectorise ``sqrt`` (the errno branch it otherwise keeps
for negative inputs forces a scalar loop); nothing here reads errno, and the second
moment is never negative. ``-fno-inline-functions-called-once``: keeps each update
rule a function of its own. Inlined together into the one block function that
dispatches between them, they exhaust gcc's loop-unswitching budget, and a rule
with branches on its options (momentum SGD) stays a scalar loop (measured: 80
parameters of 128 floats, 1.7x the time).
"""
cimport numpy as cnp
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf
from libc.stdlib cimport malloc, free
from fused cimport floating


cnp.import_array()

# A multiple of 64 (any SIMD width divides it), large enough that the per-block
# bookkeeping is noise next to 4096 elements of arithmetic.
cdef enum:
    BLOCK = 4096


# ---------------------------------------------------------------------- argument unpacking
cdef struct Blocks:
    Py_ssize_t n_tensors, n_blocks
    Py_ssize_t* sizes
    Py_ssize_t* owner        # parameter index of each block
    Py_ssize_t* first_block  # first block of each parameter
    void** ptrs[5]           # data of the parameters, then of each parallel list


cdef class _Blocks:
    """Owns a ``Blocks`` table for the duration of one call."""
    cdef Blocks b

    def __dealloc__(self):
        cdef int j
        free(self.b.sizes)
        free(self.b.owner)
        free(self.b.first_block)
        for j in range(5):
            free(self.b.ptrs[j])


cdef _Blocks _unpack(list params, list others, int writable_mask):
    """Check every array against ``params[k]`` (dtype, C order, size) and gather
    data pointers; ``others[j]`` is a list parallel to ``params`` (grads, state), or
    None for a state the update does not use (its pointers, and those of the lists
    past ``others``, are NULL). ``writable_mask`` bit ``j`` is set when ``others[j]``
    is written."""
    cdef _Blocks blk = _Blocks()
    cdef Py_ssize_t k, j, b, n = len(params), total = 0
    cdef cnp.ndarray a, p
    cdef int typenum
    blk.b.n_tensors = n
    blk.b.sizes = <Py_ssize_t*>malloc((n + 1) * sizeof(Py_ssize_t))
    blk.b.first_block = <Py_ssize_t*>malloc((n + 1) * sizeof(Py_ssize_t))
    for j in range(5):
        blk.b.ptrs[j] = <void**>malloc((n + 1) * sizeof(void*))
    if blk.b.sizes == NULL or blk.b.first_block == NULL:
        raise MemoryError()
    for j in range(5):
        if blk.b.ptrs[j] == NULL:
            raise MemoryError()
    if len(others) > 4:
        raise ValueError("at most four arrays per parameter besides the parameter")
    for k in range(n):
        p = params[k]
        typenum = cnp.PyArray_TYPE(p)
        if typenum != cnp.NPY_FLOAT32 and typenum != cnp.NPY_FLOAT64:
            raise TypeError(f"parameter {k}: dtype {p.dtype} is neither float32 nor float64")
        if typenum != cnp.PyArray_TYPE(<cnp.ndarray>params[0]):
            raise TypeError(f"parameter {k}: all parameters of one call share one dtype")
        if not cnp.PyArray_IS_C_CONTIGUOUS(p) or not cnp.PyArray_ISWRITEABLE(p):
            raise ValueError(f"parameter {k}: not a writable C-contiguous array")
        blk.b.sizes[k] = cnp.PyArray_SIZE(p)
        blk.b.ptrs[0][k] = cnp.PyArray_DATA(p)
        for j in range(4):
            if j >= len(others) or others[j] is None:
                blk.b.ptrs[j + 1][k] = NULL
                continue
            a = others[j][k]
            if (cnp.PyArray_TYPE(a) != typenum or not cnp.PyArray_IS_C_CONTIGUOUS(a)
                    or cnp.PyArray_SIZE(a) != blk.b.sizes[k]):
                raise ValueError(f"array {j} of parameter {k}: expected {p.dtype}, "
                                 f"C-contiguous, {blk.b.sizes[k]} elements")
            if (writable_mask >> j) & 1 and not cnp.PyArray_ISWRITEABLE(a):
                raise ValueError(f"array {j} of parameter {k} is read-only")
            blk.b.ptrs[j + 1][k] = cnp.PyArray_DATA(a)
        blk.b.first_block[k] = total
        total += (blk.b.sizes[k] + BLOCK - 1) // BLOCK
    blk.b.first_block[n] = total
    blk.b.n_blocks = total
    blk.b.owner = <Py_ssize_t*>malloc((total + 1) * sizeof(Py_ssize_t))
    if blk.b.owner == NULL:
        raise MemoryError()
    for k in range(n):
        for b in range(blk.b.first_block[k], blk.b.first_block[k + 1]):
            blk.b.owner[b] = k
    return blk


# ---------------------------------------------------------------------- the shared driver
# Every optimizer runs the same block loop: each block dispatches on ``kind`` (one
# branch per 4096 elements, noise next to the arithmetic) to a span function, the
# optimizer's update rule written as torch's single-tensor update, operation by
# operation. Per-parameter scalars (step-dependent corrections) arrive as up to
# ``N_SCALARS`` columns of doubles.
cdef enum:
    N_SCALARS = 4

cdef enum Kind:
    K_SGD
    K_ADAM
    K_RMSPROP
    K_ADAGRAD
    K_ADADELTA
    K_ADAMAX
    K_NADAM
    K_RADAM
    K_ASGD
    K_RPROP


cdef struct OptArgs:
    int kind
    double lr, weight_decay, eps, beta1, beta2, momentum, dampening, decay
    double etaminus, etaplus, step_size_min, step_size_max
    bint maximize, decoupled, nesterov, first_step, amsgrad


cdef struct Scalars:
    const double* column[N_SCALARS]  # one value per parameter, or NULL (reads as 0)
    Py_ssize_t stride                # between two parameters' values


cdef inline void _opt_block(floating* dtype_tag, const Blocks* blk, const OptArgs* a,
                            const Scalars* scal, Py_ssize_t bi) noexcept nogil:
    cdef Py_ssize_t k = blk.owner[bi], j
    cdef Py_ssize_t lo = (bi - blk.first_block[k]) * BLOCK
    cdef Py_ssize_t n = min(lo + BLOCK, blk.sizes[k]) - lo
    cdef floating* x[5]
    cdef double s[N_SCALARS]
    for j in range(5):
        x[j] = (<floating**>blk.ptrs[j])[k]
        if x[j] != NULL:
            x[j] = x[j] + lo
    for j in range(N_SCALARS):
        s[j] = scal.column[j][k * scal.stride] if scal.column[j] != NULL else 0
    if a.kind == K_SGD:
        _sgd_span(x[0], x[1], x[2], n, a)
    elif a.kind == K_ADAM:
        _adam_span(x[0], x[1], x[2], x[3], x[4], n, a, s)
    elif a.kind == K_RMSPROP:
        _rmsprop_span(x[0], x[1], x[2], x[3], x[4], n, a)
    elif a.kind == K_ADAGRAD:
        _adagrad_span(x[0], x[1], x[2], n, a, s)
    elif a.kind == K_ADADELTA:
        _adadelta_span(x[0], x[1], x[2], x[3], n, a)
    elif a.kind == K_ADAMAX:
        _adamax_span(x[0], x[1], x[2], x[3], n, a, s)
    elif a.kind == K_NADAM:
        _nadam_span(x[0], x[1], x[2], x[3], n, a, s)
    elif a.kind == K_RADAM:
        _radam_span(x[0], x[1], x[2], x[3], n, a, s)
    elif a.kind == K_ASGD:
        _asgd_span(x[0], x[1], x[2], n, a, s)
    elif a.kind == K_RPROP:
        _rprop_span(x[0], x[1], x[2], x[3], n, a)


cdef void _opt_run(floating* dtype_tag, const Blocks* blk, const OptArgs* a,
                   const Scalars* scal, int n_threads) noexcept nogil:
    cdef Py_ssize_t bi
    if n_threads == 1:
        for bi in range(blk.n_blocks):
            _opt_block(dtype_tag, blk, a, scal, bi)
    else:
        for bi in prange(blk.n_blocks, num_threads=n_threads, schedule="static"):
            _opt_block(dtype_tag, blk, a, scal, bi)


cdef _opt_call(OptArgs* a, list params, list others, int writable_mask,
               Scalars* scal, int n_threads):
    """Validate, then run one kernel over ``params``; ``others`` as ``_unpack``'s."""
    cdef Py_ssize_t n = len(params)
    for o in others:
        if o is not None and len(o) != n:
            raise ValueError("per-parameter lists differ in length")
    cdef _Blocks owner = _unpack(params, others, writable_mask)
    cdef Blocks* blk = &owner.b
    if n == 0:
        return
    if cnp.PyArray_TYPE(<cnp.ndarray>params[0]) == cnp.NPY_FLOAT32:
        with nogil:
            _opt_run(<float*>NULL, blk, a, scal, n_threads)
    else:
        with nogil:
            _opt_run(<double*>NULL, blk, a, scal, n_threads)


cdef OptArgs _args(int kind, double lr, double weight_decay, double eps, bint maximize):
    cdef OptArgs a
    a.kind, a.lr, a.weight_decay, a.eps, a.maximize = kind, lr, weight_decay, eps, maximize
    a.beta1 = a.beta2 = a.momentum = a.dampening = a.decay = 0
    a.etaminus = a.etaplus = a.step_size_min = a.step_size_max = 0
    a.decoupled = a.nesterov = a.first_step = a.amsgrad = False
    return a


cdef Scalars _columns(Py_ssize_t n, const double[::1] first=None,
                      const double[::1] second=None) except *:
    """Per-parameter scalars given as up to two arrays of ``n`` values."""
    cdef Scalars scal
    cdef Py_ssize_t j
    for j in range(N_SCALARS):
        scal.column[j] = NULL
    scal.stride = 1
    if (first is not None and first.shape[0] != n) or \
            (second is not None and second.shape[0] != n):
        raise ValueError("per-parameter lists differ in length")
    if n and first is not None:
        scal.column[0] = &first[0]
    if n and second is not None:
        scal.column[1] = &second[0]
    return scal


cdef Scalars _rows(Py_ssize_t n, const double[:, ::1] table) except *:
    """Per-parameter scalars given as an ``(n, N_SCALARS)`` table, a row per parameter."""
    cdef Scalars scal
    cdef Py_ssize_t j
    if table.shape[0] != n or table.shape[1] != N_SCALARS:
        raise ValueError(f"per-parameter scalars must have shape ({n}, {N_SCALARS})")
    for j in range(N_SCALARS):
        scal.column[j] = &table[0, j] if n else NULL
    scal.stride = N_SCALARS
    return scal


# ---------------------------------------------------------------------- update rules
cdef inline floating _lerp(floating start, floating end, floating weight, floating rest,
                          bint low) noexcept nogil:
    # torch's lerp switches formula at weight 0.5 so that either end is exact
    if low:
        return start + weight * (end - start)
    return end - (end - start) * rest


cdef inline floating _sqrt(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


# SGD
cdef void _sgd_span(floating* p, const floating* g, floating* buf, Py_ssize_t n,
                    const OptArgs* a) noexcept nogil:
    # torch rounds each Python-float constant to the tensor's dtype
    cdef floating sign = -1 if a.maximize else 1
    cdef floating wd = <floating>a.weight_decay
    cdef floating mu = <floating>a.momentum
    cdef floating keep = <floating>(1.0 - a.dampening)
    cdef floating neg_lr = <floating>(-a.lr)
    cdef bint decay = a.weight_decay != 0
    cdef bint use_buf = a.momentum != 0
    cdef bint first = a.first_step, nesterov = a.nesterov
    cdef floating d, b
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        if decay:
            d = d + wd * p[i]
        if use_buf:
            # first step: the buffer is the gradient itself (torch's grad.clone())
            if first:
                b = d
            else:
                b = buf[i] * mu
                b = b + keep * d
            buf[i] = b
            if nesterov:
                d = d + mu * b
            else:
                d = b
        p[i] = p[i] + neg_lr * d

# Adam / AdamW
cdef void _adam_span(floating* p, const floating* g, floating* m, floating* v,
                     floating* v_max, Py_ssize_t n, const OptArgs* a,
                     const double* scal) noexcept nogil:
    # scal: [0] lr / (1 - beta1 ** step), [1] sqrt(1 - beta2 ** step)
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled
    cdef floating wd = <floating>a.weight_decay
    # x * 1 is exact, so the undecayed case needs no branch
    cdef floating decay = <floating>a.decay if a.decoupled else 1
    cdef floating w1 = <floating>(1.0 - a.beta1)
    cdef floating rest1 = 1 - w1
    cdef bint low = w1 < 0.5
    cdef floating b2 = <floating>a.beta2
    cdef floating w2 = <floating>(1.0 - a.beta2)
    cdef floating bc2 = <floating>scal[1]
    cdef floating eps = <floating>a.eps
    cdef floating neg_step = <floating>(-scal[0])
    cdef floating theta, d, mi, vi, vm
    cdef Py_ssize_t i
    # two loops rather than an `if amsgrad` inside one: a conditional store keeps
    # gcc from vectorising the loop
    if a.amsgrad:
        for i in range(n):
            theta = p[i] * decay
            d = sign * g[i]
            d = d + wd * theta if l2 else d
            mi = _lerp(m[i], d, w1, rest1, low)
            m[i] = mi
            vi = v[i] * b2
            vi = vi + w2 * d * d
            v[i] = vi
            vm = v_max[i]
            # torch.maximum propagates NaN from either side
            vm = vi if (vi > vm or vi != vi) else vm
            v_max[i] = vm
            p[i] = theta + neg_step * (mi / (_sqrt(vm) / bc2 + eps))
    else:
        for i in range(n):
            theta = p[i] * decay
            d = sign * g[i]
            d = d + wd * theta if l2 else d
            mi = _lerp(m[i], d, w1, rest1, low)
            m[i] = mi
            vi = v[i] * b2
            vi = vi + w2 * d * d
            v[i] = vi
            p[i] = theta + neg_step * (mi / (_sqrt(vi) / bc2 + eps))


cdef void _rmsprop_span(floating* p, const floating* g, floating* sq, floating* ga,
                        floating* buf, Py_ssize_t n, const OptArgs* a) noexcept nogil:
    # beta1 carries alpha, the square average's decay
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0
    cdef floating wd = <floating>a.weight_decay
    cdef floating alpha = <floating>a.beta1
    cdef floating w = <floating>(1.0 - a.beta1)
    cdef floating rest = 1 - w
    cdef bint low = w < 0.5
    cdef floating eps = <floating>a.eps
    cdef floating mu = <floating>a.momentum
    cdef floating neg_lr = <floating>(-a.lr)
    cdef floating d, s, gi, avg, b
    cdef Py_ssize_t i
    # one loop per (centered, momentum) pair: a store under a branch inside the loop
    # keeps gcc from vectorising it
    if ga != NULL and buf != NULL:
        for i in range(n):
            d = sign * g[i]
            d = d + wd * p[i] if l2 else d
            s = sq[i] * alpha
            s = s + w * d * d
            sq[i] = s
            gi = _lerp(ga[i], d, w, rest, low)
            ga[i] = gi
            avg = _sqrt(s - gi * gi) + eps
            b = buf[i] * mu
            b = b + d / avg
            buf[i] = b
            p[i] = p[i] + neg_lr * b
    elif ga != NULL:
        for i in range(n):
            d = sign * g[i]
            d = d + wd * p[i] if l2 else d
            s = sq[i] * alpha
            s = s + w * d * d
            sq[i] = s
            gi = _lerp(ga[i], d, w, rest, low)
            ga[i] = gi
            avg = _sqrt(s - gi * gi) + eps
            p[i] = p[i] + neg_lr * (d / avg)
    elif buf != NULL:
        for i in range(n):
            d = sign * g[i]
            d = d + wd * p[i] if l2 else d
            s = sq[i] * alpha
            s = s + w * d * d
            sq[i] = s
            avg = _sqrt(s) + eps
            b = buf[i] * mu
            b = b + d / avg
            buf[i] = b
            p[i] = p[i] + neg_lr * b
    else:
        for i in range(n):
            d = sign * g[i]
            d = d + wd * p[i] if l2 else d
            s = sq[i] * alpha
            s = s + w * d * d
            sq[i] = s
            avg = _sqrt(s) + eps
            p[i] = p[i] + neg_lr * (d / avg)


cdef void _adagrad_span(floating* p, const floating* g, floating* acc, Py_ssize_t n,
                        const OptArgs* a, const double* scal) noexcept nogil:
    # scal[0]: lr / (1 + (step - 1) * lr_decay)
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0
    cdef floating wd = <floating>a.weight_decay
    cdef floating eps = <floating>a.eps
    cdef floating neg_clr = <floating>(-scal[0])
    cdef floating d, s
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        if l2:
            d = d + wd * p[i]
        s = acc[i] + d * d
        acc[i] = s
        p[i] = p[i] + neg_clr * (d / (_sqrt(s) + eps))


cdef void _adadelta_span(floating* p, const floating* g, floating* sq, floating* acc,
                         Py_ssize_t n, const OptArgs* a) noexcept nogil:
    # beta1 carries rho
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0
    cdef floating wd = <floating>a.weight_decay
    cdef floating rho = <floating>a.beta1
    cdef floating w = <floating>(1.0 - a.beta1)
    cdef floating eps = <floating>a.eps
    cdef floating neg_lr = <floating>(-a.lr)
    cdef floating d, s, std, delta, ad
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        if l2:
            d = d + wd * p[i]
        s = sq[i] * rho
        s = s + w * d * d
        sq[i] = s
        std = _sqrt(s + eps)
        delta = _sqrt(acc[i] + eps)
        delta = delta / std
        delta = delta * d
        ad = acc[i] * rho
        acc[i] = ad + w * delta * delta
        p[i] = p[i] + neg_lr * delta


cdef void _adamax_span(floating* p, const floating* g, floating* m, floating* inf,
                       Py_ssize_t n, const OptArgs* a,
                       const double* scal) noexcept nogil:
    # scal[0]: lr / (1 - beta1 ** step)
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0
    cdef floating wd = <floating>a.weight_decay
    cdef floating w1 = <floating>(1.0 - a.beta1)
    cdef floating rest1 = 1 - w1
    cdef bint low = w1 < 0.5
    cdef floating b2 = <floating>a.beta2
    cdef floating eps = <floating>a.eps
    cdef floating neg_clr = <floating>(-scal[0])
    cdef floating d, mi, e, t
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        if l2:
            d = d + wd * p[i]
        mi = _lerp(m[i], d, w1, rest1, low)
        m[i] = mi
        e = inf[i] * b2
        t = (d if d >= 0 else -d) + eps
        # torch.maximum propagates NaN from either side
        e = t if (t > e or t != t) else e
        inf[i] = e
        p[i] = p[i] + neg_clr * (mi / e)


cdef void _nadam_span(floating* p, const floating* g, floating* m, floating* v,
                      Py_ssize_t n, const OptArgs* a,
                      const double* scal) noexcept nogil:
    # scal: [0] -lr (1 - mu_t) / (1 - prod mu), [1] -lr mu_{t+1} / (1 - prod mu * mu_{t+1}),
    #       [2] 1 - beta2 ** step
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled
    cdef floating wd = <floating>a.weight_decay
    cdef floating decay = <floating>a.decay if a.decoupled else 1
    cdef floating w1 = <floating>(1.0 - a.beta1)
    cdef floating rest1 = 1 - w1
    cdef bint low = w1 < 0.5
    cdef floating b2 = <floating>a.beta2
    cdef floating w2 = <floating>(1.0 - a.beta2)
    cdef floating eps = <floating>a.eps
    cdef floating c_grad = <floating>scal[0]
    cdef floating c_avg = <floating>scal[1]
    cdef floating bc2 = <floating>scal[2]
    cdef floating theta, d, mi, vi, denom
    cdef Py_ssize_t i
    for i in range(n):
        theta = p[i] * decay
        d = sign * g[i]
        if l2:
            d = d + wd * theta
        mi = _lerp(m[i], d, w1, rest1, low)
        m[i] = mi
        vi = v[i] * b2
        vi = vi + w2 * d * d
        v[i] = vi
        denom = _sqrt(vi / bc2) + eps
        theta = theta + c_grad * (d / denom)
        p[i] = theta + c_avg * (mi / denom)


cdef void _radam_span(floating* p, const floating* g, floating* m, floating* v,
                      Py_ssize_t n, const OptArgs* a,
                      const double* scal) noexcept nogil:
    # scal: [0] 1 - beta1 ** step, [1] sqrt(1 - beta2 ** step), [2] the rectification
    #       term, or 0 while the variance estimate is too short to rectify (rho_t <= 5)
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled
    cdef floating wd = <floating>a.weight_decay
    cdef floating decay = <floating>a.decay if a.decoupled else 1
    cdef floating w1 = <floating>(1.0 - a.beta1)
    cdef floating rest1 = 1 - w1
    cdef bint low = w1 < 0.5
    cdef floating b2 = <floating>a.beta2
    cdef floating w2 = <floating>(1.0 - a.beta2)
    cdef floating eps = <floating>a.eps
    cdef floating lr = <floating>a.lr
    cdef floating bc1 = <floating>scal[0]
    cdef floating bc2_sqrt = <floating>scal[1]
    cdef floating rect = <floating>scal[2]
    cdef bint rectified = scal[2] != 0
    cdef floating theta, d, mi, vi, corrected, adaptive
    cdef Py_ssize_t i
    for i in range(n):
        theta = p[i] * decay
        d = sign * g[i]
        if l2:
            d = d + wd * theta
        mi = _lerp(m[i], d, w1, rest1, low)
        m[i] = mi
        vi = v[i] * b2
        vi = vi + w2 * d * d
        v[i] = vi
        corrected = mi / bc1
        if rectified:
            # torch computes scalar / tensor as reciprocal(tensor) * scalar
            adaptive = (<floating>1 / (_sqrt(vi) + eps)) * bc2_sqrt
            p[i] = theta - corrected * lr * adaptive * rect
        else:
            p[i] = theta - corrected * lr


cdef void _asgd_span(floating* p, const floating* g, floating* ax, Py_ssize_t n,
                     const OptArgs* a, const double* scal) noexcept nogil:
    # scal: [0] eta, [1] mu, [2] 1 - lambd * eta
    cdef floating sign = -1 if a.maximize else 1
    cdef bint l2 = a.weight_decay != 0
    cdef floating wd = <floating>a.weight_decay
    cdef floating neg_eta = <floating>(-scal[0])
    cdef floating mu = <floating>scal[1]
    cdef bint average = scal[1] != 1
    cdef floating decay = <floating>scal[2]
    cdef floating d, theta
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        if l2:
            d = d + wd * p[i]
        theta = p[i] * decay
        theta = theta + neg_eta * d
        p[i] = theta
        if average:
            ax[i] = ax[i] + (theta - ax[i]) * mu
        else:
            ax[i] = theta


cdef void _rprop_span(floating* p, const floating* g, floating* prev, floating* ss,
                      Py_ssize_t n, const OptArgs* a) noexcept nogil:
    cdef floating sign = -1 if a.maximize else 1
    cdef floating eta_minus = <floating>a.etaminus
    cdef floating eta_plus = <floating>a.etaplus
    cdef floating lo = <floating>a.step_size_min
    cdef floating hi = <floating>a.step_size_max
    cdef floating d, prod, f, s, sg
    cdef floating one = 1, zero = 0
    cdef Py_ssize_t i
    for i in range(n):
        d = sign * g[i]
        prod = d * prev[i]
        # the factor replaces sign(grad * prev): +1 -> etaplus, -1 -> etaminus, 0 -> 1
        # (selects rather than branches, so that the loop vectorises)
        f = eta_plus if prod > 0 else one
        f = eta_minus if prod < 0 else f
        f = prod if prod != prod else f  # NaN stays NaN, as torch's sign
        s = ss[i] * f
        s = lo if s < lo else s
        s = hi if s > hi else s
        ss[i] = s
        # after a sign change the step is skipped and the change forgotten
        d = zero if f == eta_minus else d
        sg = one if d > 0 else zero
        sg = -one if d < 0 else sg
        p[i] = p[i] - sg * s
        prev[i] = d

# ---------------------------------------------------------------------- entry points
def sgd_update(list params,             # IN/OUT  [n_k] per parameter
               list grads,              # IN      [n_k]
               list momentum_buffers,   # IN/OUT  [n_k] (OUT only if first_step); or None
               double lr, double momentum, double dampening, double weight_decay,
               bint nesterov, bint maximize, bint first_step, int n_threads):
    """SGD (torch's formula) on every parameter of the lists, in place, one pass each.

    ``momentum_buffers`` is None when ``momentum == 0``; with ``first_step`` the
    buffers are only written (set to the effective gradient).
    """
    cdef OptArgs a = _args(K_SGD, lr, weight_decay, 0, maximize)
    a.momentum, a.dampening, a.nesterov, a.first_step = momentum, dampening, nesterov, first_step
    if momentum != 0 and momentum_buffers is None:
        raise ValueError("momentum != 0 needs momentum buffers")
    if len(grads) != len(params) or (momentum != 0 and len(momentum_buffers) != len(params)):
        raise ValueError("params, grads and momentum_buffers differ in length")
    cdef Scalars no_scalars = _columns(len(params))
    _opt_call(&a, params, [grads, momentum_buffers if momentum != 0 else None], 0b10, &no_scalars,
              n_threads)


def adam_update(list params,           # IN/OUT  [n_k] per parameter
                list grads,            # IN      [n_k]
                list exp_avgs,         # IN/OUT  [n_k]
                list exp_avg_sqs,      # IN/OUT  [n_k]
                list max_exp_avg_sqs,  # IN/OUT  [n_k], or None without amsgrad
                const double[::1] step_size,              # IN (n_params,) lr / (1 - beta1^t)
                const double[::1] bias_correction2_sqrt,  # IN (n_params,) sqrt(1 - beta2^t)
                double beta1, double beta2, double eps, double weight_decay, double lr,
                bint amsgrad, bint maximize, bint decoupled_weight_decay, int n_threads):
    """Adam / AdamW (torch's formula) on every parameter of the lists, in place.

    The per-parameter bias corrections come from Python (each parameter counts its
    own steps); ``lr`` is used only for the decoupled decay ``1 - lr * weight_decay``.
    """
    cdef OptArgs a = _args(K_ADAM, lr, weight_decay, eps, maximize)
    a.beta1, a.beta2, a.amsgrad, a.decoupled = beta1, beta2, amsgrad, decoupled_weight_decay
    a.decay = 1.0 - lr * weight_decay
    if amsgrad and max_exp_avg_sqs is None:
        raise ValueError("amsgrad needs max_exp_avg_sqs")
    cdef Scalars scal = _columns(len(params), step_size, bias_correction2_sqrt)
    _opt_call(&a, params, [grads, exp_avgs, exp_avg_sqs,
                           max_exp_avg_sqs if amsgrad else None], 0b1110, &scal, n_threads)


def rmsprop_update(list params,       # IN/OUT [n_k] per parameter
                   list grads,        # IN     [n_k]
                   list square_avgs,  # IN/OUT [n_k]
                   list grad_avgs,    # IN/OUT [n_k], or None unless centered
                   list momentum_buffers,  # IN/OUT [n_k], or None unless momentum > 0
                   double lr, double alpha, double eps, double weight_decay,
                   double momentum, bint maximize, int n_threads):
    """RMSprop (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_RMSPROP, lr, weight_decay, eps, maximize)
    a.beta1, a.momentum = alpha, momentum
    cdef Scalars no_scalars = _columns(len(params))
    _opt_call(&a, params, [grads, square_avgs, grad_avgs, momentum_buffers], 0b1110, &no_scalars,
              n_threads)


def adagrad_update(list params, list grads,  # IN/OUT, IN [n_k]
                   list state_sums,          # IN/OUT [n_k]
                   const double[::1] clr,    # IN (n_params,) lr / (1 + (step-1) lr_decay)
                   double weight_decay, double eps, bint maximize, int n_threads):
    """Adagrad (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_ADAGRAD, 0, weight_decay, eps, maximize)
    cdef Scalars scal = _columns(len(params), clr)
    _opt_call(&a, params, [grads, state_sums], 0b10, &scal, n_threads)


def adadelta_update(list params, list grads,    # IN/OUT, IN [n_k]
                    list square_avgs, list acc_deltas,  # IN/OUT [n_k]
                    double lr, double rho, double eps, double weight_decay,
                    bint maximize, int n_threads):
    """Adadelta (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_ADADELTA, lr, weight_decay, eps, maximize)
    a.beta1 = rho
    cdef Scalars no_scalars = _columns(len(params))
    _opt_call(&a, params, [grads, square_avgs, acc_deltas], 0b110, &no_scalars, n_threads)


def adamax_update(list params, list grads,      # IN/OUT, IN [n_k]
                  list exp_avgs, list exp_infs,  # IN/OUT [n_k]
                  const double[::1] clr,         # IN (n_params,) lr / (1 - beta1^t)
                  double beta1, double beta2, double eps, double weight_decay,
                  bint maximize, int n_threads):
    """Adamax (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_ADAMAX, 0, weight_decay, eps, maximize)
    a.beta1, a.beta2 = beta1, beta2
    cdef Scalars scal = _columns(len(params), clr)
    _opt_call(&a, params, [grads, exp_avgs, exp_infs], 0b110, &scal, n_threads)


cdef _adaptive_moments_update(int kind, list params, list grads, list exp_avgs,
                              list exp_avg_sqs, const double[:, ::1] scalars, double beta1,
                              double beta2, double eps, double weight_decay, double lr,
                              bint decoupled_weight_decay, bint maximize, int n_threads):
    """NAdam and RAdam: the same state and arguments, different update rules."""
    cdef OptArgs a = _args(kind, lr, weight_decay, eps, maximize)
    a.beta1, a.beta2, a.decoupled = beta1, beta2, decoupled_weight_decay
    a.decay = 1.0 - lr * weight_decay
    cdef Scalars scal = _rows(len(params), scalars)
    _opt_call(&a, params, [grads, exp_avgs, exp_avg_sqs], 0b110, &scal, n_threads)


def nadam_update(list params, list grads,           # IN/OUT, IN [n_k]
                 list exp_avgs, list exp_avg_sqs,   # IN/OUT [n_k]
                 const double[:, ::1] scalars,      # IN (n_params, 4), see _nadam_span
                 double beta1, double beta2, double eps, double weight_decay, double lr,
                 bint decoupled_weight_decay, bint maximize, int n_threads):
    """NAdam (torch's formula) on every parameter of the lists, in place."""
    _adaptive_moments_update(K_NADAM, params, grads, exp_avgs, exp_avg_sqs, scalars, beta1,
                             beta2, eps, weight_decay, lr, decoupled_weight_decay, maximize,
                             n_threads)


def radam_update(list params, list grads,           # IN/OUT, IN [n_k]
                 list exp_avgs, list exp_avg_sqs,   # IN/OUT [n_k]
                 const double[:, ::1] scalars,      # IN (n_params, 4), see _radam_span
                 double beta1, double beta2, double eps, double weight_decay, double lr,
                 bint decoupled_weight_decay, bint maximize, int n_threads):
    """RAdam (torch's formula) on every parameter of the lists, in place."""
    _adaptive_moments_update(K_RADAM, params, grads, exp_avgs, exp_avg_sqs, scalars, beta1,
                             beta2, eps, weight_decay, lr, decoupled_weight_decay, maximize,
                             n_threads)


def asgd_update(list params, list grads,      # IN/OUT, IN [n_k]
                list axs,                     # IN/OUT [n_k]
                const double[:, ::1] scalars,  # IN (n_params, 4): eta, mu, 1 - lambd eta
                double weight_decay, bint maximize, int n_threads):
    """ASGD (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_ASGD, 0, weight_decay, 0, maximize)
    cdef Scalars scal = _rows(len(params), scalars)
    _opt_call(&a, params, [grads, axs], 0b10, &scal, n_threads)


def rprop_update(list params, list grads,     # IN/OUT, IN [n_k]
                 list prevs, list step_sizes,  # IN/OUT [n_k]
                 double etaminus, double etaplus, double step_size_min,
                 double step_size_max, bint maximize, int n_threads):
    """Rprop (torch's formula) on every parameter of the lists, in place."""
    cdef OptArgs a = _args(K_RPROP, 0, 0, 0, maximize)
    a.etaminus, a.etaplus = etaminus, etaplus
    a.step_size_min, a.step_size_max = step_size_min, step_size_max
    cdef Scalars no_scalars = _columns(len(params))
    _opt_call(&a, params, [grads, prevs, step_sizes], 0b110, &no_scalars, n_threads)
