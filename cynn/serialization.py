"""``cynn.save`` / ``cynn.load``: checkpoints in the safetensors layout, never pickle.

The file layout is the one the ``safetensors`` package reads and writes::

    [8 bytes]  N, the length of the header: unsigned 64-bit integer, little-endian
    [N bytes]  the header: a UTF-8 JSON object, padded with spaces to a multiple of 8
    [rest]     the data section: every tensor's raw bytes, little-endian, C order,
               back to back, covering the section exactly

The header maps each tensor name to ``{"dtype": "F32", "shape": [2, 3],
"data_offsets": [begin, end]}`` (byte offsets into the data section) and may hold
``"__metadata__"``, an object of str -> str. dtypes: ``F64 F32 F16 I64 I32 I16 I8
U8 BOOL`` (the ones a cynn Tensor can hold). A 0-d tensor has shape ``[]``, an
empty one ``begin == end``.

What cynn writes:

* A flat dict of str -> Tensor/ndarray (``Module.state_dict()``): one entry per
  key, named exactly by the key, and no metadata -- what
  ``safetensors.numpy.save_file`` writes for the same dict. Any file without
  cynn's structure metadata (e.g. one written by the safetensors package) loads
  back as such a dict.
* Anything else -- a single Tensor, nested dicts with str or int keys, lists,
  tuples, and plain values (int, float, bool, None, str) between the tensors, such
  as an optimizer ``state_dict()`` or ``{"epoch": 3, "model": ..., "optim": ...}``:
  each tensor is stored under its keys joined by "." (``optim.state.0.exp_avg``;
  a lone Tensor is named ``tensor``; a clash gets a ``~1`` suffix), and
  ``__metadata__["cynn.structure"]`` holds the object as JSON with each tensor
  replaced by a reference to its name. Containers are tagged, so that they come
  back with their own types and key types, and plain values are JSON values::

      {"dict": [[key, node], ...]}   {"list": [node, ...]}   {"tuple": [node, ...]}
      {"tensor": "optim.state.0.exp_avg"}

Loading returns Tensors where Tensors or arrays were saved (``requires_grad`` is
not stored, as in a state dict); numpy scalars are saved as Python numbers.

Writes are atomic: the file is written to a temporary file in the same
directory, flushed to disk, then renamed over the target, so a failure at any
point leaves the previous file as it was. Where the OS offers it (Linux'
``O_TMPFILE``) the temporary file has no name while it is written and is linked
under one only just before the rename, so a process killed mid-save leaves
nothing behind. Otherwise it is named ``.<target>.<pid>.<random>.cynn-tmp``, and
each save removes the ones of its target left by processes that no longer run.

Reading checks every header field against the file before allocating or reading
any tensor, and raises ``SerializationError`` (a ``ValueError``) saying what is
wrong -- whatever the bytes, never another exception from numpy or json.
"""
import errno
import json
import math
import os
import re
import secrets
import struct
import sys
from collections.abc import Mapping

import numpy as np

from ._device import device
from ._tensor import Tensor

__all__ = ["save", "load", "SerializationError"]


class SerializationError(ValueError):
    """The file is not a valid safetensors file, or cynn's structure metadata in it is damaged."""


_NUMPY_BY_CODE = {
    "F64": np.dtype(np.float64), "F32": np.dtype(np.float32), "F16": np.dtype(np.float16),
    "I64": np.dtype(np.int64), "I32": np.dtype(np.int32), "I16": np.dtype(np.int16),
    "I8": np.dtype(np.int8), "U8": np.dtype(np.uint8), "BOOL": np.dtype(np.bool_),
}
_CODE_BY_NUMPY = {dt: code for code, dt in _NUMPY_BY_CODE.items()}
_SUPPORTED_CODES = ", ".join(_NUMPY_BY_CODE)

