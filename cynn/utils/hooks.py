"""``cynn.utils.hooks.RemovableHandle``, where PyTorch users look for it
(``torch.utils.hooks.RemovableHandle``); defined in ``cynn._handles``."""
from .._handles import RemovableHandle

__all__ = ["RemovableHandle"]
