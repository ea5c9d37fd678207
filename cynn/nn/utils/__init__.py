"""``cynn.nn.utils``: gradient clipping, parameter/vector conversion, weight and
spectral normalisation (mirrors ``torch.nn.utils``)."""
import inspect as _inspect

from . import (clip_grad, convert_parameters, fusion, parametrizations, parametrize,  # noqa: F401
               rnn, stateless)
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: F401
                     fuse_linear_bn_weights)
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` without caring for its initial values (torch
    skips the initialisation by building on the meta device; cynn builds it
    normally: the values are merely unspecified by contract)."""
    if "device" not in _inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)


def convert_conv2d_weight_memory_format(module, memory_format):
    """torch converts conv weights to channels_last; cynn's tensors are always
    C-ordered numpy arrays, so the module is returned unchanged."""
    return module


convert_conv3d_weight_memory_format = convert_conv2d_weight_memory_format