# The safetensors library refuses headers above 100 MB; a larger length means a foreign file.
_MAX_HEADER_BYTES = 100_000_000
_MAX_NDIM = 64  # numpy's limit
_METADATA_KEY = "__metadata__"
_STRUCTURE_KEY = "cynn.structure"
_LONE_TENSOR_NAME = "tensor"
_TEMP_SUFFIX = ".cynn-tmp"
# Room for ".<stem>.<pid>.<12 hex>.cynn-tmp" within the usual 255-byte name limit.
_MAX_TEMP_STEM_BYTES = 200


# ---------------------------------------------------------------------- save

def save(obj, path):
    """Save Tensors, a state dict or a nested checkpoint to ``path`` as safetensors.

    Args:
        obj: a Tensor or numpy array, or a dict (nested dicts with str/int keys,
            lists and tuples allowed) of Tensors, arrays and int/float/bool/str/None.
            Modules and other objects are refused: save ``model.state_dict()``.
        path (str or os.PathLike): the file to write; replaced atomically.

    Raises:
        TypeError: ``obj`` holds something that cannot be stored (nothing is written).

    Example::

        >>> import cynn, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> cynn.save({"weight": cynn.ones(2, 3)}, path)
        >>> cynn.load(path)["weight"].shape
        cynn.Size([2, 3])
    """
    target = _target_path(path)
    header, arrays = _encode_file(obj)
    directory, base = os.path.split(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "cynn.save(): no such directory", directory)
    _remove_stale_temp_files(directory, base)
    temp_path = _write_temp_file(directory, base, target,
                                 lambda f: _write_file(f, header, arrays))
    try:
        os.replace(temp_path, target)
    except BaseException:
        _unlink_quietly(temp_path)
        raise
    _fsync_directory(directory)


def _target_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"cynn.save(): argument 'path' must be str or os.PathLike, "
                        f"not {type(path).__name__}")
    # Through a symlink, replace the file it points to, as open(path, "wb") would.
    return os.path.realpath(os.fspath(path))


def _write_temp_file(directory, base, target, write):
    """A complete, fsynced copy of the new file next to ``target``, under a temporary name.

    If anything fails, no temporary file remains.
    """
    fd = _open_unnamed_temp_file(directory)
    if fd is not None:
        temp_path = None
        try:
            with os.fdopen(fd, "wb") as f:
                _fill(f, write, target, None)
                temp_path = _link_unnamed_temp_file(f.fileno(), directory, base)
        except BaseException:
            if temp_path is not None:  # linked, then closing failed
                _unlink_quietly(temp_path)
            raise
        if temp_path is not None:
            return temp_path
    fd, temp_path = _create_named_temp_file(directory, base)
    try:
        with os.fdopen(fd, "wb") as f:
            _fill(f, write, target, temp_path)
    except BaseException:
        _unlink_quietly(temp_path)
        raise
    return temp_path


def _fill(f, write, target, temp_path):
    write(f)
    f.flush()
    os.fsync(f.fileno())
    try:
        mode = os.stat(target).st_mode & 0o7777  # an overwrite keeps the file's permissions
    except FileNotFoundError:
        return
    if os.chmod in os.supports_fd:
        os.chmod(f.fileno(), mode)
    else:
        os.chmod(temp_path, mode)


def _open_unnamed_temp_file(directory):
    """An fd of a new file in ``directory`` that has no name yet (Linux O_TMPFILE), or None.

    The file vanishes with the process unless it is linked, so a kill -9 mid-write
    leaves nothing. Linking it needs /proc (see _link_unnamed_temp_file).
    """
    o_tmpfile = getattr(os, "O_TMPFILE", None)
    if (o_tmpfile is None or os.link not in os.supports_dir_fd
            or not os.path.isdir("/proc/self/fd")):
        return None
    try:
        # Created with the umask-governed mode a plain open() gives.
        return os.open(directory, o_tmpfile | os.O_WRONLY, 0o666)
    except OSError:  # this filesystem (or kernel) has no unnamed files: use a named one
        return None


