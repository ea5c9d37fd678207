"""Pointwise parts of one recurrent step (LSTM, GRU, Elman RNN), forward and backward.

The matrix products of a step (``x W_ih^T`` for the whole sequence, ``h W_hh^T`` per
step) run on ``gemm.pyx``; what is left per step is elementwise over the ``n`` rows
of the batch still running and the hidden units, and happens here in one pass, so
each gate value is read from memory once.

Forward kernels overwrite the gate pre-activations with the activations: backward
needs exactly those (sigma' = s (1 - s), tanh' = 1 - t^2), so no second buffer is
kept. Every output element depends on its own row and unit only, so splitting rows
over threads never changes a bit.

Gate layouts follow PyTorch's weight layouts: LSTM ``[i | f | g | o]``, GRU
``[r | z | n]``, each block ``H`` wide. Sizes are checked here (O(1)); everything
else was validated by ``cynn/autograd/functions/rnn.py``.
"""
from cython.parallel cimport prange
from libc.math cimport exp, tanh
from fused cimport floating

# float32 rows run through these C loops: written so that GCC vectorises them at -O3
# with the baseline instruction set (no libm call in the loop, the ternaries become
# masks), which makes the gates 3-4x cheaper than one expf/tanhf call per value.
# expf: Cephes' range reduction x = n ln2 + r, |r| <= ln2 / 2, a degree-6 polynomial,
# 2^n from the exponent bits (1-2 ulp). tanhf: Cephes' odd polynomial below |x| = 0.625,
# where 1 - 2 / (e^2x + 1) would cancel; that formula above. float64 keeps libm.
# GCC turns the ternaries into masks only without trapping math: an ordered comparison
# with a NaN may raise FE_INVALID, which cynn never reads; the push/pop keeps the option
# to these functions.
cdef extern from *:
    """
    #include <string.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC push_options
    #pragma GCC optimize ("no-trapping-math")
    #endif
    static inline float cynn_rnn_expf(float x) {
        float n, r, p, scale;
        int bits;
        int nan = x != x;
        x = x > 88.0f ? 88.0f : x;    /* 2^n stays finite */
        x = x < -87.3365447504f ? -87.3365447504f : x;
        /* round to nearest without rintf (SSE4.1): add and subtract 1.5 * 2^23 */
        n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
        r = x - n * 0.693359375f + n * 2.12194440e-4f;
        p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * r * r + r + 1.0f;
        bits = ((int)n + 127) << 23;
        memcpy(&scale, &bits, sizeof scale);
        p = p * scale;
        return nan ? x : p;
    }
    static inline float cynn_rnn_sigmoidf(float x) {
        return 1.0f / (1.0f + cynn_rnn_expf(-x));
    }
    static inline float cynn_rnn_tanhf(float x) {
        float z = x * x;
        float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z
                         - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z
                       - 3.33332819422e-1f) * z * x + x;
        float large = 1.0f - 2.0f / (cynn_rnn_expf(2.0f * x) + 1.0f);
        return (x < 0.625f && x > -0.625f) ? small : large;
    }
    static void cynn_lstm_row_forward(float *restrict g, const float *restrict c_prev,
                                      float *restrict c, float *restrict h, Py_ssize_t H) {
        Py_ssize_t j;
        for (j = 0; j < H; j++) {
            float i = cynn_rnn_sigmoidf(g[j]);
            float f = cynn_rnn_sigmoidf(g[H + j]);
            float gg = cynn_rnn_tanhf(g[2 * H + j]);
            float o = cynn_rnn_sigmoidf(g[3 * H + j]);
            float cn = f * c_prev[j] + i * gg;
            g[j] = i;
            g[H + j] = f;
            g[2 * H + j] = gg;
            g[3 * H + j] = o;
            c[j] = cn;
            h[j] = o * cynn_rnn_tanhf(cn);
        }
    }
    static void cynn_lstm_row_backward(const float *restrict g, const float *restrict c_prev,
                                       const float *restrict c, const float *restrict gh,
                                       float *restrict gc, float *restrict gg, Py_ssize_t H) {
        Py_ssize_t j;
        for (j = 0; j < H; j++) {
            float i = g[j], f = g[H + j], cand = g[2 * H + j], o = g[3 * H + j];
            float tc = cynn_rnn_tanhf(c[j]);
            float dc = gc[j] + gh[j] * o * (1.0f - tc * tc);
            gg[j] = dc * cand * i * (1.0f - i);
            gg[H + j] = dc * c_prev[j] * f * (1.0f - f);
            gg[2 * H + j] = dc * i * (1.0f - cand * cand);
            gg[3 * H + j] = gh[j] * tc * o * (1.0f - o);
            gc[j] = dc * f;
        }
    }
    static void cynn_gru_row_forward(float *restrict gi, const float *restrict gh,
                                     const float *restrict h_prev, float *restrict h,
                                     Py_ssize_t H) {
        Py_ssize_t j;
        for (j = 0; j < H; j++) {
            float r = cynn_rnn_sigmoidf(gi[j] + gh[j]);
            float z = cynn_rnn_sigmoidf(gi[H + j] + gh[H + j]);
            float n = cynn_rnn_tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
            gi[j] = r;
            gi[H + j] = z;
            gi[2 * H + j] = n;
            h[j] = (1.0f - z) * n + z * h_prev[j];
        }
    }
    static void cynn_tanh_row(float *restrict x, Py_ssize_t H) {
        Py_ssize_t j;
        for (j = 0; j < H; j++)
            x[j] = cynn_rnn_tanhf(x[j]);
    }
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC pop_options
    #endif
    """
    float cynn_rnn_expf(float x) noexcept nogil
    float cynn_rnn_tanhf(float x) noexcept nogil
    void cynn_lstm_row_forward(float *g, const float *c_prev, float *c, float *h,
                               Py_ssize_t H) noexcept nogil
    void cynn_lstm_row_backward(const float *g, const float *c_prev, const float *c,
                                const float *gh, float *gc, float *gg,
                                Py_ssize_t H) noexcept nogil
    void cynn_gru_row_forward(float *gi, const float *gh, const float *h_prev, float *h,
                              Py_ssize_t H) noexcept nogil
    void cynn_tanh_row(float *x, Py_ssize_t H) noexcept nogil

