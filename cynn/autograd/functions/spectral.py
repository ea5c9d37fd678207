"""The discrete Fourier transforms of real frames that ``stft``/``istft`` are built on,
with complex spectra stored as a trailing pair ``(real, imag)`` (torch's
``view_as_real`` layout: cynn has no complex dtype).

Both ops are linear, so each backward is the adjoint map (and, through
``linear_grad_graph``, every higher derivative is exact). With ``θ = 2π k n / N``:

  FrameDFT:   R_k = Σ_n x_n cos θ,  I_k = -Σ_n x_n sin θ           (k < K: K = N//2+1
              one-sided, N two-sided; numpy's rfft/fft)
              adjoint: gx_n = Σ_k gR_k cos θ - gI_k sin θ = N · Re(ifft(gR + i gI))_n,
              the spectrum zero above K.
  FrameIDFT:  y_n = (1/N) Σ_k c_k (R_k cos θ - I_k sin θ)          (numpy's irfft of the
              N//2+1 non-negative bins: c_k = 2 except for the DC and Nyquist bins, 1)
              adjoint: gR_k = (c_k/N) Re(fft(gy))_k, gI_k = (c_k/N) Im(fft(gy))_k.
"""
import numpy as np

from ..function import Function

__all__ = ["FrameDFT", "FrameIDFT"]


def _pair(spectrum, dtype):
    return np.stack([spectrum.real, spectrum.imag], axis=-1).astype(dtype)


class FrameDFT(Function):
    """``(..., N)`` real frames -> ``(..., K, 2)`` spectra."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, onesided):
        ctx.n, ctx.onesided = x.shape[-1], onesided
        wide = x.astype(np.float64)
        return _pair(np.fft.rfft(wide) if onesided else np.fft.fft(wide), x.dtype)

    @staticmethod
    def backward(ctx, g):
        g = np.asarray(g, dtype=np.float64)
        n = ctx.n
        full = np.zeros(g.shape[:-2] + (n,), np.complex128)
        full[..., :g.shape[-2]] = g[..., 0] + 1j * g[..., 1]
        return (n * np.fft.ifft(full).real).astype(g.dtype), None


class FrameIDFT(Function):
    """``(..., N//2+1, 2)`` one-sided spectra -> ``(..., N)`` real frames (``n_fft = N``)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, X, n_fft):
        ctx.n, ctx.bins = n_fft, X.shape[-2]
        spectrum = X[..., 0].astype(np.float64) + 1j * X[..., 1].astype(np.float64)
        return np.fft.irfft(spectrum, n=n_fft).astype(X.dtype)

    @staticmethod
    def backward(ctx, g):
        n, bins = ctx.n, ctx.bins
        spectrum = np.fft.fft(np.asarray(g, dtype=np.float64))[..., :bins]
        weight = np.full(bins, 2.0 / n)
        weight[0] = 1.0 / n
        if n % 2 == 0 and bins > n // 2:
            weight[n // 2] = 1.0 / n
        gX = np.stack([spectrum.real * weight, spectrum.imag * weight], axis=-1)
        return gX.astype(np.asarray(g).dtype), None


def _attach():
    from ..recorded_formulas import linear_grad_graph
    FrameDFT.grad_graph = staticmethod(linear_grad_graph)
    FrameIDFT.grad_graph = staticmethod(linear_grad_graph)


_attach()