def _link_unnamed_temp_file(fd, directory, base):
    """Give the unnamed file ``fd`` a temporary name in ``directory``; None if the OS refuses.

    linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/<fd> is the unprivileged way to do
    it (open(2)); a plain link() would try to link the /proc symlink itself.
    """
    try:
        proc_fd = os.open("/proc/self/fd", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        for _ in range(100):
            temp_path = _temp_path(directory, base)
            try:
                os.link(str(fd), temp_path, src_dir_fd=proc_fd, follow_symlinks=True)
                return temp_path
            except FileExistsError:
                continue
            except OSError:
                return None
    finally:
        os.close(proc_fd)
    raise FileExistsError(f"cynn.save(): could not create a temporary file in {directory!r}")


def _create_named_temp_file(directory, base):
    """A new named file next to the target, created with the mode a plain open() gives."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp_path = _temp_path(directory, base)
        try:
            return os.open(temp_path, flags, 0o666), temp_path
        except FileExistsError:
            continue
    raise FileExistsError(f"cynn.save(): could not create a temporary file in {directory!r}")


def _temp_stem(base):
    """``base``, shortened so that a temporary file's name stays within NAME_MAX."""
    stem = base
    while len(os.fsencode(stem)) > _MAX_TEMP_STEM_BYTES:
        stem = stem[:-1]
    return stem


def _temp_path(directory, base):
    # The pid lets a later save tell a dead process's leftover from a save in progress.
    name = f".{_temp_stem(base)}.{os.getpid()}.{secrets.token_hex(6)}{_TEMP_SUFFIX}"
    return os.path.join(directory, name)


def _remove_stale_temp_files(directory, base):
    """Delete the temporary files of ``base`` whose writing process no longer runs.

    Best effort: a directory that cannot be listed, or a file another save removes
    first, is no reason to fail this save.
    """
    pattern = re.compile(re.escape(f".{_temp_stem(base)}.") + r"([0-9]{1,10})\.[0-9a-f]{12}"
                         + re.escape(_TEMP_SUFFIX))
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _process_may_run(int(match[1])):
            _unlink_quietly(os.path.join(directory, name))


def _process_may_run(pid):
    """False only when process ``pid`` certainly does not exist."""
    if os.name != "posix" or not 0 < pid < 2 ** 31 or pid == os.getpid():
        return True  # on Windows os.kill(pid, 0) would send CTRL_C_EVENT: never probe there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory):
    """Make the rename itself durable; not possible on every OS or filesystem."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _encode_file(obj):
    """(header bytes, arrays in file order): everything is checked before the disk is touched."""
    tensors, structure = _flatten(obj)
    header = {}
    if structure is not None:
        header[_METADATA_KEY] = {_STRUCTURE_KEY: json.dumps(structure, separators=(",", ":"))}
    arrays = []
    offset = 0
    for name, array in tensors.items():
        code = _CODE_BY_NUMPY.get(array.dtype.newbyteorder("="))
        if code is None:
            raise TypeError(f"cynn.save(): tensor {name!r} has dtype {array.dtype}, which "
                            f"safetensors cannot store for cynn (supported: {_SUPPORTED_CODES})")
        array = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
        header[name] = {"dtype": code, "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    # Padding to 8 bytes keeps every tensor aligned for readers that map the file.
    header_bytes += b" " * (-len(header_bytes) % 8)
    return header_bytes, arrays


def _write_file(f, header_bytes, arrays):
    f.write(struct.pack("<Q", len(header_bytes)))
    f.write(header_bytes)
    for array in arrays:
        _write_array(f, array)


def _write_array(f, array):
    f.write(memoryview(array.reshape(-1).view(np.uint8)))


def _as_array(value):
    """The ndarray behind a Tensor or ndarray, else None."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value._data
    return None


def _flatten(obj):
    """(name -> array in file order, structure JSON node or None for a flat state dict)."""
    if (isinstance(obj, Mapping) and _METADATA_KEY not in obj
            and all(isinstance(key, str) for key in obj)
            and all(_as_array(value) is not None for value in obj.values())):
        return {key: _as_array(value) for key, value in obj.items()}, None
    tensors = {}
    structure = _encode_node(obj, (), tensors, set())
    return tensors, structure


def _encode_node(value, path, tensors, open_containers):
    array = _as_array(value)
    if array is not None:
        name = _unique_name(".".join(map(str, path)) or _LONE_TENSOR_NAME, tensors)
        tensors[name] = array
        return {"tensor": name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if not isinstance(value, (Mapping, list, tuple)):
        hint = " (save model.state_dict() instead)" if hasattr(value, "state_dict") else ""
        raise TypeError(f"cynn.save(): cannot store {_describe(path)} of type "
                        f"{type(value).__name__}{hint}; only Tensors, numpy arrays, dicts, lists, "
                        f"tuples and int/float/bool/str/None can be saved (cynn never pickles)")
    if id(value) in open_containers:
        raise TypeError(f"cynn.save(): {_describe(path)} contains itself")
    open_containers.add(id(value))
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"cynn.save(): dict keys must be str or int, but {_describe(path)} "
                                f"has the key {key!r} of type {type(key).__name__}")
            items.append([key, _encode_node(item, path + (key,), tensors, open_containers)])
        node = {"dict": items}
    else:
        tag = "list" if isinstance(value, list) else "tuple"
        node = {tag: [_encode_node(item, path + (i,), tensors, open_containers)
                      for i, item in enumerate(value)]}
    open_containers.discard(id(value))
    return node


def _unique_name(name, taken):
    candidate, n = name, 0
    while candidate in taken or candidate == _METADATA_KEY:
        n += 1
        candidate = f"{name}~{n}"
    return candidate


def _describe(path):
    return "obj" + "".join(f"[{key!r}]" for key in path)


# ---------------------------------------------------------------------- load

def load(path, map_location=None, *, weights_only=True):
    """Load what :func:`save` wrote, or any safetensors file, from ``path``.

    Args:
        path (str or os.PathLike): a safetensors file.
        map_location: accepted for PyTorch compatibility; cynn runs on the CPU, so
            only ``None``, ``"cpu"`` (or a cpu device), a dict mapping to ``"cpu"``
            or a callable (applied to nothing: every storage is already on the CPU).
        weights_only (bool): accepted for PyTorch compatibility; cynn never unpickles,
            so loading is always weights-only.

    Returns:
        What was saved: a Tensor, or a dict (nested as saved) whose tensors are
        Tensors. A file written by another tool loads as a flat dict of
        name -> Tensor in header order.

    Raises:
        SerializationError: the file is not a valid safetensors file (truncated, a
            header out of bounds, overlapping tensors, an unknown dtype, a
            pickle/zip file ...). Nothing in the file is ever executed.
    """
    _check_map_location(map_location)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"cynn.load(): argument 'path' must be str or os.PathLike, "
                        f"not {type(path).__name__}")
    source = os.fspath(path)
    with open(source, "rb") as f:
        file_size = os.fstat(f.fileno()).st_size
        header_length, header = _read_header(f, file_size, source)
        data_start = 8 + header_length
        entries, metadata = _parse_header(header, file_size - data_start, source)
        arrays = {entry.name: _read_array(f, data_start, entry, source) for entry in entries}
    structure = metadata.get(_STRUCTURE_KEY)
    if structure is None:
        return {name: Tensor._wrap(array) for name, array in arrays.items()}
    return _decode_structure(structure, arrays, source)


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    targets = map_location.values() if isinstance(map_location, Mapping) else [map_location]
    for target in targets:
        device(str(target))  # raises for anything but the CPU


