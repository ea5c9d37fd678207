"""``DataParallel`` and ``data_parallel`` as torch behaves without an accelerator."""
from ...autograd import grad_mode
from ..modules.module import Module
from . import _functions

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Data parallelism over accelerator devices; cynn has none, so, as torch does on
    a machine without GPUs, the wrapper calls ``module`` directly.

    The wrapped module is the ``module`` attribute: its parameters and state-dict keys
    carry the prefix ``module.`` (a checkpoint saved from a wrapped model loads into a
    wrapped one, as with torch). ``device_ids`` is always ``[]``; ``output_device``
    and ``dim`` are accepted and unused.

    Args:
        module (Module): the module to run.
        device_ids (list of int or device): accepted; there are no devices to use.
        output_device (int or device): accepted.
        dim (int): the batch dimension (unused without devices).

    Example::

        >>> net = cynn.nn.DataParallel(model)          # doctest: +SKIP
        >>> net = cynn.nn.parallel.DataParallel(cynn.nn.Linear(4, 2))
        >>> net(cynn.randn(8, 4)).shape
        cynn.Size([8, 2])
        >>> list(net.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        # torch's constructor stops here when it finds no accelerator device
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

    # torch's steps of a multi-device forward, usable on their own (over the CPU)
    def replicate(self, module, device_ids):
        return _functions.replicate(module, device_ids, not grad_mode.is_grad_enabled())

    def scatter(self, inputs, kwargs, device_ids):
        return _functions.scatter_kwargs(inputs, kwargs, device_ids, dim=0)

    def parallel_apply(self, replicas, inputs, kwargs):
        return _functions.parallel_apply(replicas, inputs, kwargs)

    def gather(self, outputs, output_device):
        return _functions.gather(outputs, output_device, dim=0)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional form of ``DataParallel``: with no devices, ``module(*inputs,
    **module_kwargs)`` (``inputs`` not a tuple is the only argument).

    torch raises "device type could not be determined" here on a CPU-only build;
    cynn runs the module, as ``DataParallel`` does.
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if module_kwargs is None:
        module_kwargs = {}
    return module(*inputs, **module_kwargs)
