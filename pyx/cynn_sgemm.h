/* cynn's own float32 GEMM for x86-64 CPUs with AVX-512F.

   C (m, n) = alpha op(A) op(B) + beta C, row-major, one thread. Compiled for
   AVX-512F through function attributes (the build's flags only guarantee SSE2)
   and used only when the CPU reports the feature at run time; otherwise, and
   when CYNN_GEMM=blas, the callers use BLAS.

   Blocking in the usual GotoBLAS/BLIS order: a KC x NC panel of op(B) is packed
   once (it stays in L2), then for each MC x KC block of op(A) the packed
   micro-panels of A (MR x KC, kept in L1) meet every NR-wide micro-panel of B.
   The micro-kernel holds an MR x NR tile of C in 2 * MR zmm registers (NR = 32
   floats = two vectors along C's contiguous rows): per step of k it loads two
   vectors of B, broadcasts MR values of A and issues 2 * MR FMAs.

   Sizes measured on the convolution shapes (AMD EPYC with AVX-512, one
   thread): MR = 8 beats 12 by ~10% when C has 32 or 64 rows (no partly empty
   tiles) and ties elsewhere; KC = 384 is 1-2% ahead of 160 and 256. */
#ifndef CYNN_SGEMM_H
#define CYNN_SGEMM_H

#include <stdlib.h>
#include <string.h>

#define CYNN_SGEMM_MR 8
#define CYNN_SGEMM_NR 32
#define CYNN_SGEMM_KC 384
#define CYNN_SGEMM_MC 192
#define CYNN_SGEMM_NC 512

/* 1: cynn's kernel, 0: BLAS. The owning module (gemm.pyx) points every module
   that includes this header at its own flag, so one switch governs them all. */
static int cynn_gemm_choice_local = 0;
static int *cynn_gemm_choice = &cynn_gemm_choice_local;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CYNN_AVX512 __attribute__((target("avx512f")))

static int cynn_sgemm_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

/* Per-thread packing buffers, allocated on first use and kept for the thread's
   life (OpenMP threads persist): MC x KC of A and KC x NC of B. */
static __thread float *cynn_sgemm_packed_a = NULL;
static __thread float *cynn_sgemm_packed_b = NULL;

static int cynn_sgemm_buffers(void) {
    if (cynn_sgemm_packed_a == NULL)
        cynn_sgemm_packed_a = (float *)aligned_alloc(
            64, sizeof(float) * CYNN_SGEMM_MC * CYNN_SGEMM_KC);
    if (cynn_sgemm_packed_b == NULL)
        cynn_sgemm_packed_b = (float *)aligned_alloc(
            64, sizeof(float) * CYNN_SGEMM_KC * CYNN_SGEMM_NC);
    return cynn_sgemm_packed_a != NULL && cynn_sgemm_packed_b != NULL;
}

/* r[0..15] (16 rows of 16) := its transpose, in registers. */
CYNN_AVX512 static inline void cynn_transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    /* u[4 * q + j]: in 128-bit lane l, column 4 l + j of rows 4 q .. 4 q + 3 */
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

/* Row i of a matrix stored along contiguous rows: b + i * step, or b + rows[i]
   when a table of row offsets is given (the indirect products of convolution,
   whose rows are shifted windows of one padded input). */
static inline const float *cynn_row(const float *b, long step, const long *rows, long i) {
    return rows != NULL ? b + rows[i] : b + i * step;
}

/* A run of consecutive columns j of a gathered B row (b_cols[j + 1] ==
   b_cols[j] + 1): lanes `mask` of a 16-lane vector, loaded from row + shift. */
typedef struct { __mmask16 mask; long shift; } cynn_run;

/* Runs of the 16 (or fewer: count) columns starting at `cols`, into runs[];
   returns how many. */
static inline int cynn_column_runs(const long *cols, long count, cynn_run runs[16]) {
    int n = 0;
    for (long l = 0; l < count;) {
        long e = l + 1;
        while (e < count && cols[e] == cols[e - 1] + 1) e++;
        runs[n].mask = (__mmask16)(((1u << (e - l)) - 1) << l);
        runs[n].shift = cols[l] - l;
        n++;
        l = e;
    }
    return n;
}

