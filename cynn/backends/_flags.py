"""Settable boolean switches on a module, checked as PyTorch checks its backend flags."""
import types

__all__ = ["BoolFlag", "FlagModule"]


class BoolFlag:
    """A module attribute holding a bool: ``cynn.backends.cudnn.benchmark = True``.

    Any other value is the RuntimeError PyTorch's setter raises, which names that setter
    (``setter_name``) rather than the attribute.
    """

    def __init__(self, default, setter_name):
        self.value = default
        self.setter_name = setter_name

    def __get__(self, module, owner=None):
        return self.value

    def __set__(self, module, value):
        if not isinstance(value, bool):
            raise RuntimeError(f"{self.setter_name} expects a bool, but got "
                               f"{type(value).__name__}")
        self.value = value


class FlagModule(types.ModuleType):
    """Base class that a backend module's class is switched to, so that its flags are
    descriptors: ``sys.modules[__name__].__class__ = SubclassWithFlags``."""