# Below this many hidden units of work a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 14


cdef inline int _threads_for(Py_ssize_t work, int n_threads) noexcept nogil:
    return n_threads if work >= PARALLEL_MIN_WORK else 1


cdef inline floating _sigmoid(floating x) noexcept nogil:
    if floating is float:
        return 1 / (1 + cynn_rnn_expf(-x))
    else:
        return 1 / (1 + exp(-x))


cdef inline floating _tanh(floating x) noexcept nogil:
    if floating is float:
        return cynn_rnn_tanhf(x)
    else:
        return tanh(x)


def _check(name, bint ok):
    if not ok:
        raise ValueError(f"{name}: inconsistent array sizes")


def lstm_cell_forward(floating[:, ::1] gates,          # IN/OUT (n, 4H) pre-activations in, i f g o out
                      const floating[:, ::1] c_prev,   # IN  (n, H)
                      floating[:, ::1] c,              # OUT (n, H) f c_prev + i g
                      floating[:, ::1] h,              # OUT (n, H) o tanh(c)
                      int n_threads):
    """One LSTM step after the products: gates, new cell state, new hidden state."""
    cdef Py_ssize_t b, j, n = gates.shape[0], H = c.shape[1]
    cdef floating i, f, g, o, cn
    _check("lstm_cell_forward", gates.shape[1] == 4 * H and c_prev.shape[0] == n
           and c_prev.shape[1] == H and c.shape[0] == n and h.shape[0] == n and h.shape[1] == H)
    if H == 0:
        return
    for b in prange(n, nogil=True, schedule="static",
                    num_threads=_threads_for(n * H, n_threads)):
        if floating is float:
            cynn_lstm_row_forward(&gates[b, 0], &c_prev[b, 0], &c[b, 0], &h[b, 0], H)
        else:
            for j in range(H):
                i = _sigmoid(gates[b, j])
                f = _sigmoid(gates[b, H + j])
                g = _tanh(gates[b, 2 * H + j])
                o = _sigmoid(gates[b, 3 * H + j])
                gates[b, j] = i
                gates[b, H + j] = f
                gates[b, 2 * H + j] = g
                gates[b, 3 * H + j] = o
                cn = f * c_prev[b, j] + i * g
                c[b, j] = cn
                h[b, j] = o * _tanh(cn)


