"""Special functions over flat contiguous buffers: erf, erfc, erfinv, lgamma, digamma,
trigamma (the derivative of digamma, needed by its backward).

numpy has none of them and scipy is not a dependency. C99's libm has erf, erfc and
lgamma; erfinv, digamma and trigamma are written here. Every kernel computes in
double and rounds once to the output type, so float32 results are correctly rounded
values of a double-accurate function (as torch's float32 results are, to 1 ulp).

Callers pass C-contiguous 1-d views of equal length (the Python layer checks), so
the loops index without bounds checks. ``n_threads`` comes from Python.
"""
from cython.parallel cimport prange
from libc.math cimport erf, erfc, exp, fabs, floor, lgamma, log, sqrt, tan, sin, INFINITY, NAN, M_PI
from fused cimport floating

# Below this many elements a parallel region costs more than it saves; these functions
# cost ~20-100 ns per element, so the threshold is lower than for plain arithmetic.
cdef Py_ssize_t PARALLEL_MIN = 4096


cdef inline double _erfinv(double y) noexcept nogil:
    # M. Giles' single-precision approximation (a polynomial in w = -log(1 - y^2)) as
    # the start, then two Newton steps on erf(x) - y = 0: each roughly doubles the
    # correct digits, which takes the ~1e-7 start to double precision.
    cdef double w, p, x
    cdef int i
    if y <= -1.0:
        return -INFINITY if y == -1.0 else NAN
    if y >= 1.0:
        return INFINITY if y == 1.0 else NAN
    if y != y:
        return NAN
    w = -log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * y
    for i in range(2):
        x = x - (erf(x) - y) / (1.1283791670955126 * exp(-x * x))
    return x


cdef inline double _digamma(double x) noexcept nogil:
    # Reflection for x < 0, the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then
    # the asymptotic series in 1/x^2 (Bernoulli numbers); torch gives -inf at 0 and nan
    # at the negative integers (the poles).
    cdef double acc = 0.0, inv2
    if x == 0.0:
        return -INFINITY if not _signbit(x) else INFINITY
    if x < 0.0:
        if x == floor(x):
            return NAN
        return _digamma(1.0 - x) - M_PI / tan(M_PI * x)
    while x < 10.0:
        acc -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    return acc + log(x) - 0.5 / x - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (
        1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760))))))


cdef inline double _trigamma(double x) noexcept nogil:
    # psi1(x) = psi1(x + 1) + 1/x^2 up to x >= 10, then the asymptotic series;
    # reflection psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x) below 0.
    cdef double acc = 0.0, inv, inv2, s
    if x <= 0.0 and x == floor(x):
        return INFINITY
    if x < 0.0:
        s = sin(M_PI * x)
        return -_trigamma(1.0 - x) + M_PI * M_PI / (s * s)
    while x < 10.0:
        acc += 1.0 / (x * x)
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    return acc + inv + 0.5 * inv2 + inv * inv2 * (1.0 / 6 - inv2 * (1.0 / 30 - inv2 * (
        1.0 / 42 - inv2 * (1.0 / 30 - inv2 * (5.0 / 66)))))


cdef inline bint _signbit(double x) noexcept nogil:
    return 1.0 / x < 0.0


cdef enum Op:
    ERF, ERFC, ERFINV, LGAMMA, DIGAMMA, TRIGAMMA


cdef inline double _apply(int op, double v) noexcept nogil:
    if op == ERF:
        return erf(v)
    if op == ERFC:
        return erfc(v)
    if op == ERFINV:
        return _erfinv(v)
    if op == LGAMMA:
        return lgamma(v)
    if op == DIGAMMA:
        return _digamma(v)
    return _trigamma(v)


cdef void _map(int op, const floating[::1] x, floating[::1] y, int n_threads) noexcept:
    cdef Py_ssize_t i, n = x.shape[0]
    cdef int nt = n_threads if n >= PARALLEL_MIN else 1
    with nogil:
        for i in prange(n, num_threads=nt, schedule="static"):
            y[i] = <floating>_apply(op, x[i])


_OPS = {"erf": ERF, "erfc": ERFC, "erfinv": ERFINV, "lgamma": LGAMMA, "digamma": DIGAMMA,
        "trigamma": TRIGAMMA}


def unary(str name,
          const floating[::1] x,   # IN  (n,)
          floating[::1] y,         # OUT (n,)
          int n_threads):
    """``y = name(x)`` elementwise, for ``name`` in erf, erfc, erfinv, lgamma, digamma,
    trigamma."""
    cdef int op = _OPS[name]
    _map(op, x, y, n_threads)
