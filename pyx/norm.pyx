"""Normalisation kernels: batch, group, instance and layer norm, forward and backward.

Every normalisation here standardises a *group* of elements,
``xhat = (x - mean) * invstd`` with ``invstd = 1 / sqrt(var + eps)`` (biased
variance), and applies an affine map. A group is made of contiguous *segments*:

* batch norm, ``x`` viewed as ``(N, C, S)``: channel c is the N segments ``x[n, c, :]``;
  with a short S (``(N, C)`` input) the *column* kernels take ``(N, C * S)`` instead;
* group norm, same view: group (n, g) is the contiguous row ``x[n, g*Cg:(g+1)*Cg, :]``,
  made of Cg channel segments of S (each with its own weight and bias);
* layer norm, ``x`` viewed as ``(R, L)``: each row, with an elementwise weight.

Statistics: one pass over the group in blocks of at most ``CYNN_NORM_BLOCK`` elements
(8 KiB of float32: they stay in L1). Within a block, a mean, then the sum and the sum
of squares of the deviations from it (the second pass reads L1, not memory), which
also refines the mean; blocks are merged in a fixed order with Chan et al.'s update

    n = na + nb,  mean = ma + (mb - ma) nb / n,  M2 = M2a + M2b + (mb - ma)^2 na nb / n

in float64, so a large common offset (1e4 + N(0, 1) in float32) never cancels. Within
a block float32 data are summed in float32 (4 x 8 partial sums of <= 64 terms): the
first mean is float32-accurate only (~1e-6 of its size), but deviations from it are
exact where it matters (x near the mean: Sterbenz), and their own mean, added in
float64, corrects it. The column kernels accumulate in float64.

Normalising: float32 ``x - mean`` is taken as ``(x - hi) - lo`` with
``hi + lo = mean`` (``hi`` the float nearest to the mean, ``lo`` the rest), which is
exact where torch's fused ``x * scale + shift`` loses ~1e-3 at a mean of 1e4.

Backward of a group normalised with its own statistics (M elements; gxhat = gy w):

    gx = invstd * (gxhat - sum(gxhat) / M - xhat * sum(gxhat xhat) / M)

so one reduction pass (the two sums; per block in the element type, across blocks in
float64) and one elementwise pass; the weight and bias gradients are the same two sums
per channel, without w.

Threads: a parallel loop over groups (or over tiles and rows of fixed size, whose
partial sums are added in a fixed order): every value is computed by the same
instructions in the same order at any thread count, so results are bitwise identical
for any ``n_threads``. Batch norm's channel is processed whole by one thread,
statistics then normalisation, so that the second pass finds the channel in L2.

Every array a kernel indexes is checked against the input's shape (``_expect``) before
the nogil code; ``cynn/autograd/functions/norm.py`` makes them C-contiguous. The inner
loops are C (below), compiled for AVX-512F, x86-64-v3 (AVX2 + FMA) and the baseline
and chosen at load time by CPU features. (``arch=haswell`` would be chosen by CPU
*model*: GCC's resolver then tests for an Intel Haswell-family part, and an AMD Zen
with AVX2 would get the SSE2 clone.) The build's flags only promise SSE2.
"""
from cython.parallel cimport prange
from fused cimport floating