def lstm_cell_backward(const floating[:, ::1] gates,    # IN  (n, 4H) activations i f g o
                       const floating[:, ::1] c_prev,   # IN  (n, H)
                       const floating[:, ::1] c,        # IN  (n, H)
                       const floating[:, ::1] gh,       # IN  (n, H) dL/dh of this step
                       floating[:, ::1] gc,             # IN/OUT (n, H) dL/dc in, dL/dc_prev out
                       floating[:, ::1] ggates,         # OUT (n, 4H) dL/d(pre-activations)
                       int n_threads):
    """Backward of ``lstm_cell_forward``:
    dc = gc + gh o (1 - tanh(c)^2); d_pre_i = dc g i (1 - i); d_pre_f = dc c_prev f (1 - f);
    d_pre_g = dc i (1 - g^2); d_pre_o = gh tanh(c) o (1 - o); dc_prev = dc f."""
    cdef Py_ssize_t b, j, n = gates.shape[0], H = c.shape[1]
    cdef floating i, f, g, o, tc, dc
    _check("lstm_cell_backward", gates.shape[1] == 4 * H and c_prev.shape[0] == n
           and c_prev.shape[1] == H and c.shape[0] == n and gh.shape[0] == n
           and gh.shape[1] == H and gc.shape[0] == n and gc.shape[1] == H
           and ggates.shape[0] == n and ggates.shape[1] == 4 * H)
    if H == 0:
        return
    for b in prange(n, nogil=True, schedule="static",
                    num_threads=_threads_for(n * H, n_threads)):
        if floating is float:
            cynn_lstm_row_backward(&gates[b, 0], &c_prev[b, 0], &c[b, 0], &gh[b, 0],
                                   &gc[b, 0], &ggates[b, 0], H)
        else:
            for j in range(H):
                i = gates[b, j]
                f = gates[b, H + j]
                g = gates[b, 2 * H + j]
                o = gates[b, 3 * H + j]
                tc = _tanh(c[b, j])
                dc = gc[b, j] + gh[b, j] * o * (1 - tc * tc)
                ggates[b, j] = dc * g * i * (1 - i)
                ggates[b, H + j] = dc * c_prev[b, j] * f * (1 - f)
                ggates[b, 2 * H + j] = dc * i * (1 - g * g)
                ggates[b, 3 * H + j] = gh[b, j] * tc * o * (1 - o)
                gc[b, j] = dc * f


def gru_cell_forward(floating[:, ::1] gi,               # IN/OUT (n, 3H) x W_ih^T + b_ih in, r z n out
                     const floating[:, ::1] gh,         # IN  (n, 3H) h_prev W_hh^T + b_hh
                     const floating[:, ::1] h_prev,     # IN  (n, H)
                     floating[:, ::1] h,                # OUT (n, H)
                     int n_threads):
    """One GRU step after the products: r = s(gi_r + gh_r), z = s(gi_z + gh_z),
    n = tanh(gi_n + r gh_n), h = (1 - z) n + z h_prev."""
    cdef Py_ssize_t b, j, rows = gi.shape[0], H = h.shape[1]
    cdef floating r, z, nn
    _check("gru_cell_forward", gi.shape[1] == 3 * H and gh.shape[0] == rows
           and gh.shape[1] == 3 * H and h_prev.shape[0] == rows and h_prev.shape[1] == H
           and h.shape[0] == rows)
    if H == 0:
        return
    for b in prange(rows, nogil=True, schedule="static",
                    num_threads=_threads_for(rows * H, n_threads)):
        if floating is float:
            cynn_gru_row_forward(&gi[b, 0], &gh[b, 0], &h_prev[b, 0], &h[b, 0], H)
        else:
            for j in range(H):
                r = _sigmoid(gi[b, j] + gh[b, j])
                z = _sigmoid(gi[b, H + j] + gh[b, H + j])
                nn = _tanh(gi[b, 2 * H + j] + r * gh[b, 2 * H + j])
                gi[b, j] = r
                gi[b, H + j] = z
                gi[b, 2 * H + j] = nn
                h[b, j] = (1 - z) * nn + z * h_prev[b, j]


