/* Depthwise convolution (one input channel per group) on one channel plane.

   Each plane is first copied into a zero-padded scratch volume that covers
   every position the kernel reads, so the loops below have no bounds tests
   and fixed trip counts. Output rows are computed VEC outputs at a time, with
   the whole window accumulated in registers before one store; rows are
   rounded up to a multiple of VEC (the scratch volume is wide enough for the
   extra columns, whose results are dropped).

   Geometry arrays are (depth, height, width): k kernel, s stride, d dilation,
   out output size; the scratch volume is (bd, bh, bw). GCC compiles each
   function for AVX-512, AVX2+FMA and the baseline and picks one at load time
   (target_clones); the build's own flags only guarantee SSE2. The AVX2 clone is
   "arch=x86-64-v3", a feature level: GCC's resolver picks an "arch=haswell" clone by
   CPU model, so AMD CPUs with AVX2 and FMA got the SSE2 baseline. */
#ifndef CYNN_DEPTHWISE_H
#define CYNN_DEPTHWISE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <Python.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__INTEL_COMPILER) && !defined(__clang__)
#define CYNN_DW_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define CYNN_DW_CLONES
#endif

/* Outputs per register block: one AVX-512 register of float32, two of float64. */
#define CYNN_DW_VEC 16

/* GCC's generic vectors: one block of outputs, lowered to whatever registers the
   clone's instruction set has (one zmm for float32 on AVX-512). A plain array
   here gets split into 16 scalars. */
typedef float cynn_dw_vf32 __attribute__((vector_size(CYNN_DW_VEC * sizeof(float))));
typedef double cynn_dw_vf64 __attribute__((vector_size(CYNN_DW_VEC * sizeof(double))));
typedef int32_t cynn_dw_vi32 __attribute__((vector_size(CYNN_DW_VEC * sizeof(int32_t))));
typedef int64_t cynn_dw_vi64 __attribute__((vector_size(CYNN_DW_VEC * sizeof(int64_t))));

/* Output rows per register tile. */
#define CYNN_DW_ROWS 4

static inline Py_ssize_t cynn_dw_round_up(Py_ssize_t n) {
    return (n + CYNN_DW_VEC - 1) / CYNN_DW_VEC * CYNN_DW_VEC;
}

/* bsize = the scratch volume a correlation with output size out reads; with
   ``tiles`` its rows and columns cover whole register tiles (rows rounded up to
   ROWS, columns to VEC). Returns the element count. */
