"""Parametrizations built on :mod:`parametrize`, as ``torch.nn.utils.parametrizations``:
``weight_norm`` (``original0`` the magnitude g, ``original1`` the direction v),
``spectral_norm`` (power iteration on buffers ``_u``/``_v``) and ``orthogonal``."""
from ... import _creation
from ... import _functions as _fn
from ...autograd import grad_mode
from .. import functional as F
from ..modules.module import Module
from . import parametrize
from .weight_norm import norm_except_dim

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """``module.<name> = g * v / ||v||`` with the norm over every dim but ``dim``;
    ``g`` and ``v`` are ``parametrizations.<name>.original0`` / ``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._reshape_weight_to_matrix(weight)
            h, w = matrix.shape
            u = F.normalize(_creation.randn(h, dtype=weight.dtype), dim=0, eps=self.eps)
            v = F.normalize(_creation.randn(w, dtype=weight.dtype), dim=0, eps=self.eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(matrix, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.flatten(1)

    def _power_method(self, matrix, n_power_iterations):
        with grad_mode.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(_fn.matmul(matrix, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(_fn.matmul(matrix.t(), self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        matrix = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(matrix.detach(), self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = _fn.dot(u, _fn.matmul(matrix, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value, estimated by power
    iteration (one step per training forward) on the buffers
    ``parametrizations.<name>.0._u`` and ``._v``. ``dim`` defaults to 1 for transposed
    convolutions and 0 otherwise."""
    weight = getattr(module, name, None)
    if weight is None:
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        transposed = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
        dim = 1 if type(module).__name__ in transposed else 0
    parametrize.register_parametrization(module, name,
                                         _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _Orthogonal(Module):
    """Q from the Cayley map of the skew-symmetric part of the original's lower
    triangle (``orthogonal_map='cayley'``), or from a QR factorisation of the original
    (``'householder'``-like: Q of the original, signs fixed by R's diagonal)."""

    def __init__(self, weight, orthogonal_map):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map

    def forward(self, X):
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.transpose(-2, -1)
            n, k = k, n
        if self.orthogonal_map == "cayley":
            from ... import linalg
            A = X.tril()
            A = A - A.transpose(-2, -1)
            eye = _creation.eye(n, dtype=X.dtype)
            Q = linalg.solve(eye + A / 2, eye - A / 2)
            Q = Q[..., :k]
        else:
            Q = _qr_q(X)
        return Q.transpose(-2, -1) if transposed else Q

    def right_inverse(self, Q):
        return Q


def _qr_q(X):
    """Q of X = QR by modified Gram-Schmidt in differentiable ops (columns of X)."""
    columns = []
    for j in range(X.shape[-1]):
        v = X[..., :, j]
        for q in columns:
            v = v - (q * v).sum(-1, keepdim=True) * q
        columns.append(v / v.norm(2, dim=-1, keepdim=True))
    return _creation.stack(columns, -1)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Keep ``module.<name>`` orthogonal (orthonormal columns, or rows when it is
    wide). Maps: ``"cayley"`` (square-friendly, the default for square weights here)
    and ``"householder"`` (Gram-Schmidt QR of the original); torch's ``"matrix_exp"``
    is not available in cynn."""
    weight = getattr(module, name, None)
    if weight is None or weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{0 if weight is None else weight.dim()} dimensions.")
    n, k = weight.shape[-2:]
    if orthogonal_map is None:
        orthogonal_map = "cayley" if n == k else "householder"
    if orthogonal_map not in ("cayley", "householder"):
        raise ValueError(f"orthogonal_map has to be one of \"cayley\" or \"householder\" in "
                         f"cynn. Got: {orthogonal_map}")
    parametrize.register_parametrization(module, name, _Orthogonal(weight, orthogonal_map),
                                         unsafe=True)
    return module