cdef extern from *:
    """
    #include <math.h>
    #include <string.h>
    #include <Python.h>
    #if defined(__x86_64__) && defined(__GNUC__) && !defined(__INTEL_COMPILER) && !defined(__clang__)
    #define CYNN_NORM_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
    #else
    #define CYNN_NORM_CLONES
    #endif
    #define CYNN_NORM_INLINE __attribute__((always_inline)) static inline

    /* Elements per statistics block (the Cython side merges blocks): 8 KiB of float32,
       16 KiB of float64, inside L1. Sums over a block are kept in the element type, in
       4 x LANES partial sums of at most BLOCK / 32 terms each; blocks are added in
       float64. */
    #define CYNN_NORM_BLOCK 2048
    /* Columns per tile of the column kernels (a tile's statistics stay in L1). */
    #define CYNN_NORM_COLS 256

    /* One 32-byte register of each type (two SSE registers in the baseline clone). */
    typedef float cynn_norm_vf __attribute__((vector_size(32)));
    typedef double cynn_norm_vd __attribute__((vector_size(32)));

    CYNN_NORM_INLINE cynn_norm_vf cynn_norm_ld_f(const float *p) {
        cynn_norm_vf v; memcpy(&v, p, sizeof v); return v;
    }
    CYNN_NORM_INLINE cynn_norm_vd cynn_norm_ld_d(const double *p) {
        cynn_norm_vd v; memcpy(&v, p, sizeof v); return v;
    }
    CYNN_NORM_INLINE double cynn_norm_hsum_f(cynn_norm_vf a, cynn_norm_vf b, cynn_norm_vf c,
                                             cynn_norm_vf d) {
        cynn_norm_vf v = (a + b) + (c + d);
        double s = 0;
        for (int k = 0; k < 8; k++) s += (double)v[k];
        return s;
    }
    CYNN_NORM_INLINE double cynn_norm_hsum_d(cynn_norm_vd a, cynn_norm_vd b, cynn_norm_vd c,
                                             cynn_norm_vd d) {
        cynn_norm_vd v = (a + b) + (c + d);
        return (v[0] + v[1]) + (v[2] + v[3]);
    }

    /* T: element type, V: its vector, S: suffix, W: lanes. A step takes 4 vectors;
       the scalar tail (in float64) is fixed by n alone. */
    #define CYNN_NORM_KERNELS(T, V, S, W)                                                  \\
    /* mean and M2 (sum of squared deviations) of x[0:n], 1 <= n <= BLOCK: the mean */  \\
    /* of the first pass, refined by the deviations' own mean in the second (which */   \\
    /* reads L1).                                                                   */  \\
    CYNN_NORM_CLONES static void cynn_norm_moments_##S(const T *x, Py_ssize_t n,       \\
                                                        double *mean, double *m2) {    \\
        const V zero = {0};                                                            \\
        V a0 = zero, a1 = zero, a2 = zero, a3 = zero;                                  \\
        Py_ssize_t i = 0, body = n - n % (4 * W);                                      \\
        for (; i < body; i += 4 * W) {                                                 \\
            a0 += cynn_norm_ld_##S(x + i);                                             \\
            a1 += cynn_norm_ld_##S(x + i + W);                                         \\
            a2 += cynn_norm_ld_##S(x + i + 2 * W);                                     \\
            a3 += cynn_norm_ld_##S(x + i + 3 * W);                                     \\
        }                                                                              \\
        double s = cynn_norm_hsum_##S(a0, a1, a2, a3);                                 \\
        for (; i < n; i++) s += (double)x[i];                                          \\
        double m = s / (double)n;                                                      \\
        T hi = (T)m, lo = (T)(m - (double)hi);                                         \\
        V q0 = zero, q1 = zero, q2 = zero, q3 = zero;                                  \\
        a0 = zero; a1 = zero;                                                          \\
        for (i = 0; i < body; i += 4 * W) {                                            \\
            V d0 = (cynn_norm_ld_##S(x + i) - hi) - lo;                                \\
            V d1 = (cynn_norm_ld_##S(x + i + W) - hi) - lo;                            \\
            V d2 = (cynn_norm_ld_##S(x + i + 2 * W) - hi) - lo;                        \\
            V d3 = (cynn_norm_ld_##S(x + i + 3 * W) - hi) - lo;                        \\
            a0 += d0 + d1; a1 += d2 + d3;                                              \\
            q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3;                \\
        }                                                                              \\
        double e = cynn_norm_hsum_##S(a0, a1, zero, zero);                             \\
        double q = cynn_norm_hsum_##S(q0, q1, q2, q3);                                 \\
        for (; i < n; i++) {                                                           \\
            double d = (double)x[i] - m;                                               \\
            e += d;                                                                    \\
            q += d * d;                                                                \\
        }                                                                              \\
        *mean = m + e / (double)n;                                                     \\
        *m2 = q - e * e / (double)n;                                                   \\
    }                                                                                  \\
    /* y = (x - (hi + lo)) * scale + shift */                                          \\
    CYNN_NORM_CLONES static void cynn_norm_affine_##S(const T *restrict x,             \\
            T *restrict y, Py_ssize_t n, T hi, T lo, T scale, T shift) {               \\
        for (Py_ssize_t i = 0; i < n; i++) y[i] = ((x[i] - hi) - lo) * scale + shift;  \\
    }                                                                                  \\
    /* layer norm: y = (x - (hi + lo)) * invstd * w + b, elementwise w and b */       \\
    CYNN_NORM_CLONES static void cynn_norm_affine_vec_##S(const T *restrict x,         \\
            T *restrict y, Py_ssize_t n, T hi, T lo, T invstd, const T *restrict w,    \\
            const T *restrict b) {                                                     \\
        for (Py_ssize_t i = 0; i < n; i++)                                             \\
            y[i] = (((x[i] - hi) - lo) * invstd) * w[i] + b[i];                        \\
    }                                                                                  \\
    /* s_g = sum w gy, s_gd = sum w gy (x - mean); w = 1 when NULL. Blocks of  */       \\
    /* BLOCK are summed in T and added in float64.                             */       \\
    CYNN_NORM_CLONES static void cynn_norm_wdsums_##S(const T *x, const T *gy,         \\
            const T *w, Py_ssize_t n, double mean, double *s_g, double *s_gd) {        \\
        const V zero = {0};                                                            \\
        T hi = (T)mean, lo = (T)(mean - (double)hi);                                   \\
        double g = 0, p = 0;                                                           \\
        for (Py_ssize_t start = 0; start < n; start += CYNN_NORM_BLOCK) {              \\
            Py_ssize_t size = n - start < CYNN_NORM_BLOCK ? n - start : CYNN_NORM_BLOCK;\\
            Py_ssize_t i = 0, body = size - size % (2 * W);                            \\
            const T *xb = x + start, *gb = gy + start, *wb = w ? w + start : NULL;     \\
            V g0 = zero, g1 = zero, p0 = zero, p1 = zero;                              \\
            if (wb) {                                                                  \\
                for (; i < body; i += 2 * W) {                                         \\
                    V y0 = cynn_norm_ld_##S(gb + i) * cynn_norm_ld_##S(wb + i);        \\
                    V y1 = cynn_norm_ld_##S(gb + i + W) * cynn_norm_ld_##S(wb + i + W);\\
                    g0 += y0; g1 += y1;                                                \\
                    p0 += y0 * ((cynn_norm_ld_##S(xb + i) - hi) - lo);                 \\
                    p1 += y1 * ((cynn_norm_ld_##S(xb + i + W) - hi) - lo);             \\
                }                                                                      \\
            } else {                                                                   \\
                for (; i < body; i += 2 * W) {                                         \\
                    V y0 = cynn_norm_ld_##S(gb + i), y1 = cynn_norm_ld_##S(gb + i + W);\\
                    g0 += y0; g1 += y1;                                                \\
                    p0 += y0 * ((cynn_norm_ld_##S(xb + i) - hi) - lo);                 \\
                    p1 += y1 * ((cynn_norm_ld_##S(xb + i + W) - hi) - lo);             \\
                }                                                                      \\
            }                                                                          \\
            g += cynn_norm_hsum_##S(g0, g1, zero, zero);                               \\
            p += cynn_norm_hsum_##S(p0, p1, zero, zero);                               \\
            for (; i < size; i++) {                                                    \\
                double v = (double)gb[i] * (wb ? (double)wb[i] : 1.0);                 \\
                g += v;                                                                \\
                p += v * ((double)xb[i] - mean);                                       \\
            }                                                                          \\
        }                                                                              \\
        *s_g = g;                                                                      \\
        *s_gd = p;                                                                     \\
    }                                                                                  \\
    /* gx = gy k1 - (x - (hi + lo)) k2 - k3 */                                         \\
    CYNN_NORM_CLONES static void cynn_norm_gx_##S(const T *restrict x,                 \\
            const T *restrict gy, T *restrict gx, Py_ssize_t n, T hi, T lo, T k1,      \\
            T k2, T k3) {                                                              \\
        for (Py_ssize_t i = 0; i < n; i++)                                             \\
            gx[i] = gy[i] * k1 - ((x[i] - hi) - lo) * k2 - k3;                         \\
    }                                                                                  \\
    /* layer norm: gx = w gy k1 - (x - (hi + lo)) k2 - k3 */                           \\
    CYNN_NORM_CLONES static void cynn_norm_gx_vec_##S(const T *restrict x,             \\
            const T *restrict gy, const T *restrict w, T *restrict gx, Py_ssize_t n,   \\
            T hi, T lo, T k1, T k2, T k3) {                                            \\
        for (Py_ssize_t i = 0; i < n; i++)                                             \\
            gx[i] = (w[i] * gy[i]) * k1 - ((x[i] - hi) - lo) * k2 - k3;                \\
    }                                                                                  \\
    /* layer norm weight and bias gradients of one row, added to running sums:    */  \\
    /* gw += gy (x - mean) invstd, gb += gy                                        */  \\
    CYNN_NORM_CLONES static void cynn_norm_accumulate_##S(const T *restrict x,         \\
            const T *restrict gy, Py_ssize_t n, double mean, double invstd,            \\
            double *restrict gw, double *restrict gb) {                                \\
        for (Py_ssize_t i = 0; i < n; i++) {                                           \\
            double g = (double)gy[i];                                                  \\
            gw[i] += g * (((double)x[i] - mean) * invstd);                             \\
            gb[i] += g;                                                                \\
        }                                                                              \\
    }                                                                                  \\
    /* Columns: a (rows, ld) block, statistics per column j < width <= COLS, the    */ \\
    /* loops run along the contiguous columns (batch norm of (N, C) input).        */ \\
    CYNN_NORM_CLONES static void cynn_norm_col_moments_##S(const T *x, Py_ssize_t rows,\\
            Py_ssize_t width, Py_ssize_t ld, double *restrict mean,                    \\
            double *restrict m2) {                                                     \\
        double e[CYNN_NORM_COLS];                                                      \\
        for (Py_ssize_t j = 0; j < width; j++) { mean[j] = 0; m2[j] = 0; e[j] = 0; }   \\
        for (Py_ssize_t r = 0; r < rows; r++)                                          \\
            for (Py_ssize_t j = 0; j < width; j++) mean[j] += (double)x[r * ld + j];   \\
        for (Py_ssize_t j = 0; j < width; j++) mean[j] /= (double)rows;                \\
        for (Py_ssize_t r = 0; r < rows; r++)                                          \\
            for (Py_ssize_t j = 0; j < width; j++) {                                   \\
                double d = (double)x[r * ld + j] - mean[j];                            \\
                e[j] += d;                                                             \\
                m2[j] += d * d;                                                        \\
            }                                                                          \\
        for (Py_ssize_t j = 0; j < width; j++) {                                       \\
            mean[j] += e[j] / (double)rows;                                            \\
            m2[j] -= e[j] * e[j] / (double)rows;                                       \\
        }                                                                              \\
    }                                                                                  \\
    /* s_g[j] = sum_r gy, s_gd[j] = sum_r gy (x - mean[j]) */                          \\
    CYNN_NORM_CLONES static void cynn_norm_col_dsums_##S(const T *x, const T *gy,     \\
            Py_ssize_t rows, Py_ssize_t width, Py_ssize_t ld,                          \\
            const double *restrict mean, double *restrict s_g,                         \\
            double *restrict s_gd) {                                                   \\
        for (Py_ssize_t j = 0; j < width; j++) { s_g[j] = 0; s_gd[j] = 0; }            \\
        for (Py_ssize_t r = 0; r < rows; r++)                                          \\
            for (Py_ssize_t j = 0; j < width; j++) {                                   \\
                double g = (double)gy[r * ld + j];                                     \\
                s_g[j] += g;                                                           \\
                s_gd[j] += g * ((double)x[r * ld + j] - mean[j]);                      \\
            }                                                                          \\
    }                                                                                  \\
    /* one row: y = (x - (hi + lo)) * scale + shift, per-column parameters */         \\
    CYNN_NORM_CLONES static void cynn_norm_col_affine_##S(const T *restrict x,         \\
            T *restrict y, Py_ssize_t n, const T *restrict hi, const T *restrict lo,   \\
            const T *restrict scale, const T *restrict shift) {                        \\
        for (Py_ssize_t j = 0; j < n; j++)                                             \\
            y[j] = ((x[j] - hi[j]) - lo[j]) * scale[j] + shift[j];                     \\
    }                                                                                  \\
    /* one row: gx = gy k1 - (x - (hi + lo)) k2 - k3, per-column parameters */        \\
    CYNN_NORM_CLONES static void cynn_norm_col_gx_##S(const T *restrict x,             \\
            const T *restrict gy, T *restrict gx, Py_ssize_t n, const T *restrict hi,  \\
            const T *restrict lo, const T *restrict k1, const T *restrict k2,          \\
            const T *restrict k3) {                                                    \\
        for (Py_ssize_t j = 0; j < n; j++)                                             \\
            gx[j] = gy[j] * k1[j] - ((x[j] - hi[j]) - lo[j]) * k2[j] - k3[j];          \\
    }                                                                                  \\
    CYNN_NORM_INLINE void cynn_norm_dsums_##S(const T *x, const T *gy, Py_ssize_t n,   \\
            double mean, double *s_g, double *s_gd) {                                  \\
        cynn_norm_wdsums_##S(x, gy, NULL, n, mean, s_g, s_gd);                         \\
    }

    CYNN_NORM_KERNELS(float, cynn_norm_vf, f, 8)
    CYNN_NORM_KERNELS(double, cynn_norm_vd, d, 4)
    """
    enum: CYNN_NORM_BLOCK
    enum: CYNN_NORM_COLS
    void cynn_norm_col_moments_f(const float* x, Py_ssize_t rows, Py_ssize_t width,
                                 Py_ssize_t ld, double* mean, double* m2) noexcept nogil
    void cynn_norm_col_moments_d(const double* x, Py_ssize_t rows, Py_ssize_t width,
                                 Py_ssize_t ld, double* mean, double* m2) noexcept nogil
    void cynn_norm_col_dsums_f(const float* x, const float* gy, Py_ssize_t rows,
                               Py_ssize_t width, Py_ssize_t ld, const double* mean,
                               double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_col_dsums_d(const double* x, const double* gy, Py_ssize_t rows,
                               Py_ssize_t width, Py_ssize_t ld, const double* mean,
                               double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_col_affine_f(const float* x, float* y, Py_ssize_t n, const float* hi,
                                const float* lo, const float* scale,
                                const float* shift) noexcept nogil
    void cynn_norm_col_affine_d(const double* x, double* y, Py_ssize_t n, const double* hi,
                                const double* lo, const double* scale,
                                const double* shift) noexcept nogil
    void cynn_norm_col_gx_f(const float* x, const float* gy, float* gx, Py_ssize_t n,
                            const float* hi, const float* lo, const float* k1,
                            const float* k2, const float* k3) noexcept nogil
    void cynn_norm_col_gx_d(const double* x, const double* gy, double* gx, Py_ssize_t n,
                            const double* hi, const double* lo, const double* k1,
                            const double* k2, const double* k3) noexcept nogil
    void cynn_norm_moments_f(const float* x, Py_ssize_t n, double* mean, double* m2) noexcept nogil
    void cynn_norm_moments_d(const double* x, Py_ssize_t n, double* mean, double* m2) noexcept nogil
    void cynn_norm_affine_f(const float* x, float* y, Py_ssize_t n, float hi, float lo,
                            float scale, float shift) noexcept nogil
    void cynn_norm_affine_d(const double* x, double* y, Py_ssize_t n, double hi, double lo,
                            double scale, double shift) noexcept nogil
    void cynn_norm_affine_vec_f(const float* x, float* y, Py_ssize_t n, float hi, float lo,
                                float invstd, const float* w, const float* b) noexcept nogil
    void cynn_norm_affine_vec_d(const double* x, double* y, Py_ssize_t n, double hi, double lo,
                                double invstd, const double* w, const double* b) noexcept nogil
    void cynn_norm_dsums_f(const float* x, const float* gy, Py_ssize_t n, double mean,
                           double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_dsums_d(const double* x, const double* gy, Py_ssize_t n, double mean,
                           double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_wdsums_f(const float* x, const float* gy, const float* w, Py_ssize_t n,
                            double mean, double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_wdsums_d(const double* x, const double* gy, const double* w, Py_ssize_t n,
                            double mean, double* s_g, double* s_gd) noexcept nogil
    void cynn_norm_gx_f(const float* x, const float* gy, float* gx, Py_ssize_t n, float hi,
                        float lo, float k1, float k2, float k3) noexcept nogil
    void cynn_norm_gx_d(const double* x, const double* gy, double* gx, Py_ssize_t n, double hi,
                        double lo, double k1, double k2, double k3) noexcept nogil
    void cynn_norm_gx_vec_f(const float* x, const float* gy, const float* w, float* gx,
                            Py_ssize_t n, float hi, float lo, float k1, float k2,
                            float k3) noexcept nogil
    void cynn_norm_gx_vec_d(const double* x, const double* gy, const double* w, double* gx,
                            Py_ssize_t n, double hi, double lo, double k1, double k2,
                            double k3) noexcept nogil
    void cynn_norm_accumulate_f(const float* x, const float* gy, Py_ssize_t n, double mean,
                                double invstd, double* gw, double* gb) noexcept nogil
    void cynn_norm_accumulate_d(const double* x, const double* gy, Py_ssize_t n, double mean,
                                double invstd, double* gw, double* gb) noexcept nogil

from libc.math cimport sqrt

# Rows per partial sum of layer norm's weight and bias gradients.
cdef enum:
    ROW_BLOCK = 64

ROWS_PER_PARTIAL = ROW_BLOCK
COLUMNS_PER_TILE = CYNN_NORM_COLS

# Below this many elements a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN = 32768


def _expect(what, got, want):
    """Raise unless ``got == want``: every array a kernel indexes through raw pointers
    is checked against the input's shape before the nogil code."""
    if got != want:
        raise ValueError(f"norm kernel: {what} has shape {got}, expected {want}")


cdef struct Moments:
    double count, mean, m2


cdef inline void _merge(Moments* acc, double count, double mean, double m2) noexcept nogil:
    """Chan et al.'s pairwise update of ``acc`` with another part's moments."""
    cdef double total = acc.count + count
    cdef double delta = mean - acc.mean
    if count == 0:
        return
    acc.mean = acc.mean + delta * (count / total)
    acc.m2 = acc.m2 + m2 + delta * delta * (acc.count * count / total)
    acc.count = total


cdef inline void _add_moments(Moments* acc, const floating* x, Py_ssize_t n) noexcept nogil:
    """Merge the moments of ``x[0:n]`` into ``acc``, block by block."""
    cdef Py_ssize_t start = 0, size
    cdef double mean, m2
    while start < n:
        size = min(<Py_ssize_t>CYNN_NORM_BLOCK, n - start)
        if floating is float:
            cynn_norm_moments_f(x + start, size, &mean, &m2)
        else:
            cynn_norm_moments_d(x + start, size, &mean, &m2)
        _merge(acc, <double>size, mean, m2)
        start += size


cdef inline void _affine(const floating* x, floating* y, Py_ssize_t n, double mean,
                         double scale, double shift) noexcept nogil:
    cdef floating hi = <floating>mean
    cdef floating lo = <floating>(mean - <double>hi)
    if floating is float:
        cynn_norm_affine_f(x, y, n, hi, lo, <float>scale, <float>shift)
    else:
        cynn_norm_affine_d(x, y, n, hi, 0.0, scale, shift)


cdef inline void _dsums(const floating* x, const floating* gy, Py_ssize_t n, double mean,
                        double* s_g, double* s_gd) noexcept nogil:
    if floating is float:
        cynn_norm_dsums_f(x, gy, n, mean, s_g, s_gd)
    else:
        cynn_norm_dsums_d(x, gy, n, mean, s_g, s_gd)


cdef inline void _gx(const floating* x, const floating* gy, floating* gx, Py_ssize_t n,
                     double mean, double k1, double k2, double k3) noexcept nogil:
    cdef floating hi = <floating>mean
    cdef floating lo = <floating>(mean - <double>hi)
    if floating is float:
        cynn_norm_gx_f(x, gy, gx, n, hi, lo, <float>k1, <float>k2, <float>k3)
    else:
        cynn_norm_gx_d(x, gy, gx, n, hi, 0.0, k1, k2, k3)


cdef inline int _team(Py_ssize_t n_elements, Py_ssize_t n_jobs, int n_threads) noexcept nogil:
    if n_elements < PARALLEL_MIN or n_jobs < 2:
        return 1
    return n_threads if n_threads < n_jobs else <int>n_jobs


# One job of each parallel loop: a channel, a (sample, group) or a block of rows.
# Segments of a job are ``count`` runs of ``size`` elements, ``stride`` apart.

cdef void _normalize_job(const floating* x, floating* y, Py_ssize_t count, Py_ssize_t stride,
                         Py_ssize_t size, const double* weight, const double* bias,
                         Py_ssize_t channel_step, double eps, double* mean, double* var,
                         double* invstd) noexcept nogil:
    """Statistics over the job's segments, then segment j scaled by
    ``weight[j * channel_step]`` (batch norm: one channel, step 0; group norm:
    consecutive channels, step 1)."""
    cdef Moments acc
    cdef Py_ssize_t j
    cdef double inv
    acc.count = 0
    acc.mean = 0
    acc.m2 = 0
    for j in range(count):
        _add_moments(&acc, x + j * stride, size)
    inv = 1.0 / sqrt(acc.m2 / acc.count + eps)
    mean[0] = acc.mean
    var[0] = acc.m2 / acc.count
    invstd[0] = inv
    for j in range(count):
        _affine(x + j * stride, y + j * stride, size, acc.mean,
                inv * weight[j * channel_step], bias[j * channel_step])


cdef void _backward_job(const floating* x, const floating* gy, floating* gx, Py_ssize_t count,
                        Py_ssize_t stride, Py_ssize_t size, const double* weight,
                        Py_ssize_t channel_step, double mean, double inv, double* sum_gy,
                        double* sum_gy_xhat, Py_ssize_t sum_step, bint want_gx) noexcept nogil:
    """Per-segment sums of gy and gy * xhat (written ``sum_step`` apart), then, when
    asked, gx = inv (gxhat - sum(gxhat) / M - xhat sum(gxhat xhat) / M) with
    gxhat = w gy over the job's M elements."""
    cdef Py_ssize_t j
    cdef double s_g, s_gd, w, t_g = 0, t_gd = 0, total = <double>(count * size)
    for j in range(count):
        _dsums(x + j * stride, gy + j * stride, size, mean, &s_g, &s_gd)
        sum_gy[j * sum_step] = s_g
        sum_gy_xhat[j * sum_step] = s_gd * inv
        w = weight[j * channel_step]
        t_g = t_g + w * s_g
        t_gd = t_gd + w * s_gd
    if not want_gx:
        return
    # xhat = (x - mean) inv; sum(gxhat xhat) = t_gd inv
    for j in range(count):
        w = weight[j * channel_step]
        _gx(x + j * stride, gy + j * stride, gx + j * stride, size, mean, w * inv,
            inv * inv * inv * t_gd / total, inv * t_g / total)


cdef void _layer_norm_backward_rows(const floating* x, const floating* gy, floating* gx,
                                    const floating* weight, Py_ssize_t first, Py_ssize_t last,
                                    Py_ssize_t length, const double* mean,
                                    const double* invstd, double* part_gw, double* part_gb,
                                    bint want_gx, bint want_wb) noexcept nogil:
    cdef Py_ssize_t r, i
    cdef double s_g, s_gd, inv, m, count = <double>length
    cdef floating hi, lo
    if want_wb:
        for i in range(length):
            part_gw[i] = 0
            part_gb[i] = 0
    for r in range(first, last):
        inv = invstd[r]
        m = mean[r]
        hi = <floating>m
        lo = <floating>(m - <double>hi)
        if want_gx:
            if floating is float:
                cynn_norm_wdsums_f(x + r * length, gy + r * length, weight, length, m,
                                   &s_g, &s_gd)
                cynn_norm_gx_vec_f(x + r * length, gy + r * length, weight, gx + r * length,
                                   length, hi, lo, <float>inv,
                                   <float>(inv * inv * inv * s_gd / count),
                                   <float>(inv * s_g / count))
            else:
                cynn_norm_wdsums_d(x + r * length, gy + r * length, weight, length, m,
                                   &s_g, &s_gd)
                cynn_norm_gx_vec_d(x + r * length, gy + r * length, weight, gx + r * length,
                                   length, hi, lo, inv, inv * inv * inv * s_gd / count,
                                   inv * s_g / count)
        if want_wb:
            if floating is float:
                cynn_norm_accumulate_f(x + r * length, gy + r * length, length, m, inv,
                                       part_gw, part_gb)
            else:
                cynn_norm_accumulate_d(x + r * length, gy + r * length, length, m, inv,
                                       part_gw, part_gb)


# ------------------------------------------------------------------------ batch norm
def batch_norm_train_forward(const floating[:, :, ::1] x,   # IN  (N, C, S), N * S >= 1
                             const double[::1] weight,     # IN  (C,) ones when no weight
                             const double[::1] bias,       # IN  (C,) zeros when no bias
                             double eps,
                             double[::1] mean,             # OUT (C,)
                             double[::1] var,              # OUT (C,) biased
                             double[::1] invstd,           # OUT (C,)
                             floating[:, :, ::1] y,        # OUT (N, C, S)
                             int n_threads):
    """Batch statistics per channel, then ``y = xhat * weight + bias``."""
    _expect("x (N, C, S) with N * S >= 1", x.shape[0] * x.shape[2] > 0, True)
    _expect("y", (y.shape[0], y.shape[1], y.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    for name, a in (("weight", weight), ("bias", bias), ("mean", mean), ("var", var),
                    ("invstd", invstd)):
        _expect(name, a.shape[0], x.shape[1])
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], size = x.shape[2]
    cdef Py_ssize_t c
    cdef const floating* xp = &x[0, 0, 0]
    cdef floating* yp = &y[0, 0, 0]
    cdef int nt = _team(n_batch * channels * size, channels, n_threads)
    with nogil:
        for c in prange(channels, num_threads=nt, schedule="static"):
            _normalize_job(xp + c * size, yp + c * size, n_batch, channels * size, size,
                           &weight[c], &bias[c], 0, eps, &mean[c], &var[c], &invstd[c])


def channel_affine(const floating[:, :, ::1] x,   # IN  (N, C, S)
                   const double[::1] mean,        # IN  (C,)
                   const double[::1] scale,       # IN  (C,)
                   const double[::1] shift,       # IN  (C,)
                   floating[:, :, ::1] y,         # OUT (N, C, S)
                   int n_threads):
    """``y = (x - mean) * scale + shift`` per channel: eval-mode batch norm, and its
    input gradient (mean and shift 0)."""
    _expect("x (N, C, S) non-empty", x.shape[0] * x.shape[1] * x.shape[2] > 0, True)
    _expect("y", (y.shape[0], y.shape[1], y.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    for name, a in (("mean", mean), ("scale", scale), ("shift", shift)):
        _expect(name, a.shape[0], x.shape[1])
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], size = x.shape[2]
    cdef Py_ssize_t job, c
    cdef const floating* xp = &x[0, 0, 0]
    cdef floating* yp = &y[0, 0, 0]
    cdef int nt = _team(n_batch * channels * size, n_batch * channels, n_threads)
    with nogil:
        for job in prange(n_batch * channels, num_threads=nt, schedule="static"):
            c = job % channels
            _affine(xp + job * size, yp + job * size, size, mean[c], scale[c], shift[c])


def batch_norm_backward(const floating[:, :, ::1] x,    # IN  (N, C, S)
                        const floating[:, :, ::1] gy,   # IN  (N, C, S)
                        const double[::1] mean,         # IN  (C,)
                        const double[::1] invstd,       # IN  (C,)
                        const double[::1] weight,       # IN  (C,) ones when no weight
                        double[:, ::1] sum_gy,          # OUT (N, C) sum of gy per segment
                        double[:, ::1] sum_gy_xhat,     # OUT (N, C) sum of gy * xhat
                        floating[:, :, ::1] gx,         # OUT (N, C, S), written if want_gx
                        bint want_gx,
                        int n_threads):
    """Per-segment sums (summed over N they are the bias and weight gradients) and,
    when asked, the training-mode input gradient from them."""
    _expect("x (N, C, S) non-empty", x.shape[0] * x.shape[1] * x.shape[2] > 0, True)
    _expect("gy", (gy.shape[0], gy.shape[1], gy.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    _expect("gx", (gx.shape[0], gx.shape[1], gx.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    for name, a in (("mean", mean), ("invstd", invstd), ("weight", weight)):
        _expect(name, a.shape[0], x.shape[1])
    for name, b in (("sum_gy", sum_gy), ("sum_gy_xhat", sum_gy_xhat)):
        _expect(name, (b.shape[0], b.shape[1]), (x.shape[0], x.shape[1]))
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], size = x.shape[2]
    cdef Py_ssize_t c
    cdef const floating* xp = &x[0, 0, 0]
    cdef const floating* gyp = &gy[0, 0, 0]
    cdef floating* gxp = &gx[0, 0, 0]
    cdef int nt = _team(n_batch * channels * size, channels, n_threads)
    with nogil:
        for c in prange(channels, num_threads=nt, schedule="static"):
            _backward_job(xp + c * size, gyp + c * size, gxp + c * size, n_batch,
                          channels * size, size, &weight[c], 0, mean[c], invstd[c],
                          &sum_gy[0, c], &sum_gy_xhat[0, c], channels, want_gx)


# ------------------------------------------------------------------------ group norm
def group_norm_forward(const floating[:, :, ::1] x,   # IN  (N, C, S), C = G * Cg
                       Py_ssize_t groups,             # G >= 1, divides C
                       const double[::1] weight,      # IN  (C,)
                       const double[::1] bias,        # IN  (C,)
                       double eps,
                       double[::1] mean,              # OUT (N * G,)
                       double[::1] var,               # OUT (N * G,) biased
                       double[::1] invstd,            # OUT (N * G,)
                       floating[:, :, ::1] y,         # OUT (N, C, S)
                       int n_threads):
    """Statistics per (sample, group) over its channels and positions (one
    contiguous row), then the per-channel affine map."""
    _expect("x (N, C, S) non-empty", x.shape[0] * x.shape[1] * x.shape[2] > 0, True)
    _expect("groups dividing C", groups > 0 and x.shape[1] % groups == 0, True)
    _expect("y", (y.shape[0], y.shape[1], y.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    for name, a in (("weight", weight), ("bias", bias)):
        _expect(name, a.shape[0], x.shape[1])
    for name, a in (("mean", mean), ("var", var), ("invstd", invstd)):
        _expect(name, a.shape[0], x.shape[0] * groups)
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], size = x.shape[2]
    cdef Py_ssize_t per_group = channels // groups
    cdef Py_ssize_t job, c
    cdef const floating* xp = &x[0, 0, 0]
    cdef floating* yp = &y[0, 0, 0]
    cdef int nt = _team(n_batch * channels * size, n_batch * groups, n_threads)
    with nogil:
        for job in prange(n_batch * groups, num_threads=nt, schedule="static"):
            c = (job % groups) * per_group
            _normalize_job(xp + job * per_group * size, yp + job * per_group * size,
                           per_group, size, size, &weight[c], &bias[c], 1, eps, &mean[job],
                           &var[job], &invstd[job])


def group_norm_backward(const floating[:, :, ::1] x,    # IN  (N, C, S)
                        const floating[:, :, ::1] gy,   # IN  (N, C, S)
                        Py_ssize_t groups,
                        const double[::1] mean,         # IN  (N * G,)
                        const double[::1] invstd,       # IN  (N * G,)
                        const double[::1] weight,       # IN  (C,)
                        double[:, ::1] sum_gy,          # OUT (N, C) sum of gy per channel
                        double[:, ::1] sum_gy_xhat,     # OUT (N, C) sum of gy * xhat
                        floating[:, :, ::1] gx,         # OUT (N, C, S), written if want_gx
                        bint want_gx,
                        int n_threads):
    """Per-(sample, channel) sums (summed over N they are the bias and weight
    gradients) and, when asked, the input gradient."""
    _expect("x (N, C, S) non-empty", x.shape[0] * x.shape[1] * x.shape[2] > 0, True)
    _expect("groups dividing C", groups > 0 and x.shape[1] % groups == 0, True)
    _expect("gy", (gy.shape[0], gy.shape[1], gy.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    _expect("gx", (gx.shape[0], gx.shape[1], gx.shape[2]), (x.shape[0], x.shape[1], x.shape[2]))
    _expect("weight", weight.shape[0], x.shape[1])
    for name, a in (("mean", mean), ("invstd", invstd)):
        _expect(name, a.shape[0], x.shape[0] * groups)
    for name, b in (("sum_gy", sum_gy), ("sum_gy_xhat", sum_gy_xhat)):
        _expect(name, (b.shape[0], b.shape[1]), (x.shape[0], x.shape[1]))
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], size = x.shape[2]
    cdef Py_ssize_t per_group = channels // groups
    cdef Py_ssize_t job, c, offset
    cdef const floating* xp = &x[0, 0, 0]
    cdef const floating* gyp = &gy[0, 0, 0]
    cdef floating* gxp = &gx[0, 0, 0]
    cdef int nt = _team(n_batch * channels * size, n_batch * groups, n_threads)
    with nogil:
        for job in prange(n_batch * groups, num_threads=nt, schedule="static"):
            c = (job % groups) * per_group
            offset = job * per_group * size
            _backward_job(xp + offset, gyp + offset, gxp + offset, per_group, size, size,
                          &weight[c], 1, mean[job], invstd[job], &sum_gy[job // groups, c],
                          &sum_gy_xhat[job // groups, c], 1, want_gx)


# ------------------------------------------------------------------------ layer norm
def layer_norm_forward(const floating[:, ::1] x,   # IN  (R, L), L >= 1
                       const floating[::1] weight, # IN  (L,) ones when no weight
                       const floating[::1] bias,   # IN  (L,) zeros when no bias
                       double eps,
                       double[::1] mean,           # OUT (R,)
                       double[::1] invstd,         # OUT (R,)
                       floating[:, ::1] y,         # OUT (R, L)
                       int n_threads):
    """Statistics per row, then ``y = xhat * weight + bias`` elementwise."""
    _expect("x (R, L) non-empty", x.shape[0] * x.shape[1] > 0, True)
    _expect("y", (y.shape[0], y.shape[1]), (x.shape[0], x.shape[1]))
    for name, a in (("weight", weight), ("bias", bias)):
        _expect(name, a.shape[0], x.shape[1])
    for name, a in (("mean", mean), ("invstd", invstd)):
        _expect(name, a.shape[0], x.shape[0])
    cdef Py_ssize_t rows = x.shape[0], length = x.shape[1]
    cdef Py_ssize_t r
    cdef const floating* xp = &x[0, 0]
    cdef floating* yp = &y[0, 0]
    cdef int nt = _team(rows * length, rows, n_threads)
    with nogil:
        for r in prange(rows, num_threads=nt, schedule="static"):
            _layer_norm_row(xp + r * length, yp + r * length, length, &weight[0], &bias[0],
                            eps, &mean[r], &invstd[r])


cdef void _layer_norm_row(const floating* x, floating* y, Py_ssize_t length,
                          const floating* weight, const floating* bias, double eps,
                          double* mean, double* invstd) noexcept nogil:
    cdef Moments acc
    cdef double inv
    cdef floating hi
    acc.count = 0
    acc.mean = 0
    acc.m2 = 0
    _add_moments(&acc, x, length)
    inv = 1.0 / sqrt(acc.m2 / acc.count + eps)
    mean[0] = acc.mean
    invstd[0] = inv
    hi = <floating>acc.mean
    if floating is float:
        cynn_norm_affine_vec_f(x, y, length, hi, <float>(acc.mean - <double>hi), <float>inv,
                               weight, bias)
    else:
        cynn_norm_affine_vec_d(x, y, length, hi, 0.0, inv, weight, bias)


def layer_norm_backward(const floating[:, ::1] x,     # IN  (R, L)
                        const floating[:, ::1] gy,    # IN  (R, L)
                        const double[::1] mean,       # IN  (R,)
                        const double[::1] invstd,     # IN  (R,)
                        const floating[::1] weight,   # IN  (L,) ones when no weight
                        floating[:, ::1] gx,          # OUT (R, L), written if want_gx
                        double[:, ::1] part_gw,       # OUT (ceil(R / ROWS_PER_PARTIAL), L)
                        double[:, ::1] part_gb,       # OUT as part_gw; both written if want_wb
                        bint want_gx,
                        bint want_wb,
                        int n_threads):
    """Input gradient per row; the weight and bias gradients as partial sums over
    blocks of ``ROWS_PER_PARTIAL`` rows (the caller adds them in order)."""
    _expect("x (R, L) non-empty", x.shape[0] * x.shape[1] > 0, True)
    for name, b in (("gy", gy), ("gx", gx)):
        _expect(name, (b.shape[0], b.shape[1]), (x.shape[0], x.shape[1]))
    _expect("weight", weight.shape[0], x.shape[1])
    for name, a in (("mean", mean), ("invstd", invstd)):
        _expect(name, a.shape[0], x.shape[0])
    for name, b in (("part_gw", part_gw), ("part_gb", part_gb)):
        _expect(name, (b.shape[0], b.shape[1]),
                ((x.shape[0] + ROW_BLOCK - 1) // ROW_BLOCK, x.shape[1]))
    cdef Py_ssize_t rows = x.shape[0], length = x.shape[1]
    cdef Py_ssize_t n_blocks = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    cdef Py_ssize_t blk
    cdef const floating* xp = &x[0, 0]
    cdef const floating* gyp = &gy[0, 0]
    cdef floating* gxp = &gx[0, 0]
    cdef double* gwp = &part_gw[0, 0]
    cdef double* gbp = &part_gb[0, 0]
    cdef int nt = _team(rows * length, n_blocks, n_threads)
    with nogil:
        for blk in prange(n_blocks, num_threads=nt, schedule="static"):
            _layer_norm_backward_rows(xp, gyp, gxp, &weight[0], blk * ROW_BLOCK,
                                      min(rows, (blk + 1) * ROW_BLOCK), length, &mean[0],
                                      &invstd[0], gwp + blk * length, gbp + blk * length,
                                      want_gx, want_wb)


# ------------------------------------------------------- batch norm, short segments
# (N, C, S) with a small S (``(N, C)`` input: S = 1) viewed as (N, M), M = C * S:
# statistics per column over tiles of ROW_BLOCK rows x COLUMNS_PER_TILE columns (a
# partial per tile row), merged per channel in a fixed order; then row by row with
# per-column parameters (channel values repeated S times).

cdef void _column_tile(const floating* x, const floating* gy, Py_ssize_t tile,
                       Py_ssize_t rows, Py_ssize_t width, const double* mean,
                       double* part_a, double* part_b) noexcept nogil:
    """Moments (gy NULL) or backward sums of tile ``tile`` into the partial arrays."""
    cdef Py_ssize_t n_col_tiles = (width + CYNN_NORM_COLS - 1) // CYNN_NORM_COLS
    cdef Py_ssize_t rb = tile // n_col_tiles
    cdef Py_ssize_t j0 = (tile % n_col_tiles) * CYNN_NORM_COLS
    cdef Py_ssize_t r0 = rb * ROW_BLOCK
    cdef Py_ssize_t n_rows = min(<Py_ssize_t>ROW_BLOCK, rows - r0)
    cdef Py_ssize_t n_cols = min(<Py_ssize_t>CYNN_NORM_COLS, width - j0)
    cdef Py_ssize_t at = r0 * width + j0, out = rb * width + j0
    if gy == NULL:
        if floating is float:
            cynn_norm_col_moments_f(x + at, n_rows, n_cols, width, part_a + out, part_b + out)
        else:
            cynn_norm_col_moments_d(x + at, n_rows, n_cols, width, part_a + out, part_b + out)
    else:
        if floating is float:
            cynn_norm_col_dsums_f(x + at, gy + at, n_rows, n_cols, width, mean + j0,
                                  part_a + out, part_b + out)
        else:
            cynn_norm_col_dsums_d(x + at, gy + at, n_rows, n_cols, width, mean + j0,
                                  part_a + out, part_b + out)


cdef void _merge_channel(const double* part_mean, const double* part_m2, Py_ssize_t c,
                         Py_ssize_t rows, Py_ssize_t width, Py_ssize_t size, double eps,
                         double* mean, double* var, double* invstd) noexcept nogil:
    """Channel c's statistics from the per-tile column moments, row blocks in order."""
    cdef Moments acc
    cdef Py_ssize_t rb, s, n_blocks = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    acc.count = 0
    acc.mean = 0
    acc.m2 = 0
    for rb in range(n_blocks):
        for s in range(c * size, (c + 1) * size):
            _merge(&acc, <double>min(<Py_ssize_t>ROW_BLOCK, rows - rb * ROW_BLOCK),
                   part_mean[rb * width + s], part_m2[rb * width + s])
    mean[c] = acc.mean
    var[c] = acc.m2 / acc.count
    invstd[c] = 1.0 / sqrt(acc.m2 / acc.count + eps)


def _check_columns(rows, width, size, *per_channel):
    _expect("x (N, C * S) non-empty", rows * width > 0 and size > 0 and width % size == 0,
            True)
    for length in per_channel:
        _expect("a per-channel array", length, width // size)


cdef inline void _split(double value, floating* hi, floating* lo) noexcept nogil:
    hi[0] = <floating>value
    lo[0] = <floating>(value - <double>hi[0])


def column_affine(const floating[:, ::1] x,   # IN  (N, M)
                  const floating[::1] hi,     # IN  (M,) mean = hi + lo
                  const floating[::1] lo,     # IN  (M,)
                  const floating[::1] scale,  # IN  (M,)
                  const floating[::1] shift,  # IN  (M,)
                  floating[:, ::1] y,         # OUT (N, M)
                  int n_threads):
    """``y = (x - (hi + lo)) * scale + shift`` with per-column parameters."""
    _expect("x (N, M) non-empty", x.shape[0] * x.shape[1] > 0, True)
    _expect("y", (y.shape[0], y.shape[1]), (x.shape[0], x.shape[1]))
    for name, a in (("hi", hi), ("lo", lo), ("scale", scale), ("shift", shift)):
        _expect(name, a.shape[0], x.shape[1])
    cdef Py_ssize_t rows = x.shape[0], width = x.shape[1], r
    cdef const floating* xp = &x[0, 0]
    cdef floating* yp = &y[0, 0]
    cdef int nt = _team(rows * width, rows, n_threads)
    with nogil:
        for r in prange(rows, num_threads=nt, schedule="static"):
            if floating is float:
                cynn_norm_col_affine_f(xp + r * width, yp + r * width, width, &hi[0], &lo[0],
                                       &scale[0], &shift[0])
            else:
                cynn_norm_col_affine_d(xp + r * width, yp + r * width, width, &hi[0], &lo[0],
                                       &scale[0], &shift[0])


def batch_norm_columns_train_forward(
        const floating[:, ::1] x,     # IN  (N, M), M = C * S
        Py_ssize_t size,              # S
        const double[::1] weight,     # IN  (C,) ones when no weight
        const double[::1] bias,       # IN  (C,) zeros when no bias
        double eps,
        double[::1] mean,             # OUT (C,)
        double[::1] var,              # OUT (C,) biased
        double[::1] invstd,           # OUT (C,)
        floating[:, ::1] y,           # OUT (N, M)
        double[:, ::1] part_mean,     # SCRATCH (ceil(N / ROWS_PER_PARTIAL), M)
        double[:, ::1] part_m2,       # SCRATCH as part_mean
        floating[:, ::1] columns,     # SCRATCH (4, M)
        int n_threads):
    """Training batch norm of short segments: column statistics, then row by row."""
    _check_columns(x.shape[0], x.shape[1], size, weight.shape[0], bias.shape[0],
                   mean.shape[0], var.shape[0], invstd.shape[0])
    _expect("y", (y.shape[0], y.shape[1]), (x.shape[0], x.shape[1]))
    for name, b in (("part_mean", part_mean), ("part_m2", part_m2)):
        _expect(name, (b.shape[0], b.shape[1]),
                ((x.shape[0] + ROW_BLOCK - 1) // ROW_BLOCK, x.shape[1]))
    _expect("columns", (columns.shape[0], columns.shape[1]), (4, x.shape[1]))
    cdef Py_ssize_t rows = x.shape[0], width = x.shape[1], channels = width // size
    cdef Py_ssize_t n_tiles = ((rows + ROW_BLOCK - 1) // ROW_BLOCK) * \
        ((width + CYNN_NORM_COLS - 1) // CYNN_NORM_COLS)
    cdef Py_ssize_t tile, c, j, r
    cdef const floating* xp = &x[0, 0]
    cdef floating* yp = &y[0, 0]
    cdef double* pm = &part_mean[0, 0]
    cdef double* pv = &part_m2[0, 0]
    cdef floating* hi = &columns[0, 0]
    cdef floating* lo = &columns[1, 0]
    cdef floating* scale = &columns[2, 0]
    cdef floating* shift = &columns[3, 0]
    cdef int nt = _team(rows * width, n_tiles, n_threads)
    with nogil:
        for tile in prange(n_tiles, num_threads=nt, schedule="static"):
            _column_tile(xp, <const floating*>NULL, tile, rows, width, <const double*>NULL,
                         pm, pv)
        for c in range(channels):
            _merge_channel(pm, pv, c, rows, width, size, eps, &mean[0], &var[0], &invstd[0])
            for j in range(c * size, (c + 1) * size):
                _split(mean[c], &hi[j], &lo[j])
                scale[j] = <floating>(invstd[c] * weight[c])
                shift[j] = <floating>bias[c]
        for r in prange(rows, num_threads=_team(rows * width, rows, n_threads),
                        schedule="static"):
            if floating is float:
                cynn_norm_col_affine_f(xp + r * width, yp + r * width, width, hi, lo, scale,
                                       shift)
            else:
                cynn_norm_col_affine_d(xp + r * width, yp + r * width, width, hi, lo, scale,
                                       shift)


def batch_norm_columns_backward(
        const floating[:, ::1] x,     # IN  (N, M), M = C * S
        const floating[:, ::1] gy,    # IN  (N, M)
        Py_ssize_t size,              # S
        const double[::1] mean,       # IN  (C,)
        const double[::1] invstd,     # IN  (C,)
        const double[::1] weight,     # IN  (C,) ones when no weight
        double[::1] sum_gy,           # OUT (C,)
        double[::1] sum_gy_xhat,      # OUT (C,)
        floating[:, ::1] gx,          # OUT (N, M), written if want_gx (training)
        bint want_gx,
        double[:, ::1] part_g,        # SCRATCH (ceil(N / ROWS_PER_PARTIAL), M)
        double[:, ::1] part_gd,       # SCRATCH as part_g
        double[::1] column_mean,      # SCRATCH (M,)
        floating[:, ::1] columns,     # SCRATCH (5, M)
        int n_threads):
    """Batch norm backward of short segments: per-channel sums from column sums, then
    (training) the input gradient row by row."""
    _check_columns(x.shape[0], x.shape[1], size, mean.shape[0], invstd.shape[0],
                   weight.shape[0], sum_gy.shape[0], sum_gy_xhat.shape[0])
    for name, b in (("gy", gy), ("gx", gx)):
        _expect(name, (b.shape[0], b.shape[1]), (x.shape[0], x.shape[1]))
    for name, b in (("part_g", part_g), ("part_gd", part_gd)):
        _expect(name, (b.shape[0], b.shape[1]),
                ((x.shape[0] + ROW_BLOCK - 1) // ROW_BLOCK, x.shape[1]))
    _expect("column_mean", column_mean.shape[0], x.shape[1])
    _expect("columns", (columns.shape[0], columns.shape[1]), (5, x.shape[1]))
    cdef Py_ssize_t rows = x.shape[0], width = x.shape[1], channels = width // size
    cdef Py_ssize_t n_blocks = (rows + ROW_BLOCK - 1) // ROW_BLOCK
    cdef Py_ssize_t n_tiles = n_blocks * ((width + CYNN_NORM_COLS - 1) // CYNN_NORM_COLS)
    cdef Py_ssize_t tile, c, j, r, rb
    cdef double t_g, t_gd, inv, w, count = <double>(rows * size)
    cdef const floating* xp = &x[0, 0]
    cdef const floating* gyp = &gy[0, 0]
    cdef floating* gxp = &gx[0, 0]
    cdef double* pg = &part_g[0, 0]
    cdef double* pgd = &part_gd[0, 0]
    cdef double* cm = &column_mean[0]
    cdef floating* hi = &columns[0, 0]
    cdef floating* lo = &columns[1, 0]
    cdef floating* k1 = &columns[2, 0]
    cdef floating* k2 = &columns[3, 0]
    cdef floating* k3 = &columns[4, 0]
    cdef int nt = _team(rows * width, n_tiles, n_threads)
    with nogil:
        for j in range(width):
            cm[j] = mean[j // size]
        for tile in prange(n_tiles, num_threads=nt, schedule="static"):
            _column_tile(xp, gyp, tile, rows, width, cm, pg, pgd)
        for c in range(channels):
            t_g = 0
            t_gd = 0
            for rb in range(n_blocks):
                for j in range(c * size, (c + 1) * size):
                    t_g = t_g + pg[rb * width + j]
                    t_gd = t_gd + pgd[rb * width + j]
            inv = invstd[c]
            w = weight[c]
            sum_gy[c] = t_g
            sum_gy_xhat[c] = t_gd * inv
            for j in range(c * size, (c + 1) * size):
                _split(mean[c], &hi[j], &lo[j])
                k1[j] = <floating>(w * inv)
                k2[j] = <floating>(w * inv * inv * inv * t_gd / count)
                k3[j] = <floating>(w * inv * t_g / count)
        if want_gx:
            for r in prange(rows, num_threads=_team(rows * width, rows, n_threads),
                            schedule="static"):
                if floating is float:
                    cynn_norm_col_gx_f(xp + r * width, gyp + r * width, gxp + r * width, width,
                                       hi, lo, k1, k2, k3)
                else:
                    cynn_norm_col_gx_d(xp + r * width, gyp + r * width, gxp + r * width, width,
                                       hi, lo, k1, k2, k3)