static inline Py_ssize_t cynn_dw_scratch(Py_ssize_t *bsize, const Py_ssize_t *k,
                                         const Py_ssize_t *s, const Py_ssize_t *d,
                                         const Py_ssize_t *out, int tiles) {
    Py_ssize_t last[3] = {out[0], out[1], out[2]};
    if (tiles) {
        last[1] = (out[1] + CYNN_DW_ROWS - 1) / CYNN_DW_ROWS * CYNN_DW_ROWS;
        last[2] = cynn_dw_round_up(out[2]);
    }
    for (int i = 0; i < 3; i++) bsize[i] = (last[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1;
    return bsize[0] * bsize[1] * bsize[2];
}

#define CYNN_DEPTHWISE_KERNELS(T, VT, VI, SUFFIX)                                                    \
/* buf[z][r][c] = src[z - top[0]][r - top[1]][c - top[2]] inside src, else 0; top may be */ \
/* negative (then the copy crops the source).                                            */ \
static void cynn_dw_pad_##SUFFIX(const T *restrict src, const Py_ssize_t *size,            \
                                 const Py_ssize_t *top, T *restrict buf,                     \
                                 const Py_ssize_t *bsize) {                                  \
    for (Py_ssize_t z = 0; z < bsize[0]; z++) {                                              \
        Py_ssize_t sz = z - top[0];                                                          \
        for (Py_ssize_t r = 0; r < bsize[1]; r++) {                                          \
            T *dst = buf + (z * bsize[1] + r) * bsize[2];                                    \
            Py_ssize_t sr = r - top[1];                                                      \
            if (sz < 0 || sz >= size[0] || sr < 0 || sr >= size[1]) {                        \
                memset(dst, 0, bsize[2] * sizeof(T));                                        \
                continue;                                                                    \
            }                                                                                \
            const T *row = src + (sz * size[1] + sr) * size[2];                              \
            Py_ssize_t c0 = top[2] > 0 ? top[2] : 0;                                         \
            Py_ssize_t c1 = size[2] + top[2];                                                \
            if (c1 > bsize[2]) c1 = bsize[2];                                                \
            if (c0 > c1) c0 = c1;                                                            \
            memset(dst, 0, c0 * sizeof(T));                                                  \
            if (c1 > c0) memcpy(dst + c0, row + c0 - top[2], (c1 - c0) * sizeof(T));         \
            memset(dst + c1, 0, (bsize[2] - c1) * sizeof(T));                                \
        }                                                                                    \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* One register tile of the correlation: ROWS output rows (rs apart in buf) by nv    */ \
/* blocks of VEC outputs, for every tap; unit: stride 1 along the row.                  */ \
static inline __attribute__((always_inline)) void cynn_dw_tile_##SUFFIX(                   \
        VT acc[CYNN_DW_ROWS][2], const T *restrict base, const T *restrict taps,            \
        Py_ssize_t k0, Py_ssize_t k1, Py_ssize_t k2, Py_ssize_t plane_step,                  \
        Py_ssize_t row_step, Py_ssize_t d2, Py_ssize_t rs, Py_ssize_t sw,                    \
        const int nv, const int unit) {                                                      \
    VT x;                                                                                    \
    for (Py_ssize_t a = 0; a < k0; a++)                                                      \
    for (Py_ssize_t b = 0; b < k1; b++) {                                                    \
        const T *row = base + a * plane_step + b * row_step;                                 \
        const T *w = taps + (a * k1 + b) * k2;                                               \
        for (Py_ssize_t e = 0; e < k2; e++) {                                                \
            const T *src = row + e * d2;                                                     \
            T we = w[e];                                                                     \
            _Pragma("GCC unroll 8")                                                          \
            for (int r = 0; r < CYNN_DW_ROWS; r++)                                           \
            _Pragma("GCC unroll 2")                                                          \
            for (int v = 0; v < nv; v++) {                                                  \
                const T *p = src + r * rs + v * CYNN_DW_VEC * sw;                            \
                if (unit)                                                                    \
                    memcpy(&x, p, sizeof x);                                                 \
                else                                                                         \
                    for (int j = 0; j < CYNN_DW_VEC; j++) x[j] = p[j * sw];                  \
                acc[r][v] += we * x;                                                         \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* y[zo][yo][xo] (+)= init + sum over taps of taps[a][b][e] *                            */ \
/*     buf[zo*s0 + a*d0][yo*s1 + b*d1][xo*s2 + e*d2]                                     */ \
/* (accumulate: add to y's values, init unused). Tiles of ROWS rows by one or two        */ \
/* blocks keep 4-8 independent sums in registers, enough to cover the FMA latency.       */ \
CYNN_DW_CLONES static void cynn_dw_correlate_##SUFFIX(                                     \
        const T *restrict buf, const Py_ssize_t *bsize, const T *restrict taps,             \
        const Py_ssize_t *k, const Py_ssize_t *s, const Py_ssize_t *d,                      \
        const Py_ssize_t *out, T *restrict y, int accumulate, T init) {                      \
    const Py_ssize_t k0 = k[0], k1 = k[1], k2 = k[2], sw = s[2], d2 = d[2];                  \
    const Py_ssize_t bh = bsize[1], bw = bsize[2], h_out = out[1], w_out = out[2];           \
    const Py_ssize_t w_vec = cynn_dw_round_up(w_out);                                        \
    const Py_ssize_t rs = s[1] * bw, plane_step = d[0] * bh * bw, row_step = d[1] * bw;     \
    const int nv = w_vec % (2 * CYNN_DW_VEC) == 0 ? 2 : 1;                                   \
    for (Py_ssize_t zo = 0; zo < out[0]; zo++)                                               \
    for (Py_ssize_t yo0 = 0; yo0 < h_out; yo0 += CYNN_DW_ROWS)                               \
    for (Py_ssize_t i0 = 0; i0 < w_vec; i0 += nv * CYNN_DW_VEC) {                            \
        VT acc[CYNN_DW_ROWS][2];                                                             \
        for (int r = 0; r < CYNN_DW_ROWS; r++)                                               \
            acc[r][0] = acc[r][1] = (VT){0} + init;                                          \
        const T *base = buf + (zo * s[0] * bh + yo0 * s[1]) * bw + i0 * sw;                  \
        if (sw == 1 && nv == 2)                                                              \
            cynn_dw_tile_##SUFFIX(acc, base, taps, k0, k1, k2, plane_step, row_step, d2,     \
                                  rs, 1, 2, 1);                                              \
        else if (sw == 1)                                                                    \
            cynn_dw_tile_##SUFFIX(acc, base, taps, k0, k1, k2, plane_step, row_step, d2,     \
                                  rs, 1, 1, 1);                                              \
        else                                                                                 \
            cynn_dw_tile_##SUFFIX(acc, base, taps, k0, k1, k2, plane_step, row_step, d2,     \
                                  rs, sw, nv, 0);                                            \
        for (int r = 0; r < CYNN_DW_ROWS && yo0 + r < h_out; r++)                            \
        for (int v = 0; v < nv; v++) {                                                       \
            Py_ssize_t c0 = i0 + v * CYNN_DW_VEC;                                            \
            Py_ssize_t n = w_out - c0 < CYNN_DW_VEC ? w_out - c0 : CYNN_DW_VEC;              \
            T *dst = y + (zo * h_out + yo0 + r) * w_out + c0;                                \
            VT x;                                                                            \
            if (n == CYNN_DW_VEC) {                                                          \
                if (accumulate) {                                                            \
                    memcpy(&x, dst, sizeof x);                                               \
                    acc[r][v] += x;                                                          \
                }                                                                            \
                memcpy(dst, &acc[r][v], sizeof x);                                           \
            } else if (accumulate) {                                                         \
                for (Py_ssize_t j = 0; j < n; j++) dst[j] += acc[r][v][j];                   \
            } else {                                                                         \
                for (Py_ssize_t j = 0; j < n; j++) dst[j] = acc[r][v][j];                    \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* The adjoint of the correlation for any stride: buf (zeroed by the caller) gets each   */ \
/* gy value times each tap added at the position that tap read.                          */ \
CYNN_DW_CLONES static void cynn_dw_scatter_##SUFFIX(                                       \
        const T *restrict gy, const T *restrict taps, const Py_ssize_t *k,                  \
        const Py_ssize_t *s, const Py_ssize_t *d, const Py_ssize_t *out,                    \
        T *restrict buf, const Py_ssize_t *bsize) {                                          \
    Py_ssize_t sw = s[2];                                                                    \
    for (Py_ssize_t zo = 0; zo < out[0]; zo++)                                               \
    for (Py_ssize_t yo = 0; yo < out[1]; yo++) {                                             \
        const T *g = gy + (zo * out[1] + yo) * out[2];                                       \
        for (Py_ssize_t a = 0; a < k[0]; a++)                                                \
        for (Py_ssize_t b = 0; b < k[1]; b++) {                                              \
            T *row = buf + ((zo * s[0] + a * d[0]) * bsize[1] + yo * s[1] + b * d[1])        \
                           * bsize[2];                                                       \
            const T *w = taps + (a * k[1] + b) * k[2];                                       \
            for (Py_ssize_t e = 0; e < k[2]; e++) {                                          \
                T *dst = row + e * d[2];                                                     \
                T we = w[e];                                                                 \
                for (Py_ssize_t xo = 0; xo < out[2]; xo++) dst[xo * sw] += we * g[xo];       \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* dst[z][r][c] = buf[z + top[0]][r + top[1]][c + top[2]] where that is inside buf,     */ \
/* else 0: the padded volume cropped back to the plane.                                 */ \
static void cynn_dw_crop_##SUFFIX(const T *restrict buf, const Py_ssize_t *bsize,          \
                                  const Py_ssize_t *top, T *restrict dst,                    \
                                  const Py_ssize_t *size) {                                    \
    for (Py_ssize_t z = 0; z < size[0]; z++)                                                 \
    for (Py_ssize_t r = 0; r < size[1]; r++) {                                               \
        T *row = dst + (z * size[1] + r) * size[2];                                          \
        Py_ssize_t bz = z + top[0], br = r + top[1];                                         \
        Py_ssize_t n = bsize[2] - top[2];                                                    \
        if (bz >= bsize[0] || br >= bsize[1]) n = 0;                                         \
        if (n > size[2]) n = size[2];                                                        \
        if (n < 0) n = 0;                                                                    \
        const T *src = n ? buf + (bz * bsize[1] + br) * bsize[2] + top[2] : buf;             \
        if (n) memcpy(row, src, n * sizeof(T));                                              \
        memset(row + n, 0, (size[2] - n) * sizeof(T));                                       \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* The weight gradient's products for one plane: for every tap t = (a, b, e),        */ \
/*     acc[t] += sum over (zo, yo, xo) of gy[zo][yo][xo] *                               */ \
/*               buf[zo*s0 + a*d0][yo*s1 + b*d1][xo*s2 + e*d2]                           */ \
/* as ROWS * VEC partial sums (acc is (taps, ROWS * VEC); the caller adds them up).       */ \
/* buf must cover whole tiles (cynn_dw_scratch with tiles). A row's last, partial block  */ \
/* is masked on both sides: gy's lanes past the row belong to the next row, and the      */ \
/* scratch volume there may hold real inputs (0 * inf would be NaN). The plane's last    */ \
/* row reads its partial block through a copy, as a full load could leave the array.     */ \
CYNN_DW_CLONES static void cynn_dw_weight_##SUFFIX(                                        \
        const T *restrict buf, const Py_ssize_t *bsize, const T *restrict gy,               \
        const Py_ssize_t *k, const Py_ssize_t *s, const Py_ssize_t *d,                      \
        const Py_ssize_t *out, T *restrict acc) {                                            \
    const Py_ssize_t h_out = out[1], w_out = out[2];                                         \
    const Py_ssize_t bh = bsize[1], bw = bsize[2], sw = s[2];                                \
    const Py_ssize_t n_full = w_out / CYNN_DW_VEC, tail = w_out % CYNN_DW_VEC;               \
    const Py_ssize_t n_rows = out[0] * h_out;                                                \
    VI keep;                                                                                 \
    for (int j = 0; j < CYNN_DW_VEC; j++) keep[j] = j < tail ? -1 : 0;                       \
    for (Py_ssize_t zo = 0; zo < out[0]; zo++) {                                             \
        T *ac = acc;                                                                         \
        for (Py_ssize_t a = 0; a < k[0]; a++)                                                \
        for (Py_ssize_t b = 0; b < k[1]; b++)                                                \
        for (Py_ssize_t e = 0; e < k[2]; e++, ac += CYNN_DW_ROWS * CYNN_DW_VEC) {            \
            const T *src0 = buf + ((zo * s[0] + a * d[0]) * bh + b * d[1]) * bw + e * d[2];  \
            VT sum[CYNN_DW_ROWS], x, g;                                                      \
            _Pragma("GCC unroll 8")                                                          \
            for (int r = 0; r < CYNN_DW_ROWS; r++) sum[r] = (VT){0};                         \
            for (Py_ssize_t yo0 = 0; yo0 < h_out; yo0 += CYNN_DW_ROWS) {                     \
                const T *g0 = gy + (zo * h_out + yo0) * w_out;                               \
                const T *x0 = src0 + yo0 * s[1] * bw;                                        \
                const Py_ssize_t xs = s[1] * bw;                                             \
                _Pragma("GCC unroll 8")                                                      \
                for (int r = 0; r < CYNN_DW_ROWS; r++) {                                     \
                    if (yo0 + r >= h_out) continue;                                          \
                    for (Py_ssize_t i = 0; i < n_full; i++) {                                \
                        memcpy(&g, g0 + r * w_out + i * CYNN_DW_VEC, sizeof g);              \
                        const T *xr = x0 + r * xs + i * CYNN_DW_VEC * sw;                    \
                        if (sw == 1)                                                         \
                            memcpy(&x, xr, sizeof x);                                        \
                        else                                                                 \
                            for (int j = 0; j < CYNN_DW_VEC; j++) x[j] = xr[j * sw];         \
                        sum[r] += g * x;                                                     \
                    }                                                                        \
                }                                                                            \
                if (!tail) continue;                                                         \
                _Pragma("GCC unroll 8")                                                      \
                for (int r = 0; r < CYNN_DW_ROWS; r++) {                                     \
                    if (yo0 + r >= h_out) continue;                                          \
                    const T *gt = g0 + r * w_out + n_full * CYNN_DW_VEC;                     \
                    /* a whole-vector load runs into the next rows: only while they     */ \
                    /* hold CYNN_DW_VEC - tail more elements of this plane (ASan found  */ \
                    /* the old "a next row exists" test reading past the array's end)   */ \
                    if ((zo * h_out + yo0 + r) * w_out + n_full * CYNN_DW_VEC + CYNN_DW_VEC  \
                            <= n_rows * w_out) {                                             \
                        memcpy(&g, gt, sizeof g);                                            \
                    } else {                                                                 \
                        g = (VT){0};                                                         \
                        for (Py_ssize_t j = 0; j < tail; j++) g[j] = gt[j];                  \
                    }                                                                        \
                    const T *xt = x0 + r * xs + n_full * CYNN_DW_VEC * sw;                   \
                    if (sw == 1)                                                             \
                        memcpy(&x, xt, sizeof x);                                            \
                    else                                                                     \
                        for (int j = 0; j < CYNN_DW_VEC; j++) x[j] = xt[j * sw];             \
                    sum[r] += (VT)((VI)g & keep) * (VT)((VI)x & keep);                       \
                }                                                                            \
            }                                                                                \
            _Pragma("GCC unroll 8")                                                          \
            for (int r = 0; r < CYNN_DW_ROWS; r++) {                                         \
                memcpy(&x, ac + r * CYNN_DW_VEC, sizeof x);                                  \
                x += sum[r];                                                                 \
                memcpy(ac + r * CYNN_DW_VEC, &x, sizeof x);                                  \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}                                                                                            \
                                                                                             \
/* The same products for unit strides, as one long dot product per tap: g_pad holds   */ \
/* gy with the scratch volume's pitches, so output (zo, yo, xo) sits at the offset of    */ \
/* the input it reads under tap (0, 0, 0) and tap t reads at a fixed shift. buf and      */ \
/* g_pad: cynn_dw_scratch's size; the caller zeroes g_pad once and this writes only its  */ \
/* rows, so the gaps between them stay 0. Those zeros meet inputs that no output reads   */ \
/* under that tap: an inf there gives 0 * inf = NaN, so a non-finite result must be      */ \
/* recomputed with the row kernel.                                                       */ \
CYNN_DW_CLONES static void cynn_dw_weight_flat_##SUFFIX(                                   \
        const T *restrict buf, const Py_ssize_t *bsize, const T *restrict gy,               \
        const Py_ssize_t *k, const Py_ssize_t *d, const Py_ssize_t *out,                    \
        T *restrict g_pad, T *restrict acc) {                                                \
    const Py_ssize_t bh = bsize[1], bw = bsize[2], h_out = out[1], w_out = out[2];           \
    const Py_ssize_t length = ((out[0] - 1) * bh + h_out - 1) * bw + w_out;                  \
    const Py_ssize_t n_vec = length / CYNN_DW_VEC;                                           \
    for (Py_ssize_t zo = 0; zo < out[0]; zo++)                                               \
    for (Py_ssize_t yo = 0; yo < h_out; yo++)                                                \
        memcpy(g_pad + (zo * bh + yo) * bw, gy + (zo * h_out + yo) * w_out,                 \
               w_out * sizeof(T));                                                           \
    T *ac = acc;                                                                             \
    for (Py_ssize_t a = 0; a < k[0]; a++)                                                    \
    for (Py_ssize_t b = 0; b < k[1]; b++)                                                    \
    for (Py_ssize_t e = 0; e < k[2]; e++, ac += CYNN_DW_ROWS * CYNN_DW_VEC) {                \
        const T *src = buf + (a * d[0] * bh + b * d[1]) * bw + e * d[2];                     \
        VT sum[2 * CYNN_DW_ROWS], g, x;                                                      \
        _Pragma("GCC unroll 8")                                                              \
        for (int r = 0; r < 2 * CYNN_DW_ROWS; r++) sum[r] = (VT){0};                         \
        Py_ssize_t i = 0;                                                                    \
        for (; i + 2 * CYNN_DW_ROWS <= n_vec; i += 2 * CYNN_DW_ROWS) {                       \
            _Pragma("GCC unroll 8")                                                          \
            for (int r = 0; r < 2 * CYNN_DW_ROWS; r++) {                                     \
                memcpy(&g, g_pad + (i + r) * CYNN_DW_VEC, sizeof g);                         \
                memcpy(&x, src + (i + r) * CYNN_DW_VEC, sizeof x);                           \
                sum[r] += g * x;                                                             \
            }                                                                                \
        }                                                                                    \
        for (; i < n_vec; i++) {                                                             \
            memcpy(&g, g_pad + i * CYNN_DW_VEC, sizeof g);                                   \
            memcpy(&x, src + i * CYNN_DW_VEC, sizeof x);                                     \
            sum[0] += g * x;                                                                 \
        }                                                                                    \
        for (Py_ssize_t j = n_vec * CYNN_DW_VEC; j < length; j++)                            \
            sum[1][j % CYNN_DW_VEC] += g_pad[j] * src[j];                                    \
        _Pragma("GCC unroll 8")                                                              \
        for (int r = 0; r < CYNN_DW_ROWS; r++) {                                             \
            memcpy(&x, ac + r * CYNN_DW_VEC, sizeof x);                                      \
            x += sum[r] + sum[r + CYNN_DW_ROWS];                                             \
            memcpy(ac + r * CYNN_DW_VEC, &x, sizeof x);                                      \
        }                                                                                    \
    }                                                                                        \
}

CYNN_DEPTHWISE_KERNELS(float, cynn_dw_vf32, cynn_dw_vi32, f32)
CYNN_DEPTHWISE_KERNELS(double, cynn_dw_vf64, cynn_dw_vi64, f64)

#endif
