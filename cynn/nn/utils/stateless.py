"""``functional_call``: run a module with some parameters and buffers replaced by
given tensors (for MAML-style inner loops, ensembling), as
``torch.nn.utils.stateless``/``torch.func``."""
import contextlib

__all__ = ["functional_call"]


def _split(name):
    *path, leaf = name.split(".")
    return path, leaf


def _owner(module, path):
    for part in path:
        module = getattr(module, part)
    return module


@contextlib.contextmanager
def _swapped(module, tensors, strict):
    saved = []
    names = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
    if strict:
        missing = sorted(names - set(tensors))
        unexpected = sorted(set(tensors) - names)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
    try:
        for name, tensor in tensors.items():
            path, leaf = _split(name)
            owner = _owner(module, path)
            store = owner._parameters if leaf in owner._parameters else \
                owner._buffers if leaf in owner._buffers else None
            if store is None:
                raise AttributeError(f"{type(owner).__name__} has no parameter or buffer "
                                     f"named '{leaf}'")
            saved.append((store, leaf, store[leaf]))
            store[leaf] = tensor
        yield
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the named parameters/buffers of the dict (or
    tuple of dicts) in place of the module's own, restored afterwards."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            overlap = set(merged) & set(d)
            if overlap:
                raise ValueError(f"{sorted(overlap)} appeared in multiple dictionaries; behavior "
                                 f"of functional call is ambiguous")
            merged.update(d)
        dicts = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, dict(dicts), strict):
        return module(*args, **(kwargs or {}))