/* Gathered row elements row[cols[l]], l < 16, loaded run by run (lanes past
   the runs are zero). */
CYNN_AVX512 static inline __m512 cynn_load_runs(const float *row, const cynn_run *runs,
                                                int n_runs) {
    __m512 v = _mm512_setzero_ps();
    for (int i = 0; i < n_runs; i++) v = _mm512_mask_loadu_ps(v, runs[i].mask, row + runs[i].shift);
    return v;
}

/* r[i] = row(first + i)[q] for q < count (zero beyond), rows i < n_rows (zero
   beyond), then transposed: r[q] holds element q of the rows. With runs, the
   elements are instead gathered from each row by cynn_load_runs. */
CYNN_AVX512 static inline void cynn_load_transposed(const float *b, long step, const long *rows,
                                                    long first, long n_rows, long count,
                                                    const cynn_run *runs, int n_runs,
                                                    __m512 r[16]) {
    __mmask16 mask = count >= 16 ? 0xFFFF : (__mmask16)((1u << count) - 1);
    for (long i = 0; i < 16; i++) {
        const float *row = cynn_row(b, step, rows, first + i);
        r[i] = i >= n_rows ? _mm512_setzero_ps()
             : runs != NULL ? cynn_load_runs(row, runs, n_runs)
                            : _mm512_maskz_loadu_ps(mask, row);
    }
    cynn_transpose16(r);
}

/* op(A)[i, p] = a[i * row_step + p * col_step]; rows [0, mc) and k [0, kc)
   into MR-row micro-panels laid out [p][r], zero rows past mc. */
CYNN_AVX512 static void cynn_sgemm_pack_a(const float *a, long row_step, long col_step,
                                          long mc, long kc, float *dst) {
    for (long i0 = 0; i0 < mc; i0 += CYNN_SGEMM_MR, dst += CYNN_SGEMM_MR * kc) {
        long rows = mc - i0 < CYNN_SGEMM_MR ? mc - i0 : CYNN_SGEMM_MR;
        if (col_step == 1) {
            /* rows contiguous along k: transpose 16 x 16 blocks in registers (rows
               past mc load as zeros) */
            __m512 r[16];
            for (long p0 = 0; p0 < kc; p0 += 16) {
                long count = kc - p0 < 16 ? kc - p0 : 16;
                cynn_load_transposed(a + p0, row_step, NULL, i0, rows, count, NULL, 0, r);
                for (long q = 0; q < count; q++)
                    _mm512_mask_storeu_ps(dst + (p0 + q) * CYNN_SGEMM_MR,
                                          (__mmask16)((1u << CYNN_SGEMM_MR) - 1), r[q]);
            }
        } else if (row_step == 1) {
            /* op(A) = A^T (e.g. the weights in an input gradient): the panel's
               MR values at each p are contiguous, one masked load and store */
            __mmask16 mask = (__mmask16)((1u << rows) - 1);
            const float *src = a + i0;
            for (long p = 0; p < kc; p++)
                _mm512_mask_storeu_ps(dst + p * CYNN_SGEMM_MR,
                                      (__mmask16)((1u << CYNN_SGEMM_MR) - 1),
                                      _mm512_maskz_loadu_ps(mask, src + p * col_step));
        } else {
            for (long p = 0; p < kc; p++) {
                const float *src = a + i0 * row_step + p * col_step;
                for (long r = 0; r < rows; r++) dst[p * CYNN_SGEMM_MR + r] = src[r * row_step];
            }
            for (long r = rows; r < CYNN_SGEMM_MR; r++)
                for (long p = 0; p < kc; p++) dst[p * CYNN_SGEMM_MR + r] = 0.0f;
        }
    }
}

