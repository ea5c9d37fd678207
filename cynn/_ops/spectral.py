"""The short-time Fourier transform and its inverse, for real signals.

cynn has no complex dtype (complex tensors are on the exclusion list), so a spectrum is
a real tensor with a trailing dim of 2, ``(real, imag)``: what torch's ``stft(...,
return_complex=False)`` returns and ``torch.view_as_real`` makes of a complex one.
``istft`` takes that layout where torch takes the complex tensor.

Both are built from differentiable Tensor ops (framing by indexing, the window
product, overlap-add by ``index_add``) around the linear per-frame transforms of
``autograd.functions.spectral``, so gradients reach the signal and the window.
"""
import math
import warnings

import numpy as np

from .._creation import cat
from .._tensor import Tensor
from ..autograd.functions import spectral as F
from ._checks import check_tensor

__all__ = ["stft", "istft"]
METHODS = ["stft", "istft"]
INPLACE = []

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _window(window, win_length, n_fft, dtype, fn):
    """The window zero-padded (centered) to ``n_fft``; a rectangular one by default."""
    if window is None:
        w = Tensor._wrap(np.ones(win_length, dtype))
    else:
        if window.dim() != 1 or window.shape[0] != win_length:
            raise RuntimeError(f"{fn}: expected a 1D window tensor of size equal to "
                               f"win_length={win_length}, but got window with size "
                               f"{list(window.shape)}")
        w = window
    left = (n_fft - win_length) // 2
    if left or win_length != n_fft:
        zeros = Tensor._wrap(np.zeros(left, w._data.dtype))
        tail = Tensor._wrap(np.zeros(n_fft - win_length - left, w._data.dtype))
        w = cat([zeros, w, tail], 0)
    return w


def _pad_index(length, pad, mode):
    """Indices of the padded signal's samples in the original one (reflect, replicate,
    circular); the constant mode pads by concatenation instead."""
    positions = np.arange(-pad, length + pad)
    if mode == "reflect":
        positions = np.abs(positions)
        positions = np.where(positions > length - 1, 2 * (length - 1) - positions, positions)
    elif mode == "replicate":
        positions = np.clip(positions, 0, length - 1)
    else:
        positions = positions % length
    return positions


