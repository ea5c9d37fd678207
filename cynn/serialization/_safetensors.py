"""cynn's safetensors checkpoints: tensors in the safetensors layout, structure as JSON.

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

Reading checks every header field against the file before allocating or reading
any tensor, and raises ``SerializationError`` (a ``ValueError``) saying what is
wrong -- whatever the bytes, never another exception from numpy or json.
"""
import json
import math
import struct
import sys
from collections.abc import Mapping

import numpy as np

from .._tensor import Tensor
from ._errors import SerializationError

__all__ = ["encode", "write", "read", "foreign_format"]

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


def encode(obj):
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


def write(f, header_bytes, arrays, write_array):
    """Write a file :func:`encode` prepared; ``write_array(f, array)`` writes each tensor."""
    f.write(struct.pack("<Q", len(header_bytes)))
    f.write(header_bytes)
    for array in arrays:
        write_array(f, array)




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
    # A tuple or list subclass (cynn.Size, a namedtuple) would come back as a plain one.
    if not (isinstance(value, Mapping) or type(value) in (list, tuple)):
        hint = " (save model.state_dict() instead)" if hasattr(value, "state_dict") else ""
        raise TypeError(f"cynn.save(): cannot store {_describe(path)} of type "
                        f"{type(value).__name__}{hint}; only Tensors, numpy arrays, dicts, lists, "
                        f"tuples and int/float/bool/str/None can be stored in the safetensors "
                        f"format (use format='torch' for other objects)")
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

class _Entry:
    __slots__ = ("name", "dtype", "shape", "begin", "end")

    def __init__(self, name, dtype, shape, begin, end):
        self.name, self.dtype, self.shape, self.begin, self.end = name, dtype, shape, begin, end


def foreign_format(prefix):
    """What a non-safetensors file looks like, from its first bytes."""
    if prefix[:1] == b"\x80" and prefix[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("it is a Python pickle (e.g. torch.save(..., _use_new_zipfile_serialization="
                "False)); cynn reads pickles only inside torch's zip format and never unpickles "
                "a bare pickle file")
    if prefix.startswith(b"\x93NUMPY"):
        return "it is a NumPy .npy file; load it with numpy.load"
    return None


def read(f, start, file_size, source):
    """The object in the safetensors file that begins at byte ``start`` of ``f``.

    Args:
        f: a binary file positioned at ``start``, with ``seek`` and ``readinto``.
        file_size (int): the bytes from ``start`` to the end of the file.
        source (str): how error messages name the file.
    """
    header_length, header = _read_header(f, file_size, source)
    data_start = start + 8 + header_length
    entries, metadata = _parse_header(header, file_size - 8 - header_length, source)
    arrays = {entry.name: _read_array(f, data_start, entry, source) for entry in entries}
    structure = metadata.get(_STRUCTURE_KEY)
    if structure is None:
        return {name: Tensor._wrap(array) for name, array in arrays.items()}
    return _decode_structure(structure, arrays, source)


def _read_header(f, file_size, source):
    prefix = f.read(8)
    foreign = foreign_format(prefix)
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
