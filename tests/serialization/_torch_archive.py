"""Hand-assembled pickles and torch-layout zip archives, for tests of cynn's reader.

The bytes come from pickle's opcode table (``pickletools``) and ``zipfile``, never
from cynn's writer, so a test of the reader cannot agree with a bug in the writer.
"""
import io
import struct
import zipfile

PROTO2 = b"\x80\x02"
STOP = b"."
MARK = b"("
TUPLE = b"t"
REDUCE = b"R"
BUILD = b"b"
EMPTY_DICT = b"}"
EMPTY_TUPLE = b")"
EMPTY_LIST = b"]"
APPEND = b"a"
NEWFALSE = b"\x89"
BINPERSID = b"Q"


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def text(value):
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def integer(value):
    if -2 ** 31 <= value < 2 ** 31:
        return b"J" + struct.pack("<i", value)
    data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data  # LONG1


def int_tuple(values):
    return MARK + b"".join(integer(v) for v in values) + TUPLE


def tensor(key, numel, offset, size, stride, storage="FloatStorage", requires_grad=False):
    """``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, {})``."""
    pid = MARK + text("storage") + glob("torch", storage) + text(key) + text("cpu") \
        + integer(numel) + TUPLE + BINPERSID
    return (glob("torch._utils", "_rebuild_tensor_v2") + MARK + pid + integer(offset)
            + int_tuple(size) + int_tuple(stride) + (b"\x88" if requires_grad else NEWFALSE)
            + EMPTY_DICT + TUPLE + REDUCE)


def program(*parts):
    """A protocol-2 pickle of ``parts`` (opcodes) followed by STOP."""
    return PROTO2 + b"".join(parts) + STOP


def archive(data_pkl, records=(), root="archive", byteorder=b"little"):
    """A torch-layout zip: ``root/data.pkl``, ``root/data/<key>`` for each record, byteorder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{root}/data.pkl", data_pkl)
        if byteorder is not None:
            zf.writestr(f"{root}/byteorder", byteorder)
        for key, data in dict(records).items():
            zf.writestr(f"{root}/data/{key}", data)
        zf.writestr(f"{root}/version", b"3\n")
    return buffer.getvalue()