/* op(B)[p, j] = b[p * row_step + j * col_step]; k [0, kc), columns [0, nc)
   into NR-column micro-panels laid out [p][j], zero columns past nc. With a
   row table (col_step or row_step is then 1), the contiguous rows of B are
   b + rows[p] (op(B) = B) or b + rows[j] (op(B) = B^T) instead. With a column
   table too, op(B)[p, j] = b[rows[p] + col_table[j]] (op(B) = B) or
   b[rows[j] + col_table[p]] (op(B) = B^T). */
CYNN_AVX512 static void cynn_sgemm_pack_b(const float *b, long row_step, long col_step,
                                          const long *rows, const long *col_table,
                                          long kc, long nc, float *dst) {
    for (long j0 = 0; j0 < nc; j0 += CYNN_SGEMM_NR, dst += CYNN_SGEMM_NR * kc) {
        long cols = nc - j0 < CYNN_SGEMM_NR ? nc - j0 : CYNN_SGEMM_NR;
        if (col_step == 1 && col_table != NULL) {
            /* each half of the panel is a few runs of consecutive columns (the
               output rows of a convolution): one masked load per run */
            cynn_run runs[2][16];
            int n_runs[2];
            n_runs[0] = cynn_column_runs(col_table + j0, cols < 16 ? cols : 16, runs[0]);
            n_runs[1] = cols > 16 ? cynn_column_runs(col_table + j0 + 16, cols - 16, runs[1]) : 0;
            for (long p = 0; p < kc; p++)
                for (int half = 0; half < 2; half++)
                    _mm512_store_ps(dst + p * CYNN_SGEMM_NR + 16 * half,
                                    cynn_load_runs(b + rows[p], runs[half], n_runs[half]));
        } else if (col_step == 1) {
            __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
            __mmask16 m1 = cols >= 32 ? 0xFFFF
                         : cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1) : 0;
            for (long p = 0; p < kc; p++) {
                const float *src = cynn_row(b, row_step, rows, p) + j0;
                _mm512_store_ps(dst + p * CYNN_SGEMM_NR, _mm512_maskz_loadu_ps(m0, src));
                _mm512_store_ps(dst + p * CYNN_SGEMM_NR + 16,
                                _mm512_maskz_loadu_ps(m1, src + 16));
            }
        } else if (row_step == 1) {
            /* op(B) = B^T (e.g. the patch matrix in a weight gradient): each 16
               columns of the panel are 16 rows of B, transposed in registers;
               with a column table, each row's 16 elements are gathered run by run */
            __m512 r[16];
            cynn_run runs[16];
            for (long p0 = 0; p0 < kc; p0 += 16) {
                long count = kc - p0 < 16 ? kc - p0 : 16;
                int n_runs = col_table != NULL ? cynn_column_runs(col_table + p0, count, runs) : 0;
                for (long half = 0; half < 2; half++) {
                    long n_rows = cols - 16 * half;
                    if (col_table != NULL)
                        cynn_load_transposed(b, col_step, rows, j0 + 16 * half, n_rows, count,
                                             runs, n_runs, r);
                    else
                        cynn_load_transposed(b + p0, col_step, rows, j0 + 16 * half, n_rows,
                                             count, NULL, 0, r);
                    for (long q = 0; q < count; q++)
                        _mm512_store_ps(dst + (p0 + q) * CYNN_SGEMM_NR + 16 * half, r[q]);
                }
            }
        } else {
            for (long j = 0; j < cols; j++) {
                const float *src = b + (j0 + j) * col_step;
                for (long p = 0; p < kc; p++) dst[p * CYNN_SGEMM_NR + j] = src[p * row_step];
            }
            for (long j = cols; j < CYNN_SGEMM_NR; j++)
                for (long p = 0; p < kc; p++) dst[p * CYNN_SGEMM_NR + j] = 0.0f;
        }
    }
}

/* C tile (mr <= MR rows, nr <= 16 * NV columns, row stride ldc) =
   alpha * packed A micro-panel @ packed B micro-panel + beta * C tile
   (+ bias[r] on row r when bias is given). NV = 2
   is the full NR-wide tile; NV = 1 serves a last micro-panel of at most 16
   columns at half the work (e.g. 169 = 5 * 32 + 9 output positions). */
