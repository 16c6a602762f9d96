"""Hostile files built in memory, fast: a zip "bomb", a zip whose headers lie about sizes, workbooks whose few
cells describe a huge used rectangle (a far cell, a lying <dimension>, .ods repeats)."""
from __future__ import annotations

import io
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


# ---------------------------------------------------------------------------------------------
# Sparse sheets: tiny files whose used rectangle is huge (issue 11)
# ---------------------------------------------------------------------------------------------
def sparse_xlsx(row: int, col: int, dimension: str | None = None) -> bytes:
    """A normal census (header + one actor) with one more value at (row, col), as openpyxl writes it:
    ``sparse_xlsx(200_000, 16_384)`` has a cell at XFD200000. ``dimension`` rewrites <dimension ref> (a lie)."""
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    for j, value in enumerate(["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé"], start=1):
        ws.cell(1, j, value)
    for j, value in enumerate(["Médiathèque", "Bibliothèques", 2], start=1):
        ws.cell(2, j, value)
    ws.cell(row, col, "x")
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dimension.encode() + b'"', data)
            zout.writestr(info, data)
    return out.getvalue()


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods_cell(value) -> str:
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def ods_repeats(empty_rows: int, empty_cols: int, trailing_only: bool = False) -> bytes:
    """A census .ods (header + one actor) whose repeat attributes describe ``empty_rows`` empty rows of
    ``empty_cols`` empty cells, then (unless ``trailing_only``, as LibreOffice writes a sheet's end) one row
    with ``empty_cols - 1`` empty cells and a value: a few hundred bytes for empty_rows × empty_cols cells."""
    import zipfile

    rows = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
                   for row in (["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé"],
                               ["Médiathèque", "Bibliothèques", 2]))
    rows += (f'<table:table-row table:number-rows-repeated="{empty_rows}">'
             f'<table:table-cell table:number-columns-repeated="{empty_cols}"/></table:table-row>')
    if not trailing_only:
        rows += (f'<table:table-row><table:table-cell table:number-columns-repeated="{empty_cols - 1}"/>'
                 f'{_ods_cell("x")}</table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}><office:body>'
               f'<office:spreadsheet><table:table table:name="Acteurs">{rows}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                   'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                   'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
                   'manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", content)
    return buf.getvalue()
