/* Float32 2x2, stride-2, unpadded max pooling with AVX-512F, a row of up to
   sixteen outputs at a time. LeNet's planes are 5 outputs wide, too narrow
   for pool.pyx's row-wise loops, and its scalar loop spends ~8 cycles per
   output (LeNet's pool2: 14.8 us for 6400) on the compare-select chain; here one chain serves a whole row.
   Measured and rejected: gathering the taps of sixteen outputs across rows
   (AVX-512 gathers cost more than the loads and permutes they replace), and
   the same row-wise scheme for the gradient (LeNet's pool2: 11.3 us against
   pool.pyx's scatter, 6.9 us).

   Used only when the CPU reports AVX-512F at run time (the build's flags only
   guarantee SSE2); pool.pyx keeps its scalar loop for the rest. */
#ifndef CYNN_POOL2X2_H
#define CYNN_POOL2X2_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

static int cynn_pool2x2_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

/* The window pair (v0 then v1, the later one winning when greater or NaN),
   PyTorch's tap order; offset takes the winner's step. */
__attribute__((target("avx512f")))
static inline void cynn_pool_take(__m512 *best, __m512i *offset, __m512 v, __m512i step) {
    __mmask16 take = _mm512_cmp_ps_mask(v, *best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    *best = _mm512_mask_mov_ps(*best, take, v);
    *offset = _mm512_mask_mov_epi32(*offset, take, step);
}

/* One output row: y[ow] = max of x[2 ow], x[2 ow + 1], x[w_in + 2 ow],
   x[w_in + 2 ow + 1] (x: the row's top input row; taps in PyTorch's order, a
   later tap winning when greater or NaN) and, when indices is not NULL,
   indices[ow] = corner + the winner's offset from x, for ow < w_out. Sixteen
   outputs at a time: 32 contiguous floats of each input row, split into even
   and odd columns in registers. Needs 2 * w_out <= w_in. */
__attribute__((target("avx512f")))
static inline void cynn_max_pool2x2_row(const float *x, long w_in, long w_out, float *y,
                                        int64_t *indices, long corner) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14,
                                           16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const __m512i right = _mm512_set1_epi32(1), down = _mm512_set1_epi32((int32_t)w_in);
    const __m512i diagonal = _mm512_set1_epi32((int32_t)w_in + 1);
    for (long ow = 0; ow < w_out; ow += 16) {
        long count = w_out - ow < 16 ? w_out - ow : 16;
        __mmask16 lanes = count == 16 ? 0xFFFF : (__mmask16)((1u << count) - 1);
        /* input columns 2 ow .. 2 (ow + count) of both rows, in two vectors each */
        __mmask16 low = count >= 8 ? 0xFFFF : (__mmask16)((1u << (2 * count)) - 1);
        __mmask16 high = count <= 8 ? 0 : count == 16 ? 0xFFFF
                       : (__mmask16)((1u << (2 * count - 16)) - 1);
        const float *top = x + 2 * ow, *bottom = top + w_in;
        __m512 t0 = _mm512_maskz_loadu_ps(low, top), t1 = _mm512_maskz_loadu_ps(high, top + 16);
        __m512 b0 = _mm512_maskz_loadu_ps(low, bottom);
        __m512 b1 = _mm512_maskz_loadu_ps(high, bottom + 16);
        __m512 best = _mm512_permutex2var_ps(t0, even, t1);
        __m512i offset = _mm512_setzero_si512();
        cynn_pool_take(&best, &offset, _mm512_permutex2var_ps(t0, odd, t1), right);
        cynn_pool_take(&best, &offset, _mm512_permutex2var_ps(b0, even, b1), down);
        cynn_pool_take(&best, &offset, _mm512_permutex2var_ps(b0, odd, b1), diagonal);
        _mm512_mask_storeu_ps(y + ow, lanes, best);
        if (indices != NULL) {
            /* corner + 2 (ow + lane) + offset */
            __m512i winner = _mm512_add_epi32(
                _mm512_add_epi32(even, _mm512_set1_epi32((int32_t)(2 * ow))), offset);
            __m512i base = _mm512_set1_epi64(corner);
            _mm512_mask_storeu_epi64(
                indices + ow, (__mmask8)(lanes & 0xFF),
                _mm512_add_epi64(base, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(winner))));
            _mm512_mask_storeu_epi64(
                indices + ow + 8, (__mmask8)(lanes >> 8),
                _mm512_add_epi64(base, _mm512_cvtepi32_epi64(
                                           _mm512_extracti64x4_epi64(winner, 1))));
        }
    }
}

/* Output rows [0, h_out) of one plane (y and indices: h_out x w_out). */
__attribute__((target("avx512f")))
static void cynn_max_pool2x2_plane(const float *x, long w_in, long h_out, long w_out,
                                   float *y, int64_t *indices) {
    for (long oh = 0; oh < h_out; oh++)
        cynn_max_pool2x2_row(x + 2 * oh * w_in, w_in, w_out, y + oh * w_out,
                             indices != NULL ? indices + oh * w_out : NULL, 2 * oh * w_in);
}

#else
static int cynn_pool2x2_supported(void) { return 0; }
static void cynn_max_pool2x2_plane(const float *x, long w_in, long h_out, long w_out,
                                   float *y, int64_t *indices) {}
#endif

#endif
