"""torch's checkpoint format: a zip archive of a pickle and the raw bytes of its storages.

``torch.save`` writes, under one top-level folder (``archive/`` or the file's stem)::

    data.pkl        the pickled object; tensors refer to storages by key
    data/<key>      each storage's elements, C order, in the byte order of ``byteorder``
    byteorder       "little" or "big" (absent in old files: little)
    version         the format version, "3\\n"
    .format_version, .storage_alignment, .data/serialization_id   (newer torch)

Reading accepts any single top-level folder, stored (uncompressed) entries only,
and checks each storage's size against what the pickle declares before reading
it. ``data.pkl`` is interpreted by :class:`SafeUnpickler` unless the caller asks
for ``weights_only=False``, which hands it to ``pickle`` with torch's names mapped
to cynn's types and therefore runs whatever the file names.
"""
import io
import pickle
import struct
import zipfile

import numpy as np

from . import _torch_names
from ._errors import SerializationError, WeightsOnlyUnpicklingError
from ._pickler import TorchPickler
from ._unpickler import SafeUnpickler
from ._zip_writer import ZipWriter

__all__ = ["encode", "write", "read", "ZIP_MAGIC"]

ZIP_MAGIC = b"PK\x03\x04"
_ROOT = "archive"
_FORMAT_VERSION = b"3\n"
_MAX_PICKLE_BYTES = 1 << 31
_MAX_SMALL_RECORD = 64
# What zipfile raises for a damaged archive (NotImplementedError: a version or a
# compression it does not know; struct.error: a record cut short).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
               ValueError, EOFError, OverflowError, struct.error, LookupError)
_CPU_ONLY = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
             "is False. If you are running on a CPU-only machine, please use cynn.load with "
             "map_location=cynn.device('cpu') to map your storages to the CPU.")


# ---------------------------------------------------------------------- writing

def encode(obj):
    """(pickle bytes, [(key, array)]) for ``obj``; raises before anything is written."""
    pickler = TorchPickler()
    data = pickler.dumps(obj)
    return data, [(key, array) for key, array, _ in pickler.storages]


def write(f, encoded, write_array, force_zip64=False):
    """Write an archive :func:`encode` prepared; ``write_array(f, array)`` writes each storage."""
    data, storages = encoded
    archive = ZipWriter(f, force_zip64=force_zip64)
    archive.add(f"{_ROOT}/data.pkl", data)
    archive.add(f"{_ROOT}/.format_version", b"1")
    archive.add(f"{_ROOT}/.storage_alignment", b"64")
    archive.add(f"{_ROOT}/byteorder", b"little")
    for key, array in storages:
        archive.add(f"{_ROOT}/data/{key}", array, write_array)
    archive.add(f"{_ROOT}/version", _FORMAT_VERSION)
    archive.close()


# ---------------------------------------------------------------------- reading

def read(f, file_size, source, weights_only, map_location):
    """The object in the torch archive that begins at the current position of ``f``."""
    try:
        archive = zipfile.ZipFile(f)
    except _ZIP_ERRORS as exc:
        raise SerializationError(f"{source}: a damaged zip archive: {exc}") from None
    with archive:
        root = _root_folder(archive, source)
        records = _Records(archive, root, file_size, source)
        data = records.read(f"{root}/data.pkl", limit=_MAX_PICKLE_BYTES)
        byteorder = _byteorder(records, root, source)
        storages = _StorageLoader(records, root, byteorder, map_location, source)
        if weights_only:
            return SafeUnpickler(data, storages, f"{source}: data.pkl").load()
        return _FullUnpickler(io.BytesIO(data), storages).load()


def _root_folder(archive, source):
    names = archive.namelist()
    roots = {name.split("/", 1)[0] for name in names}
    if len(roots) != 1 or any("/" not in name for name in names):
        raise SerializationError(f"{source}: not a torch checkpoint: a torch archive holds "
                                 f"one top-level folder, this zip holds {sorted(roots)[:5]}")
    root = roots.pop()
    if f"{root}/data.pkl" not in names:
        raise SerializationError(f"{source}: not a torch checkpoint: the zip archive has no "
                                 f"{root}/data.pkl")
    return root


def _byteorder(records, root, source):
    name = f"{root}/byteorder"
    if not records.has(name):
        return "<"
    value = records.read(name, limit=_MAX_SMALL_RECORD)
    if value not in (b"little", b"big"):
        raise SerializationError(f"{source}: the byteorder record says {value[:20]!r}, not "
                                 f"'little' or 'big'")
    return "<" if value == b"little" else ">"


