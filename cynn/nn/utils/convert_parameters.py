"""A model's parameters as one flat vector and back (mirrors
``torch.nn.utils.convert_parameters``)."""
from ..._creation import cat
from ..._tensor import Tensor
from ..._typename import typename as _typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    r"""Concatenate the flattened ``parameters`` into one vector.

    Differentiable: the result is a ``cat`` of views, so gradients flow back to the
    parameters.

    Args:
        parameters (Iterable[Tensor]): the parameters of a model, each contiguous.

    Returns:
        Tensor: shape ``(N,)`` with ``N`` the parameters' total ``numel()``, in the
        dtype their dtypes promote to.

    Example::

        >>> model = cynn.nn.Linear(3, 2)
        >>> cynn.nn.utils.parameters_to_vector(model.parameters()).shape
        cynn.Size([8])
    """
    vec = []
    for param in parameters:
        _check_param_device(param)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    r"""Copy consecutive slices of ``vec`` into ``parameters`` (each ``.data`` is replaced).

    Each parameter takes the next ``param.numel()`` elements, reshaped to its shape;
    its dtype becomes ``vec``'s. Elements left over at the end are ignored.

    Args:
        vec (Tensor): shape ``(N,)``, e.g. from :func:`parameters_to_vector`.
        parameters (Iterable[Tensor]): the parameters to overwrite.

    Example::

        >>> model = cynn.nn.Linear(3, 2)
        >>> cynn.nn.utils.vector_to_parameters(cynn.zeros(8), model.parameters())
        >>> model.bias
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected cynn.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        _check_param_device(param)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param


def _check_param_device(param):
    # Every cynn tensor is on the CPU; reading ``device`` keeps PyTorch's
    # AttributeError for an iterable of non-tensors.
    return param.device