#define CYNN_SGEMM_MICRO(NV)                                                                \
CYNN_AVX512 static inline void cynn_sgemm_micro_##NV(                                     \
        long kc, const float *restrict a, const float *restrict b, float *c, long ldc,       \
        float alpha, float beta, const float *bias, long mr, long nr) {                      \
    __m512 acc[CYNN_SGEMM_MR][NV];                                                           \
    _Pragma("GCC unroll 16")                                                                 \
    for (int r = 0; r < CYNN_SGEMM_MR; r++)                                                  \
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();                        \
    for (long p = 0; p < kc; p++) {                                                          \
        __m512 bv[NV];                                                                       \
        for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(b + 16 * v);                     \
        _Pragma("GCC unroll 16")                                                             \
        for (int r = 0; r < CYNN_SGEMM_MR; r++) {                                            \
            __m512 ar = _mm512_set1_ps(a[r]);                                                \
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]); \
        }                                                                                    \
        a += CYNN_SGEMM_MR;                                                                  \
        b += CYNN_SGEMM_NR;                                                                  \
    }                                                                                        \
    __mmask16 mask[2];                                                                       \
    mask[0] = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);                              \
    mask[1] = nr >= 32 ? 0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;         \
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);                            \
    _Pragma("GCC unroll 16")                                                                 \
    for (int r = 0; r < CYNN_SGEMM_MR; r++) {                                                \
        if (r < mr) {                                                                        \
            float *row = c + r * ldc;                                                        \
            for (int v = 0; v < NV; v++) {                                                   \
                __m512 out = _mm512_mul_ps(acc[r][v], va);                                   \
                if (bias != NULL) out = _mm512_add_ps(out, _mm512_set1_ps(bias[r]));         \
                if (beta != 0.0f)                                                            \
                    out = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], row + 16 * v), \
                                          out);                                              \
                _mm512_mask_storeu_ps(row + 16 * v, mask[v], out);                           \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}
CYNN_SGEMM_MICRO(1)
CYNN_SGEMM_MICRO(2)

/* The blocked product behind cynn_sgemm and cynn_sgemm_indirect: op(B)'s
   contiguous rows are b_rows[i] past b when b_rows is given, and its columns
   b_cols[j] along those rows when b_cols is given too; row_bias[i] is added
   to row i of C when given. */
CYNN_AVX512 static int cynn_sgemm_blocked(long m, long n, long k, float alpha,
                                          const float *a, long a_row, long a_col,
                                          const float *b, long b_row, long b_col,
                                          const long *b_rows, const long *b_cols,
                                          const float *row_bias, float beta, float *c,
                                          long ldc) {
    if (!cynn_sgemm_buffers()) return 0;
    float *pa = cynn_sgemm_packed_a, *pb = cynn_sgemm_packed_b;
    for (long jc = 0; jc < n; jc += CYNN_SGEMM_NC) {
        long nc = n - jc < CYNN_SGEMM_NC ? n - jc : CYNN_SGEMM_NC;
        for (long pc = 0; pc < k; pc += CYNN_SGEMM_KC) {
            long kc = k - pc < CYNN_SGEMM_KC ? k - pc : CYNN_SGEMM_KC;
            float step_beta = pc == 0 ? beta : 1.0f;
            int last = pc + kc == k;
            if (b_rows == NULL)
                cynn_sgemm_pack_b(b + pc * b_row + jc * b_col, b_row, b_col, NULL, NULL, kc, nc,
                                  pb);
            else if (b_col == 1)   /* rows indexed by k */
                cynn_sgemm_pack_b(b_cols != NULL ? b : b + jc, 0, 1, b_rows + pc,
                                  b_cols != NULL ? b_cols + jc : NULL, kc, nc, pb);
            else                   /* rows indexed by the columns of C */
                cynn_sgemm_pack_b(b_cols != NULL ? b : b + pc, 1, 0, b_rows + jc,
                                  b_cols != NULL ? b_cols + pc : NULL, kc, nc, pb);
            for (long ic = 0; ic < m; ic += CYNN_SGEMM_MC) {
                long mc = m - ic < CYNN_SGEMM_MC ? m - ic : CYNN_SGEMM_MC;
                cynn_sgemm_pack_a(a + ic * a_row + pc * a_col, a_row, a_col, mc, kc, pa);
                for (long ir = 0; ir < mc; ir += CYNN_SGEMM_MR) {
                    long mr = mc - ir < CYNN_SGEMM_MR ? mc - ir : CYNN_SGEMM_MR;
                    const float *bias = last && row_bias != NULL ? row_bias + ic + ir : NULL;
                    for (long jr = 0; jr < nc; jr += CYNN_SGEMM_NR) {
                        long nr = nc - jr < CYNN_SGEMM_NR ? nc - jr : CYNN_SGEMM_NR;
                        if (nr > 16)
                            cynn_sgemm_micro_2(kc, pa + ir * kc, pb + jr * kc,
                                               c + (ic + ir) * ldc + jc + jr, ldc,
                                               alpha, step_beta, bias, mr, nr);
                        else
                            cynn_sgemm_micro_1(kc, pa + ir * kc, pb + jr * kc,
                                               c + (ic + ir) * ldc + jc + jr, ldc,
                                               alpha, step_beta, bias, mr, nr);
                    }
                }
            }
        }
    }
    return 1;
}

