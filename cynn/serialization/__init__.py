"""``cynn.save`` / ``cynn.load``: checkpoints as safetensors or as torch writes them.

Two formats, told apart on load by their first bytes:

* **safetensors** (``_safetensors``): a JSON header and the raw tensors, readable by
  the ``safetensors`` package; a nested checkpoint's structure lives in the header
  metadata. Nothing in it is ever executed. The default for everything it can
  hold: tensors and numpy arrays in dicts, lists and tuples with str/int keys and
  int/float/bool/str/None between them (state dicts, optimizer states, training
  checkpoints).
* **torch** (``_torch_format``): the zip archive ``torch.save`` writes, with a
  pickle (``data.pkl``) and one record per storage; ``torch.load(weights_only=
  True)`` reads what cynn writes and cynn reads what torch writes, without torch.
  The default for what safetensors cannot hold (a whole module, a ``torch.Size``,
  a dtype, an OrderedDict, a set ...); ``format="torch"`` asks for it always.

Loading a pickle never runs code unless asked to: ``weights_only=True`` (the
default) interprets the stream with cynn's own reader, which builds only
tensors, containers, numbers, strings and the types in its explicit table, plus
the classes the user allows with :func:`add_safe_globals` or :func:`safe_globals`.
``weights_only=False`` unpickles with Python's ``pickle`` and runs whatever the
file names: use it only for files you trust.

Saves to a path are atomic (``_atomic``): a failure at any point leaves the old
file as it was. File objects are written directly. docs/checkpoints.md has the
details and a size/speed comparison of the two formats.
"""
import os
from collections.abc import Mapping

import numpy as np

from .._device import device
from . import _atomic, _safetensors, _torch_format
from ._errors import SerializationError, WeightsOnlyUnpicklingError
from ._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._tail import *  # noqa: F401,F403
from ._tail import __all__ as _tail_names

