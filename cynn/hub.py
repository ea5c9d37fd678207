"""What scripts import from ``torch.hub`` without downloading anything: its progress bar
(``from torch.hub import tqdm``) and its cache directory.

Loading models or weights from a hub needs the network and torch's model code, which
cynn does not have; those functions are absent rather than half-present.
"""
import os

__all__ = ["tqdm", "get_dir", "set_dir"]

try:
    from tqdm.auto import tqdm
except ImportError:  # tqdm is optional (the [demo] extra): a silent stand-in
    class tqdm:  # noqa: N801 -- tqdm's own name
        """A progress bar that shows nothing: tqdm is not installed."""

        def __init__(self, iterable=None, total=None, disable=False, unit="it",
                     unit_scale=False, unit_divisor=1000, **kwargs):
            self.iterable, self.total, self.n = iterable, total, 0

        def __iter__(self):
            for item in self.iterable:
                self.n += 1
                yield item

        def update(self, n=1):
            self.n += n

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

_hub_dir = None


def get_dir():
    """The hub cache directory: ``set_dir``'s, else ``$TORCH_HOME/hub``, else
    ``$XDG_CACHE_HOME/torch/hub`` (``~/.cache/torch/hub``), as torch resolves it."""
    if _hub_dir is not None:
        return _hub_dir
    torch_home = os.path.expanduser(os.getenv(
        "TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))
    return os.path.join(torch_home, "hub")


def set_dir(d):
    """Use ``d`` as the hub cache directory."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))