class _Entry:
    __slots__ = ("name", "dtype", "shape", "begin", "end")

    def __init__(self, name, dtype, shape, begin, end):
        self.name, self.dtype, self.shape, self.begin, self.end = name, dtype, shape, begin, end


def _foreign_format(prefix):
    """What a non-safetensors file looks like, from its first bytes."""
    if prefix.startswith(b"PK\x03\x04"):
        return ("it is a zip archive, the format torch.save() writes; cynn never unpickles. "
                "Convert it where torch is installed: "
                "safetensors.torch.save_file(torch.load(path), new_path)")
    if prefix[:1] == b"\x80" and prefix[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "it is a Python pickle (e.g. an old torch.save() file); cynn never unpickles"
    if prefix.startswith(b"\x93NUMPY"):
        return "it is a NumPy .npy file; load it with numpy.load"
    return None


def _read_header(f, file_size, source):
    prefix = f.read(8)
    foreign = _foreign_format(prefix)
    if file_size < 8:
        raise SerializationError(f"{source}: not a safetensors file: it is {file_size} bytes "
                                 f"long, too short for the 8-byte header length")
    (header_length,) = struct.unpack("<Q", prefix)
    if header_length > _MAX_HEADER_BYTES or 8 + header_length > file_size:
        if foreign:
            raise SerializationError(f"{source}: not a safetensors file: {foreign}")
        limit = ("over the 100 MB limit" if header_length > _MAX_HEADER_BYTES
                 else f"beyond the end of the file ({file_size} bytes)")
        raise SerializationError(f"{source}: not a safetensors file or truncated: the header "
                                 f"length field says {header_length} bytes, {limit}")
    raw = f.read(header_length)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SerializationError(f"{source}: the safetensors header is not UTF-8 text: {exc}"
                                 f"{'; ' + foreign if foreign else ''}") from None
    if not text.startswith("{"):
        raise SerializationError(f"{source}: not a safetensors file: the header does not start "
                                 f"with '{{' (it starts with {text[:20]!r})")
    try:
        header = json.loads(text, object_pairs_hook=_reject_duplicate_keys,
                            parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise SerializationError(f"{source}: the safetensors header is not valid JSON: "
                                 f"{exc}") from None
    if not isinstance(header, dict):
        raise SerializationError(f"{source}: the safetensors header is a JSON "
                                 f"{type(header).__name__}, not an object")
    return header_length, header


def _reject_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in a safetensors header")


def _snippet(value):
    """The start of ``value`` as JSON, for an error message about it."""
    try:
        return json.dumps(value)[:200]
    except (ValueError, RecursionError):  # nested deeper than the encoder goes
        return f"a deeply nested JSON {type(value).__name__}"


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 63


def _parse_header(header, data_size, source):
    """(entries in header order, metadata); checks every field against the data section."""
    metadata = header.pop(_METADATA_KEY, None)
    if metadata is None:
        metadata = {}
    elif not (isinstance(metadata, dict)
              and all(isinstance(value, str) for value in metadata.values())):
        raise SerializationError(f"{source}: '__metadata__' in the header must be an object of "
                                 f"strings, got {_snippet(metadata)}")
    entries = [_parse_entry(name, info, data_size, source) for name, info in header.items()]
    _check_coverage(entries, data_size, source)
    return entries, metadata


def _parse_entry(name, info, data_size, source):
    where = f"{source}: tensor {name!r}"
    if not isinstance(info, dict):
        raise SerializationError(f"{where}: expected an object with dtype, shape and "
                                 f"data_offsets, got {_snippet(info)}")
    missing = [key for key in ("dtype", "shape", "data_offsets") if key not in info]
    if missing:
        raise SerializationError(f"{where}: the header entry has no {', '.join(missing)}")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(code, str) or code not in _NUMPY_BY_CODE:
        raise SerializationError(f"{where}: unknown or unsupported dtype "
                                 f"{repr(code) if isinstance(code, str) else _snippet(code)} "
                                 f"(supported: {_SUPPORTED_CODES})")
    if not (isinstance(shape, list) and len(shape) <= _MAX_NDIM and all(map(_is_count, shape))):
        raise SerializationError(f"{where}: shape must be a list of at most {_MAX_NDIM} "
                                 f"non-negative integers, got {_snippet(shape)}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))
            and offsets[0] <= offsets[1]):
        raise SerializationError(f"{where}: data_offsets must be [begin, end] with "
                                 f"0 <= begin <= end, got {_snippet(offsets)}")
    begin, end = offsets
    if end > data_size:
        raise SerializationError(f"{where}: data_offsets {offsets} reach beyond the data "
                                 f"section ({data_size} bytes): the file is truncated or the "
                                 f"header is wrong")
    dtype = _NUMPY_BY_CODE[code]
    # numpy refuses a shape whose non-zero extents overflow its index type, even with a
    # zero among them ([2**62, 2**62, 0]): a file can describe no such array.
    if math.prod(n for n in shape if n) * dtype.itemsize > sys.maxsize:
        raise SerializationError(f"{where}: shape {shape} of {code} is too large for an "
                                 f"array on this platform")
    needed = math.prod(shape) * dtype.itemsize
    if end - begin != needed:
        raise SerializationError(f"{where}: shape {shape} of {code} needs {needed} bytes, but "
                                 f"data_offsets {offsets} span {end - begin}")
    return _Entry(name, dtype, tuple(shape), begin, end)


def _check_coverage(entries, data_size, source):
    """The tensors must tile the data section: no overlap, no gap, nothing after the last."""
    position, previous = 0, None
    for entry in sorted(entries, key=lambda e: (e.begin, e.end)):
        if entry.begin < position:
            raise SerializationError(
                f"{source}: tensors {previous.name!r} (bytes {previous.begin}..{previous.end}) "
                f"and {entry.name!r} (bytes {entry.begin}..{entry.end}) overlap")
        if entry.begin > position:
            raise SerializationError(f"{source}: bytes {position}..{entry.begin} of the data "
                                     f"section belong to no tensor")
        position, previous = entry.end, entry
    if position != data_size:
        raise SerializationError(f"{source}: the last {data_size - position} bytes of the data "
                                 f"section belong to no tensor")


def _read_array(f, data_start, entry, source):
    # Read straight into a fresh array: one copy, aligned, owned and writable.
    try:
        array = np.empty(entry.shape, dtype=entry.dtype.newbyteorder("<"))
    except ValueError as exc:  # _parse_entry already bounds the shape: belt and braces
        raise SerializationError(f"{source}: tensor {entry.name!r} of shape "
                                 f"{list(entry.shape)}: {exc}") from None
    view = memoryview(array.reshape(-1).view(np.uint8))
    f.seek(data_start + entry.begin)
    filled = 0
    while filled < len(view):
        n = f.readinto(view[filled:])
        if not n:
            raise SerializationError(f"{source}: the file ended while reading tensor "
                                     f"{entry.name!r} (did it change while being read?)")
        filled += n
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _decode_structure(text, arrays, source):
    try:
        structure = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SerializationError(f"{source}: metadata {_STRUCTURE_KEY!r} is not valid JSON: "
                                 f"{exc}") from None
    used = set()
    try:
        obj = _decode_node(structure, arrays, used, "obj", source)
    except RecursionError:
        raise SerializationError(f"{source}: metadata {_STRUCTURE_KEY!r} is nested too "
                                 f"deeply") from None
    unreferenced = [name for name in arrays if name not in used]
    if unreferenced:
        raise SerializationError(f"{source}: metadata {_STRUCTURE_KEY!r} does not mention the "
                                 f"tensors {unreferenced[:5]}: it does not describe this file")
    return obj


def _decode_node(node, arrays, used, where, source):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        ((tag, body),) = node.items()
        if tag == "tensor" and isinstance(body, str) and body in arrays:
            used.add(body)
            return Tensor._wrap(arrays[body])
        if tag == "dict" and isinstance(body, list) and all(_is_dict_item(item) for item in body):
            return {key: _decode_node(value, arrays, used, f"{where}[{key!r}]", source)
                    for key, value in body}
        if tag in ("list", "tuple") and isinstance(body, list):
            items = [_decode_node(value, arrays, used, f"{where}[{i}]", source)
                     for i, value in enumerate(body)]
            return items if tag == "list" else tuple(items)
    raise SerializationError(f"{source}: metadata {_STRUCTURE_KEY!r} is damaged at {where}: "
                             f"{_snippet(node)}")


def _is_dict_item(item):
    return (isinstance(item, list) and len(item) == 2 and not isinstance(item[0], bool)
            and isinstance(item[0], (str, int)))