/* C (m, n) = alpha op(A) op(B) + beta C, row-major. Returns 0 (nothing done)
   when the packing buffers cannot be allocated; the caller then uses BLAS. */
CYNN_AVX512 static int cynn_sgemm(int trans_a, int trans_b, long m, long n, long k,
                                  float alpha, const float *a, long lda,
                                  const float *b, long ldb, float beta, float *c, long ldc) {
    /* op(A)[i, p] and op(B)[p, j] as (row step, column step) */
    return cynn_sgemm_blocked(m, n, k, alpha, a, trans_a ? 1 : lda, trans_a ? lda : 1,
                              b, trans_b ? 1 : ldb, trans_b ? ldb : 1, NULL, NULL, NULL, beta,
                              c, ldc);
}

/* C (m, n) = alpha A op(B) + beta C (+ row_bias[i] on row i when given),
   row-major, with B given as a table of row offsets: op(B)[p, j] =
   b[b_rows[p] + j] when trans_b is 0 (k offsets), and b[b_rows[j] + p] when
   trans_b is 1 (n offsets). A table of offsets along the rows may be given
   too: op(B)[p, j] = b[b_rows[p] + b_cols[j]] (trans_b 0, n entries) or
   b[b_rows[j] + b_cols[p]] (trans_b 1, k entries). The rows may overlap: a
   convolution passes the shifted windows of one padded input, so its patch
   matrix is never written out. Returns 0 when the packing buffers cannot be
   allocated. */
CYNN_AVX512 static int cynn_sgemm_indirect(int trans_b, long m, long n, long k, float alpha,
                                           const float *a, long lda, const float *b,
                                           const long *b_rows, const long *b_cols,
                                           const float *row_bias, float beta, float *c,
                                           long ldc) {
    return cynn_sgemm_blocked(m, n, k, alpha, a, lda, 1, b, trans_b ? 1 : 0, trans_b ? 0 : 1,
                              b_rows, b_cols, row_bias, beta, c, ldc);
}

#else
static int cynn_sgemm_cpu_supported(void) { return 0; }
static int cynn_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                      const float *a, long lda, const float *b, long ldb, float beta,
                      float *c, long ldc) {
    return 0;
}
static int cynn_sgemm_indirect(int trans_b, long m, long n, long k, float alpha,
                               const float *a, long lda, const float *b, const long *b_rows,
                               const long *b_cols, const float *row_bias, float beta, float *c,
                               long ldc) {
    return 0;
}
#endif

#endif