def gru_cell_backward(const floating[:, ::1] gates,     # IN  (n, 3H) activations r z n
                      const floating[:, ::1] gh,        # IN  (n, 3H) forward's h_prev W_hh^T + b_hh
                      const floating[:, ::1] h_prev,    # IN  (n, H)
                      const floating[:, ::1] dh,        # IN  (n, H) dL/dh of this step
                      floating[:, ::1] dgi,             # OUT (n, 3H) dL/d(x W_ih^T + b_ih)
                      floating[:, ::1] dgh,             # OUT (n, 3H) dL/d(h_prev W_hh^T + b_hh)
                      floating[:, ::1] dh_prev,         # OUT (n, H) the direct term dh z
                      int n_threads):
    """Backward of ``gru_cell_forward``. With dn = dh (1 - z) (1 - n^2): the input
    side gets [dr, dz, dn], the hidden side [dr, dz, dn r] where dr = dn gh_n r (1 - r),
    dz = dh (h_prev - n) z (1 - z); h_prev also gets dh z directly."""
    cdef Py_ssize_t b, j, rows = gates.shape[0], H = h_prev.shape[1]
    cdef floating r, z, nn, dn, dr, dz, g
    _check("gru_cell_backward", gates.shape[1] == 3 * H and gh.shape[0] == rows
           and gh.shape[1] == 3 * H and h_prev.shape[0] == rows and dh.shape[0] == rows
           and dh.shape[1] == H and dgi.shape[0] == rows and dgi.shape[1] == 3 * H
           and dgh.shape[0] == rows and dgh.shape[1] == 3 * H and dh_prev.shape[0] == rows
           and dh_prev.shape[1] == H)
    for b in prange(rows, nogil=True, schedule="static",
                    num_threads=_threads_for(rows * H, n_threads)):
        for j in range(H):
            r = gates[b, j]
            z = gates[b, H + j]
            nn = gates[b, 2 * H + j]
            g = dh[b, j]
            dn = g * (1 - z) * (1 - nn * nn)
            dr = dn * gh[b, 2 * H + j] * r * (1 - r)
            dz = g * (h_prev[b, j] - nn) * z * (1 - z)
            dgi[b, j] = dr
            dgi[b, H + j] = dz
            dgi[b, 2 * H + j] = dn
            dgh[b, j] = dr
            dgh[b, H + j] = dz
            dgh[b, 2 * H + j] = dn * r
            dh_prev[b, j] = g * z


def rnn_cell_forward(floating[:, ::1] gates,            # IN/OUT (n, H) pre-activation in, h out
                     bint relu,                         # IN  relu, else tanh
                     int n_threads):
    """One Elman step after the products: h = tanh(pre) or relu(pre)."""
    cdef Py_ssize_t b, j, n = gates.shape[0], H = gates.shape[1]
    cdef floating v
    if H == 0:
        return
    for b in prange(n, nogil=True, schedule="static",
                    num_threads=_threads_for(n * H, n_threads)):
        if floating is float and not relu:
            cynn_tanh_row(&gates[b, 0], H)
        else:
            for j in range(H):
                v = gates[b, j]
                if relu:
                    gates[b, j] = v if v > 0 else 0
                else:
                    gates[b, j] = _tanh(v)


def rnn_cell_backward(const floating[:, ::1] h,         # IN  (n, H) forward's output
                      const floating[:, ::1] dh,        # IN  (n, H) dL/dh
                      floating[:, ::1] dpre,            # OUT (n, H) dL/d(pre-activation)
                      bint relu,
                      int n_threads):
    """Backward of ``rnn_cell_forward``, from the output alone: tanh' = 1 - h^2, relu' = [h > 0]."""
    cdef Py_ssize_t b, j, n = h.shape[0], H = h.shape[1]
    cdef floating v
    _check("rnn_cell_backward", dh.shape[0] == n and dh.shape[1] == H and dpre.shape[0] == n
           and dpre.shape[1] == H)
    for b in prange(n, nogil=True, schedule="static",
                    num_threads=_threads_for(n * H, n_threads)):
        for j in range(H):
            v = h[b, j]
            if relu:
                dpre[b, j] = dh[b, j] if v > 0 else 0
            else:
                dpre[b, j] = dh[b, j] * (1 - v * v)
