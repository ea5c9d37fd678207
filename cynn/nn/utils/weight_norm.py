r"""Weight normalisation through a forward pre-hook (mirrors the deprecated
``torch.nn.utils.weight_norm``), from https://arxiv.org/abs/1602.07868."""
import warnings

from ..parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v, pow=2, dim=0):  # noqa: A002  (torch's name)
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, kept as size-1 dims;
    the norm of the whole tensor (shape ``()``) for ``dim=-1``."""
    if dim == -1:
        return v.norm(pow)
    keep = dim % v.dim()
    others = tuple(d for d in range(v.dim()) if d != keep)
    if not others:  # a 1-d v: each element is its own norm (dim=() would reduce them all)
        return v.abs()
    return v.norm(pow, dim=others, keepdim=True)


def _weight_norm(v, g, dim=0):
    """``w = v * (g / ||v||)``, differentiable in ``v`` and ``g``."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``; :func:`weight_norm` installs it."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=2)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        # w = g * v / ||v||: g holds the magnitude, v the direction
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    r"""Reparameterise ``module.<name>`` as ``g * v / ||v||`` (deprecated, as in PyTorch).

    The parameter ``name`` is replaced by ``<name>_g`` (magnitude) and ``<name>_v``
    (direction); a forward pre-hook recomputes ``module.<name>`` from them before every
    forward. Issues PyTorch's FutureWarning pointing to
    ``parametrizations.weight_norm``.

    Args:
        module (Module): the module holding the parameter.
        name (str): the parameter's name. Default: ``"weight"``.
        dim (int or None): the dimension kept apart: the norm is taken over all the
            others. ``None`` takes it over the whole tensor. Default: 0.

    Shape:
        ``<name>_v`` has the weight's shape; ``<name>_g`` has size 1 in every dimension
        but ``dim`` (shape ``()`` for ``dim=None``).

    Returns:
        The module, with the hook installed.

    Example::

        >>> m = cynn.nn.utils.weight_norm(cynn.nn.Linear(20, 40), name="weight")
        >>> m.weight_g.size()
        cynn.Size([40, 1])
        >>> m.weight_v.size()
        cynn.Size([40, 20])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo :func:`weight_norm`: ``module.<name>`` is a Parameter again, holding the
    current ``g * v / ||v||``.

    Raises:
        ValueError: ``module`` has no weight norm on ``name``.
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