def _pad_signal(x, pad, mode):
    length = x.shape[-1]
    if mode == "constant":
        zeros = Tensor._wrap(np.zeros(x.shape[:-1] + (pad,), x._data.dtype))
        return cat([zeros, x, zeros], -1)
    if mode == "reflect" and pad >= length:
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({pad}, {pad}) at dimension "
                           f"{x.dim()} of input [{', '.join(map(str, (1,) + tuple(x.shape)))}]")
    return x[..., Tensor._wrap(_pad_index(length, pad, mode))]


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,  # noqa: A002
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    r"""The short-time Fourier transform of a real signal.

    Frame ``m`` of the (padded) signal starts at ``m * hop_length``, is multiplied by
    ``window`` (zero-padded to ``n_fft``, centred) and Fourier-transformed:
    ``X[ω, m] = Σ_k window[k] · input[m · hop_length + k] · exp(-2πi ω k / n_fft)``.

    Args:
        input: ``(L,)`` or ``(B, L)`` real signal.
        n_fft (int): frame and transform size.
        hop_length (int): distance between frames. Default: ``n_fft // 4``.
        win_length (int): window size, ``<= n_fft``. Default: ``n_fft``.
        window (Tensor, optional): ``(win_length,)``. Default: all ones (warns, as torch).
        center (bool): pad ``n_fft // 2`` samples on both sides with ``pad_mode``
            (``"reflect"``, ``"constant"``, ``"replicate"``, ``"circular"``) so that frame
            ``m`` is centred on sample ``m * hop_length``. Default: True.
        normalized (bool): multiply by ``n_fft ** -0.5``. Default: False.
        onesided (bool): keep the ``n_fft // 2 + 1`` non-negative frequencies. Default: True.
        return_complex (bool): must be given for a real input, as in torch; cynn has no
            complex dtype, so only ``False`` (torch's deprecated real layout) is supported.
        align_to_window (bool): with ``center=False``, frames start where the window
            starts rather than where the ``n_fft`` frame starts.

    Shape: output ``(B?, n_freq, n_frames, 2)`` (real, imag) with ``n_freq = n_fft // 2 + 1``
    (onesided) or ``n_fft``, and ``n_frames = 1 + (L_padded - n_fft) // hop_length``.
    Differentiable in ``input`` and ``window``.

    Example::

        >>> x = cynn.randn(64)
        >>> cynn.stft(x, 16, window=cynn.hann_window(16), return_complex=False).shape
        cynn.Size([9, 17, 2])
    """
    check_tensor("stft", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"stft: expected a tensor of floating point or complex values, got "
                           f"{input.dtype}")
    if return_complex is None:
        raise RuntimeError("stft requires the return_complex parameter be given for real "
                           "inputs, and will further require that return_complex=True in a "
                           "future PyTorch release.")
    if return_complex:
        raise NotImplementedError("stft(return_complex=True): cynn has no complex dtype; use "
                                  "return_complex=False for the (..., 2) real/imaginary layout")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, got {input.dim()}D")
    if align_to_window is not None and center:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is "
                      "known to cause spectral leakage. Other windows such as torch.hann_window "
                      "or torch.hamming_window are recommended to reduce spectral leakage.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, "
                  "stft will return complex tensors for all inputs, and return_complex=False "
                  "will raise an error.\nNote: you can still call torch.view_as_real on the "
                  "complex output to recover the old return format.", UserWarning, stacklevel=2)
    batched = input.dim() == 2
    x = input if batched else input.unsqueeze(0)
    if center:
        if pad_mode not in _PAD_MODES:
            raise NotImplementedError(f"stft: pad_mode '{pad_mode}' is not one of "
                                      f"{', '.join(_PAD_MODES)}")
        x = _pad_signal(x, n_fft // 2, pad_mode)
    length = x.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win}")
    w = _window(window, win, n_fft, x._data.dtype, "stft")
    if align_to_window:
        # the window, not the n_fft frame, starts at m * hop: pad so its zeros fall outside
        left = (n_fft - win) // 2
        zeros_l = Tensor._wrap(np.zeros(x.shape[:-1] + (left,), x._data.dtype))
        zeros_r = Tensor._wrap(np.zeros(x.shape[:-1] + (n_fft - win - left,), x._data.dtype))
        frames_count = 1 + (length - win) // hop
        x = cat([zeros_l, x, zeros_r], -1)
    else:
        frames_count = 1 + (length - n_fft) // hop
    index = np.arange(frames_count)[:, None] * hop + np.arange(n_fft)[None, :]
    frames = x[:, Tensor._wrap(index)] * w                    # (B, n_frames, n_fft)
    spectrum = F.FrameDFT.apply(frames, True if onesided is None else bool(onesided))
    if normalized:
        spectrum = spectrum * (1.0 / math.sqrt(n_fft))
    out = spectrum.transpose(1, 2)                            # (B, n_freq, n_frames, 2)
    return out if batched else out.squeeze(0)


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,  # noqa: A002
          normalized=False, onesided=None, length=None, return_complex=False):
    r"""The inverse of ``stft``: the least-squares signal whose STFT is ``input``
    (windowed inverse transforms overlap-added and divided by the summed squared window).

    Args:
        input: ``(B?, n_freq, n_frames, 2)``, the (real, imag) layout ``stft(...,
            return_complex=False)`` returns (torch takes the complex tensor instead).
        n_fft, hop_length, win_length, window, center, normalized, onesided: as given to
            ``stft``. ``window`` defaults to all ones (warns, as torch).
        length (int, optional): trim or zero-pad the output to this many samples.
        return_complex (bool): must be False (cynn has no complex dtype).

    Shape: output ``(B?, L)`` with ``L = length`` or ``n_fft + hop_length * (n_frames - 1)``
    less ``2 * (n_fft // 2)`` when ``center``. Differentiable in ``input`` and ``window``.
    Raises RuntimeError where the window overlap-add is zero (the NOLA condition fails).
    """
    check_tensor("istft", input)
    if return_complex:
        raise NotImplementedError("istft(return_complex=True): cynn has no complex dtype")
    if input.dim() not in (3, 4) or input.shape[-1] != 2 or \
            not input.dtype.is_floating_point:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True; cynn has no complex dtype and "
                           "takes stft(..., return_complex=False)'s (..., 2) real layout.")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please "
                      "provide the same window used by stft to make the inversion lossless.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    one = True if onesided is None else bool(onesided)
    batched = input.dim() == 4
    X = input if batched else input.unsqueeze(0)
    n_freq, n_frames = X.shape[1], X.shape[2]
    if hop <= 0 or hop > win:
        raise RuntimeError(f"istft(...): expected 0 < hop_length <= win_length, but got "
                           f"hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(f"istft(...): expected 0 < win_length <= n_fft, but got "
                           f"win_length={win}")
    expected_freq = n_fft // 2 + 1 if one else n_fft
    if n_freq != expected_freq:
        which = "n_fft / 2 + 1 when onesided=True" if one else "n_fft when onesided=False"
        raise RuntimeError(f"istft(...): expected the frequency dimension (3rd to the last) of "
                           f"the input tensor to match {which}, but got {n_freq}")
    w = _window(window, win, n_fft, X._data.dtype, "istft")
    if normalized:
        X = X * math.sqrt(n_fft)
    if not one:
        # a real output assumes a Hermitian spectrum: torch inverts its non-negative half
        X = X[:, :n_fft // 2 + 1]
    frames = F.FrameIDFT.apply(X.transpose(1, 2), n_fft) * w   # (B, n_frames, n_fft)
    total = n_fft + hop * (n_frames - 1)
    positions = Tensor._wrap((np.arange(n_frames)[:, None] * hop
                              + np.arange(n_fft)[None, :]).reshape(-1))
    batch = X.shape[0]
    y = Tensor._wrap(np.zeros((batch, total), frames._data.dtype)).index_add(
        1, positions, frames.reshape(batch, n_frames * n_fft))
    envelope = Tensor._wrap(np.zeros(total, frames._data.dtype)).index_add(
        0, positions, (w * w).expand(n_frames, n_fft).reshape(-1))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - n_fft // 2 if center else total
    y, envelope = y[:, start:min(end, total)], envelope[start:min(end, total)]
    if envelope.numel() and float(np.abs(envelope._data).min()) < 1e-11:
        raise RuntimeError("istft(...): window overlap add min: "
                           f"{float(np.abs(envelope._data).min()):g}")
    y = y / envelope
    if end > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.", UserWarning, stacklevel=2)
        y = cat([y, Tensor._wrap(np.zeros((batch, end - total), y._data.dtype))], 1)
    return y if batched else y.squeeze(0)