__all__ = ["save", "load", "SerializationError", "WeightsOnlyUnpicklingError",
           "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]
__all__ += _tail_names

_FORMATS = ("safetensors", "torch")

# Looked up here at every save, so that tests (and the kill -9 test's subprocess) can
# replace them on this module: the staging of temporary files, and the writing of each
# tensor's bytes.
_open_unnamed_temp_file = _atomic.open_unnamed_temp_file


def _write_array(f, array):
    f.write(memoryview(array.reshape(-1).view(np.uint8)))


# ---------------------------------------------------------------------- save

def save(obj, f, *, format=None):  # noqa: A002 -- the name users expect
    """Save ``obj`` to the path or binary file ``f``.

    Args:
        obj: what to save. Tensors, numpy arrays, state dicts, optimizer state
            dicts, nested dicts/lists/tuples/OrderedDicts of them, numbers,
            strings, bools, None, ``cynn.Size``, dtypes; whole modules and other
            objects too (they load back only where their classes are allowed,
            see :func:`add_safe_globals`).
        f (str, os.PathLike or binary file): a path, replaced atomically, or a
            file object opened for binary writing (``io.BytesIO``), written from
            its current position.
        format (str, optional): ``"safetensors"``, ``"torch"`` (a zip archive
            ``torch.load(weights_only=True)`` reads), or None (default):
            safetensors when it can hold ``obj``, torch's format otherwise.

    Raises:
        TypeError: ``format="safetensors"`` and ``obj`` holds something it cannot
            store. Nothing is written.
        pickle.PicklingError: ``obj`` holds an object pickle cannot name (a lambda,
            a local class). Nothing is written.
        AttributeError: ``f`` is neither a path nor a writable file object.

    Example::

        >>> import cynn, io, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> model = cynn.nn.Linear(2, 3)
        >>> cynn.save(model.state_dict(), path)                  # safetensors
        >>> cynn.save(model.state_dict(), path, format="torch")  # torch.load reads it
        >>> sorted(cynn.load(path))
        ['bias', 'weight']
    """
    write = _encode(obj, format)
    if isinstance(f, (str, os.PathLike)):
        # Through a symlink, replace the file it points to, as open(path, "wb") would.
        target = os.path.realpath(os.fspath(f))
        _atomic.replace_atomically(target, write, _open_unnamed_temp_file)
    elif hasattr(f, "write"):
        write(f)
    else:
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")


def _encode(obj, format):  # noqa: A002
    """A function writing ``obj`` to a binary file; every check is done before it runs."""
    if format not in (None, *_FORMATS):
        raise ValueError(f"cynn.save(): format must be one of {', '.join(_FORMATS)} or None, "
                         f"got {format!r}")
    if format != "torch":
        try:
            header, arrays = _safetensors.encode(obj)
        except TypeError:
            if format == "safetensors":
                raise
        else:
            return lambda f: _safetensors.write(f, header, arrays, _write_array)
    encoded = _torch_format.encode(obj)
    return lambda f: _torch_format.write(f, encoded, _write_array)


# ---------------------------------------------------------------------- load

def load(f, map_location=None, *, weights_only=True):
    """Load what :func:`save` or ``torch.save`` wrote, or any safetensors file.

    Args:
        f (str, os.PathLike or binary file): a path, or a seekable file object
            opened for binary reading, read from its current position.
        map_location: cynn runs on the CPU: ``None``, ``"cpu"`` (or a cpu
            device), a dict mapping to ``"cpu"`` or a callable are accepted and
            every storage lands on the CPU (the callable is not called). A torch
            file with CUDA storages needs one of them, as in torch.
        weights_only (bool): True (default; None means True, as in torch): a
            torch file's pickle is read by cynn's own interpreter, which builds
            only tensors, containers, numbers, strings, ``torch.Size``, dtypes,
            devices, numpy arrays and what :func:`add_safe_globals` allows, and
            calls nothing else. **False runs arbitrary code from the file**
            (Python's ``pickle``): only for files you trust. Safetensors files
            never hold code; the flag does not matter for them.

    Returns:
        What was saved: Tensors where tensors were saved (views of one storage
        share memory, as in torch), Parameters where parameters were saved in a
        torch file; a file written by another tool loads as saved there.

    Raises:
        SerializationError: the file is damaged or not a checkpoint (truncated,
            a header or record out of bounds, a storage of the wrong size, a
            bare pickle ...).
        pickle.UnpicklingError: (:class:`WeightsOnlyUnpicklingError`, also a
            SerializationError) the pickle names a class or function that is
            not allowed, or uses an opcode that only serves to run code. The
            message names the global and the ``add_safe_globals`` call that
            allows it.
        RuntimeError: a storage on a CUDA device and no ``map_location``.
    """
    _check_map_location(map_location)
    if weights_only is None:
        weights_only = True
    if isinstance(f, (str, os.PathLike)):
        source = os.fspath(f)
        with open(source, "rb") as file:
            return _load_from(file, source, weights_only, map_location)
    if not hasattr(f, "seek"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'seek'. You can "
                             "only cynn.load from a file that is seekable. Please pre-load the "
                             "data into a buffer like io.BytesIO and try to load from it instead.")
    return _load_from(f, getattr(f, "name", None) or f"<{type(f).__name__}>", weights_only,
                      map_location)


def _load_from(f, source, weights_only, map_location):
    start = f.tell()
    file_size = f.seek(0, os.SEEK_END) - start
    f.seek(start)
    magic = f.read(len(_torch_format.ZIP_MAGIC))
    f.seek(start)
    if magic == _torch_format.ZIP_MAGIC:
        return _torch_format.read(f, file_size, source, weights_only, map_location)
    return _safetensors.read(f, start, file_size, source)


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    targets = map_location.values() if isinstance(map_location, Mapping) else [map_location]
    for target in targets:
        device(str(target))  # raises for anything but the CPU
