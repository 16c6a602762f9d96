"""A census as large as the documented limits allow, written fast (raw SpreadsheetML, no openpyxl): the 20 columns
of the template then columns of its own, every cell filled, a text of its own in every text cell (nothing for a
reader to share). Used by tests/test_limits.py (the boundary of NRDASH_MAX_CELLS) and benchmarks/bench_limits.py.

    wide_census(199_000, 50)  # 9.95 million cells: the issue 23 file, inside every limit
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Acteurs" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')
TYPES = ("PME", "Associations du NR", "Commune", "Grandes entreprises", "Habitants", "Universités")


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header(cols: int) -> list[str]:
    from nrdash import referential as ref

    template = [c.header for c in ref.ACTOR_COLUMNS]
    return (template + [f"Colonne libre {k}" for k in range(1, cols - len(template) + 1)])[:cols]


def _row(i: int, cols: int, pad: str = "") -> list[str | int | float]:
    """Actor i: the template's columns with values the checks accept, then short texts of its own; ``pad``
    lengthens every free text (name, address, description, referent, the columns of its own)."""
    from nrdash import referential as ref

    insee = f"17{(i % 400) + 1:03d}"
    by_field = {"name": f"Structure {i}{pad}", "type": TYPES[i % len(TYPES)], "is_local": "oui" if i % 2 else "non",
                "commune": f"Commune {insee}", "insee": insee, "postcode": insee, "address": f"{i % 99 + 1} rue du Port{pad}",
                "lat": 46.1 + (i % 1000) / 10_000, "lon": -1.15 - (i % 1000) / 10_000,
                "action_types": "Sensibilisation des collaborateurs", "dimensions": "Mesure",
                "description": f"Action {i}{pad}", "level": i % 4, "circle": (i % 3) + 1, "source": "Recherche",
                "referent": f"Référent {i}{pad}", "contact": f"r{i}@example.org", "updated": "15/03/2026"}
    values: list[str | int | float] = [by_field.get(c.field, "") for c in ref.ACTOR_COLUMNS]
    values += [f"v{i}.{k}{pad}" for k in range(len(values), cols)]
    return values[:cols]


def _cell(value: str | int | float) -> str:
    if isinstance(value, (int, float)):
        return f"<c><v>{value}</v></c>"
    if value == "":
        return "<c/>"
    return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def wide_census(rows: int, cols: int, text_length: int = 0) -> bytes:
    """An .xlsx whose sheet « Acteurs » is ``rows`` rows (the header included) × ``cols`` columns, every data cell
    written but the SIRET and the family (the type gives it); ``text_length``: the free texts padded by as many
    characters (the same file with fewer, longer cells)."""
    pad = " " + "x" * (text_length - 1) if text_length else ""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(('<?xml version="1.0" encoding="UTF-8"?>'
                     '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     f'<dimension ref="A1:{_column(cols - 1)}{rows}"/><sheetData>').encode())
            f.write(("<row>" + "".join(_cell(h) for h in _header(cols)) + "</row>").encode())
            chunk: list[str] = []
            for i in range(1, rows):
                chunk.append("<row>" + "".join(_cell(v) for v in _row(i, cols, pad)) + "</row>")
                if len(chunk) == 5000:
                    f.write("".join(chunk).encode())
                    chunk = []
            f.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return out.getvalue()