class _Records:
    """Bounds-checked reads of an archive's stored records."""

    def __init__(self, archive, root, file_size, source):
        self.archive, self.root, self.file_size, self.source = archive, root, file_size, source

    def has(self, name):
        try:
            self.archive.getinfo(name)
        except KeyError:
            return False
        return True

    def info(self, name):
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise SerializationError(f"{self.source}: the archive has no record {name!r}") \
                from None
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise SerializationError(f"{self.source}: record {name!r} is compressed; torch "
                                     f"stores every record uncompressed")
        if info.file_size > self.file_size:
            raise SerializationError(f"{self.source}: record {name!r} declares "
                                     f"{info.file_size} bytes, more than the whole file "
                                     f"({self.file_size} bytes)")
        return info

    def read(self, name, limit=None, into=None):
        """The bytes of record ``name``, or fill the writable buffer ``into`` with them."""
        info = self.info(name)
        if limit is not None and info.file_size > limit:
            raise SerializationError(f"{self.source}: record {name!r} is {info.file_size} "
                                     f"bytes, over the limit of {limit}")
        buffer = bytearray(info.file_size) if into is None else into
        view = memoryview(buffer).cast("B")
        if len(view) != info.file_size:
            raise SerializationError(f"{self.source}: record {name!r} holds {info.file_size} "
                                     f"bytes, but {len(view)} are expected")
        try:
            with self.archive.open(info) as entry:
                filled = 0
                while filled < len(view):
                    n = entry.readinto(view[filled:])
                    if not n:
                        raise EOFError("the record ends early")
                    filled += n
                entry.read(1)  # reaching the end checks the CRC
        except _ZIP_ERRORS as exc:
            raise SerializationError(f"{self.source}: record {name!r} is damaged or truncated: "
                                     f"{exc}") from None
        return bytes(buffer) if into is None else buffer


class _StorageLoader:
    """Resolve ``('storage', torch.FloatStorage, key, location, numel)`` to its elements."""

    def __init__(self, records, root, byteorder, map_location, source):
        self.records, self.root, self.byteorder = records, root, byteorder
        self.map_location, self.source = map_location, source
        self.loaded = {}

    def __call__(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise WeightsOnlyUnpicklingError(f"unsupported persistent id {_short(pid)}: torch "
                                             f"checkpoints refer only to storages")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _torch_names.StorageType):
            raise WeightsOnlyUnpicklingError(f"a storage's type must be a torch storage class, "
                                             f"got {_short(storage_type)}")
        if not (isinstance(key, str) and isinstance(location, str) and isinstance(numel, int)
                and not isinstance(numel, bool) and 0 <= numel < 2 ** 62):
            raise WeightsOnlyUnpicklingError(f"a malformed storage reference {_short(pid)}")
        self._check_location(location)
        cached = self.loaded.get(key)
        if cached is not None:
            if cached.array.dtype.newbyteorder("=") != storage_type.numpy or \
                    cached.array.size != numel:
                raise WeightsOnlyUnpicklingError(f"storage {key!r} is referred to with two "
                                                 f"different types or sizes")
            return cached
        name = f"{self.root}/data/{key}"
        info = self.records.info(name)
        expected = numel * storage_type.numpy.itemsize
        if info.file_size != expected:
            raise SerializationError(f"{self.source}: storage {key!r} should hold {numel} "
                                     f"elements of {storage_type} ({expected} bytes), but the "
                                     f"record {name!r} is {info.file_size} bytes")
        buffer = self.records.read(name, into=bytearray(expected))
        array = np.frombuffer(buffer, storage_type.numpy.newbyteorder(self.byteorder))
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        storage = _torch_names.Storage(array)
        self.loaded[key] = storage
        return storage

    def _check_location(self, location):
        if location.startswith("cpu") or self.map_location is not None:
            return  # any map_location cynn accepts maps to the CPU
        if location.startswith("cuda"):
            raise RuntimeError(_CPU_ONLY)
        raise RuntimeError(f"the checkpoint holds a storage on device {location!r}; cynn runs "
                           f"on the CPU only: load it with map_location='cpu'")


class _FullUnpickler(pickle.Unpickler):
    """``pickle`` with torch's names mapped to cynn's: runs whatever the file names."""

    def __init__(self, file, storages):
        super().__init__(file)
        self._storages = storages

    def find_class(self, module, name):
        found = _torch_names.lookup(_torch_names.canonical_name(module, name))
        if found is not None:
            return found
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._storages(pid)


def _short(value):
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."
