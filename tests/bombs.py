"""Hostile archives built in memory, fast: a zip "bomb" and a zip whose headers lie about sizes."""
from __future__ import annotations

import struct
import zlib

XLSX_SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
}


def deflate_zeros(total: int, block: int = 1 << 24) -> bytes:
    """Raw deflate of `total` zero bytes, built by repeating one full-flushed block (no 2 GB buffer)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = co.compress(bytes(block)) + co.flush(zlib.Z_FULL_FLUSH)
    n = total // block
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    final = tail.compress(b"") + tail.flush()  # an empty final block ends the stream
    return one * n + final


def make_zip(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """Zip from {name: (raw deflate data, declared uncompressed size, declared crc)}."""
    out, central = bytearray(), bytearray()
    for name, (data, size, crc) in members.items():
        fname = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(fname), 0)
        out += fname + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                               len(fname), 0, 0, 0, 0, 0, offset)
        central += fname
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_offset, 0)
    return bytes(out)


def honest(data: bytes) -> tuple[bytes, int, int]:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(), len(data), zlib.crc32(data)


def xlsx_bomb(inflated: int, lie: bool) -> bytes:
    """An xlsx-looking archive whose sheet inflates to `inflated` bytes; with `lie`, it declares 1 KB."""
    members = {k: honest(v) for k, v in XLSX_SKELETON.items()}
    members["xl/worksheets/sheet1.xml"] = (deflate_zeros(inflated), 1024 if lie else inflated % (1 << 32), 0)
    return make_zip(members)
