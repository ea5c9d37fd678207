"""A zip archive writer for torch's layout: stored entries, data aligned to 64 bytes.

``torch.save`` stores every record uncompressed and pads each local header with
an extra field (id ``FB``) so that the record's data begins at a multiple of 64
bytes, which lets a reader map storages straight from the file. This writer does
the same. CRCs are computed before each header is written, so no data
descriptors are needed and the output never has to be seeked: a pipe or socket
works. ZIP64 records are added when a size or an offset passes 4 GiB.
"""
import struct
import zlib

import numpy as np

__all__ = ["ZipWriter"]

_ALIGNMENT = 64
_ZIP64_LIMIT = 0xFFFFFFFF
_VERSION = 20
_VERSION_ZIP64 = 45
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as torch writes it: reproducible files
_FLAG_UTF8 = 0x0800


class ZipWriter:
    """Write records to the binary file ``f``; call :meth:`close` to finish the archive.

    Args:
        f: a binary file with ``write``; nothing else is used.
        force_zip64 (bool): write ZIP64 records even when nothing needs them (tests).
    """

    def __init__(self, f, force_zip64=False):
        self._f = f
        self._position = 0
        self._entries = []
        self._force_zip64 = force_zip64

    def _emit(self, chunk):
        self._f.write(chunk)
        self._position += len(chunk)

    def add(self, name, data, write=None):
        """Add the record ``name`` holding ``data`` (bytes, or a C-contiguous ndarray).

        Args:
            write: if given, ``write(f, data)`` writes the data instead of
                ``f.write`` (the package passes its test-visible array writer).
        """
        if isinstance(data, np.ndarray):
            view = memoryview(data.reshape(-1).view(np.uint8))
        else:
            view = memoryview(data).cast("B")
        size = len(view)
        crc = zlib.crc32(view)
        encoded = name.encode("utf-8")
        offset = self._position
        zip64 = self._force_zip64 or size >= _ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 0x0001, 16, size, size) if zip64 else b""
        data_start = offset + 30 + len(encoded) + len(extra) + 4
        padding = -data_start % _ALIGNMENT
        extra += b"FB" + struct.pack("<H", padding) + b"Z" * padding
        recorded = 0xFFFFFFFF if zip64 else size
        self._emit(struct.pack("<IHHHHHIIIHH", 0x04034B50,
                               _VERSION_ZIP64 if zip64 else _VERSION, _FLAG_UTF8, 0, 0,
                               _DOS_DATE, crc, recorded, recorded, len(encoded), len(extra)))
        self._emit(encoded)
        self._emit(extra)
        if write is None:
            self._f.write(view)
        else:
            write(self._f, data)
        self._position += size
        self._entries.append((encoded, crc, size, offset))

    def close(self):
        """Write the central directory and the end records."""
        directory_start = self._position
        any_zip64 = self._force_zip64
        for encoded, crc, size, offset in self._entries:
            wide = [value for value in (size, size, offset)
                    if self._force_zip64 or value >= _ZIP64_LIMIT]
            extra = struct.pack(f"<HH{len(wide)}Q", 0x0001, 8 * len(wide), *wide) if wide else b""
            any_zip64 = any_zip64 or bool(wide)
            narrow = [0xFFFFFFFF if self._force_zip64 or value >= _ZIP64_LIMIT else value
                      for value in (size, size, offset)]
            version = _VERSION_ZIP64 if wide else _VERSION
            self._emit(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version,
                                   _FLAG_UTF8, 0, 0, _DOS_DATE, crc, narrow[0], narrow[1],
                                   len(encoded), len(extra), 0, 0, 0, 0, narrow[2]))
            self._emit(encoded)
            self._emit(extra)
        directory_size = self._position - directory_start
        count = len(self._entries)
        if (any_zip64 or count >= 0xFFFF or directory_start >= _ZIP64_LIMIT
                or directory_size >= _ZIP64_LIMIT):
            end64 = self._position
            self._emit(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _VERSION_ZIP64, _VERSION_ZIP64,
                                   0, 0, count, count, directory_size, directory_start))
            self._emit(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
            self._emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                                   0xFFFFFFFF, 0))
        else:
            self._emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, directory_size,
                                   directory_start, 0))
