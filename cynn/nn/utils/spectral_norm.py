r"""Spectral normalisation through a forward pre-hook (mirrors
``torch.nn.utils.spectral_norm``), from https://arxiv.org/abs/1802.05957.

The weight is divided by its largest singular value, estimated by power iteration on
two buffers ``<name>_u`` and ``<name>_v`` that carry over from one forward to the next.
"""
from ... import _creation, _functions as _fn
from ... import autograd
from .. import functional as F
from ..parameter import Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]

_TRANSPOSED_CONVOLUTIONS = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma``;
    :func:`spectral_norm` installs it."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        """``weight`` as a matrix of ``size(dim)`` rows (dim moved to the front)."""
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.dim()) if d != self.dim]
            weight = weight.permute(*order)
        return weight.reshape(weight.size(0), -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        matrix = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with autograd.no_grad():
                for _ in range(self.n_power_iterations):
                    # written into the buffers: they are the estimate the next call starts from
                    v.copy_(F.normalize(_fn.matmul(matrix.t(), u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(_fn.matmul(matrix, v), dim=0, eps=self.eps))
                # copies, so that the next forward's update of the buffers does not change
                # what this forward's backward reads
                u = u.clone()
                v = v.clone()
        sigma = _fn.dot(u, _fn.matmul(matrix, v))
        return weight / sigma

    def remove(self, module):
        with autograd.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        del module._parameters[self.name + "_orig"]
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError("Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        with autograd.no_grad():
            matrix = fn.reshape_weight_to_matrix(weight)
            rows, columns = matrix.size()
            # random unit vectors to start the power iteration from
            u = F.normalize(_creation.randn(rows, dtype=weight.dtype), dim=0, eps=fn.eps)
            v = F.normalize(_creation.randn(columns, dtype=weight.dtype), dim=0, eps=fn.eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        # a plain attribute until the first forward replaces it by weight_orig / sigma
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    r"""Divide ``module.<name>`` by its spectral norm (largest singular value) before
    every forward.

    ``sigma`` is estimated by ``n_power_iterations`` steps of power iteration per forward
    in training mode (none in eval mode), on the weight seen as a matrix of
    ``size(dim)`` rows. The parameter ``name`` becomes ``<name>_orig``; the buffers
    ``<name>_u`` (``size(dim)``) and ``<name>_v`` (the product of the other sizes) hold
    the singular-vector estimates between calls.

    Args:
        module (Module): the module holding the parameter.
        name (str): the parameter's name. Default: ``"weight"``.
        n_power_iterations (int): power-iteration steps per training forward. Default: 1.
        eps (float): added to norms so that no division is by zero. Default: 1e-12.
        dim (int, optional): the output dimension; default 0, or 1 for the transposed
            convolutions (their weight is ``(in, out, ...)``).

    Returns:
        The module, with the hook installed.

    Example::

        >>> m = cynn.nn.utils.spectral_norm(cynn.nn.Linear(20, 40))
        >>> m.weight_u.size()
        cynn.Size([40])
    """
    if dim is None:
        dim = 1 if type(module).__name__ in _TRANSPOSED_CONVOLUTIONS else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo :func:`spectral_norm`: ``module.<name>`` is a Parameter again, holding the
    current normalised weight (no further power iteration).

    Raises:
        ValueError: ``module`` has no spectral norm on ``name``.
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
