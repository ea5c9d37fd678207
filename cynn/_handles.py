"""Handles returned by every ``register_*hook`` call.

Kept at the bottom of the package, importing nothing of cynn, so that the tensor, the
autograd nodes, modules and optimizers all reach it without climbing into ``cynn.utils``.
"""
import itertools

_next_id = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for from ``hooks_dict`` on ``remove()``.

    Also a context manager: the hook is removed on exit.
    """

    def __init__(self, hooks_dict, *extra_dicts):
        self.id = next(_next_id)
        self._dicts = (hooks_dict,) + extra_dicts

    def remove(self):
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
