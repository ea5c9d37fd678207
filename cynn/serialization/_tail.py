"""The rest of ``torch.serialization``'s public names: inspecting a checkpoint's
globals before loading it, and the switches torch keeps for its loader (crc32,
endianness, mmap flags, storage location tags) -- kept as settings cynn reads or
records, with torch's defaults."""
import enum
import os
import pickletools
import tempfile
import zipfile

from . import _safe_globals, _torch_names

__all__ = ["get_unsafe_globals_in_checkpoint", "LoadEndianness", "get_default_load_endianness",
           "set_default_load_endianness", "get_crc32_options", "set_crc32_options",
           "get_default_mmap_options", "set_default_mmap_options", "SourceChangeWarning",
           "check_module_version_greater_or_equal", "default_restore_location", "location_tag",
           "normalize_storage_type", "storage_to_tensor_type", "register_package", "mkdtemp",
           "skip_data", "validate_cuda_device", "validate_hpu_device", "StorageType"]

StorageType = _torch_names.StorageType


def get_unsafe_globals_in_checkpoint(f):
    """The ``module.name`` globals a torch checkpoint's pickle refers to that the
    weights-only loader would refuse (neither built in nor allowed with
    ``add_safe_globals``), read from the pickle's opcodes without running anything."""
    close = False
    if isinstance(f, (str, os.PathLike)):
        f, close = open(f, "rb"), True
    try:
        with zipfile.ZipFile(f) as archive:
            name = next((n for n in archive.namelist() if n.endswith("/data.pkl")), None)
            if name is None:
                raise RuntimeError("get_unsafe_globals_in_checkpoint: not a torch zip checkpoint")
            data = archive.read(name)
    finally:
        if close:
            f.close()
    found, strings = [], []
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings.append(arg)
        elif opcode.name == "GLOBAL":
            found.append(arg.replace(" ", "."))
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.append(f"{strings[-2]}.{strings[-1]}")
    allowed = _safe_globals.allowed_by_name()
    unsafe = []
    for qualified in found:
        module, _, leaf = qualified.rpartition(".")
        canonical = _torch_names.canonical_name(module, leaf)
        if _torch_names.lookup(canonical) is None and canonical not in allowed and \
                canonical not in unsafe:
            unsafe.append(canonical)
    return unsafe


class LoadEndianness(enum.Enum):
    NATIVE = 1
    LITTLE = 2
    BIG = 3


_settings = {"endianness": None, "crc32": True, "mmap": None}


def get_default_load_endianness():
    """The byte order assumed for checkpoints without a byteorder record (None: native;
    cynn reads the record when the file has one)."""
    return _settings["endianness"]


def set_default_load_endianness(endianness):
    if endianness is not None and not isinstance(endianness, LoadEndianness):
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    _settings["endianness"] = endianness


def get_crc32_options():
    return _settings["crc32"]


def set_crc32_options(compute_crc32):
    """Whether saves compute CRC32s of their records (cynn's zip writer always does)."""
    _settings["crc32"] = bool(compute_crc32)


def get_default_mmap_options():
    return _settings["mmap"]


def set_default_mmap_options(flags):
    """The flags ``load(mmap=True)`` uses (``mmap.MAP_PRIVATE`` or ``MAP_SHARED``)."""
    import mmap
    if flags not in (mmap.MAP_PRIVATE, mmap.MAP_SHARED):
        raise ValueError("Invalid argument in function set_default_mmap_options, expected "
                         "mmap.MAP_PRIVATE or mmap.MAP_SHARED, but got {flags}")
    _settings["mmap"] = flags


class SourceChangeWarning(Warning):
    """A saved module's source differs from the installed one (torch's legacy pickles)."""


def check_module_version_greater_or_equal(module, req_version_tuple, error_if_malformed=True):
    """Whether ``module.__version__`` is at least ``req_version_tuple``."""
    version = getattr(module, "__version__", "")
    parts = []
    for piece in version.split(".")[:len(req_version_tuple)]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            if error_if_malformed:
                raise RuntimeError(f"'{module.__name__}' module version string is malformed "
                                   f"'{version}' and cannot be compared with tuple "
                                   f"{req_version_tuple}")
            return True
        parts.append(int(digits))
    return tuple(parts) >= tuple(req_version_tuple)


def default_restore_location(storage, location):
    """Storages load onto the CPU (every location tag maps there in cynn)."""
    if not str(location).startswith("cpu"):
        raise RuntimeError(f"cynn is CPU-only: cannot restore a storage to {location!r}")
    return storage


def location_tag(storage):
    return "cpu"


def normalize_storage_type(storage_type):
    return storage_type


def storage_to_tensor_type(storage):
    """The legacy tensor-type name of a storage (``torch.FloatStorage`` -> FloatTensor)."""
    name = getattr(storage, "name", type(storage).__name__)
    return name.replace("Storage", "Tensor")


_packages = []


def register_package(priority, tagger, deserializer):
    """Record a (tagger, deserializer) pair for storage locations, sorted by priority
    (torch uses them for devices; cynn keeps them for code that registers one)."""
    _packages.append((priority, tagger, deserializer))
    _packages.sort(key=lambda entry: entry[0])


def mkdtemp():
    """A temporary directory, removed when the context ends (as torch's helper)."""
    return tempfile.TemporaryDirectory()


class skip_data:
    """Within this block ``save`` would write the structure without tensor bytes (torch's
    fake-tensor saving); cynn records the flag only."""

    def __init__(self, materialize_fake_tensors=False):
        self.materialize_fake_tensors = materialize_fake_tensors

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def validate_cuda_device(location):
    raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                       "torch.cuda.is_available() is False. If you are running on a CPU-only "
                       "machine, please use torch.load with map_location=torch.device('cpu') "
                       "to map your storages to the CPU.")


def validate_hpu_device(location):
    raise RuntimeError("Attempting to deserialize object on a HPU device but HPU is not "
                       "available in cynn.")
