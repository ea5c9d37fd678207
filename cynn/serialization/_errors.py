"""The two errors a bad checkpoint raises."""
import pickle

__all__ = ["SerializationError", "WeightsOnlyUnpicklingError"]


class SerializationError(ValueError):
    """The file is not a valid checkpoint: a damaged safetensors header, a broken zip
    archive, a storage of the wrong size, or cynn's structure metadata damaged."""


class WeightsOnlyUnpicklingError(SerializationError, pickle.UnpicklingError):
    """The pickle inside a checkpoint asks for something the weights-only reader refuses.

    It is a ``pickle.UnpicklingError``, the type ``torch.load(weights_only=True)``
    raises, and a :class:`SerializationError`, the type every other bad file raises.
    """
