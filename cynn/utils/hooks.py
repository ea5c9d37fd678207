"""Handles returned by every ``register_*hook`` call."""
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
