"""Limits are enforced before the work they protect; unusable files get a clear French error."""
import json
import subprocess
import sys
import zipfile
import io

import pytest

from nrdash.census import CensusError, Limits, load_census
from nrdash.workbook import check_zip
from tests.bombs import xlsx_bomb
from tests.conftest import ROOT, actors_sheet, HEADER


def test_file_over_size_limit_refused_before_reading(tmp_path):
    p = tmp_path / "big.xlsx"
    p.write_bytes(b"PK\x03\x04" + bytes(3 * 1024 * 1024))
    with pytest.raises(CensusError, match="au-delà de la limite de 2 Mo"):
        load_census(p, limits=Limits(max_file_bytes=2 * 1024 * 1024))
    with pytest.raises(CensusError, match="au-delà de la limite"):
        load_census(p.read_bytes(), "big.xlsx", limits=Limits(max_file_bytes=2 * 1024 * 1024))


def test_honest_bomb_refused_from_declared_sizes():
    with pytest.raises(CensusError, match="décompressé"):
        check_zip(xlsx_bomb(64 << 20, lie=False), Limits(max_uncompressed_bytes=16 << 20))


def test_lying_bomb_refused_by_measuring_real_inflation():
    data = xlsx_bomb(64 << 20, lie=True)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 2048  # it lies
    with pytest.raises(CensusError, match="décompressé"):
        check_zip(data, Limits(max_uncompressed_bytes=16 << 20))


def test_two_gigabyte_bomb_refused_with_bounded_memory(tmp_path):
    """A ~2 MB file inflating to 2 GB, lying about its size, is refused by the default limits; the child
    process's peak memory stays far below the inflated size."""
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(xlsx_bomb(2 << 30, lie=True))
    assert bomb.stat().st_size < 3 << 20
    code = (
        "import json, resource, sys\n"
        "from nrdash.census import load_census, CensusError\n"
        "try:\n"
        "    load_census(sys.argv[1]); out = 'loaded'\n"
        "except CensusError as e:\n"
        "    out = str(e)\n"
        "print(json.dumps({'out': out, 'rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    result = json.loads(res.stdout)
    assert "décompressé" in result["out"]
    assert result["rss_kb"] < 600 * 1024  # < 600 MB, against 2 GB inflated (and ~15 GB for a plain read)


def test_row_limit():
    data = actors_sheet([[f"A{i}", "PME", 1] for i in range(30)])
    with pytest.raises(CensusError, match="au-delà de la limite de 10"):
        load_census(data, "t.xlsx", limits=Limits(max_rows=10))
    csv = ("\n".join([";".join(HEADER)] + [f"A{i};PME;1" for i in range(100)])).encode()
    with pytest.raises(CensusError, match="limite"):
        load_census(csv, "t.csv", limits=Limits(max_rows=10))


@pytest.mark.parametrize("payload,name,fragment", [
    (b"", "vide.xlsx", "vide"),
    (b"   \n\n", "vide.csv", "vide"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "photo.png", "pas un classeur"),
    (b"%PDF-1.7\n" + bytes(50), "doc.pdf", "pas un classeur"),
    (b"hello world", "note.docx", "pas un classeur"),
    (b"PK\x03\x04garbage", "abime.xlsx", "abîmée"),
])
def test_not_a_spreadsheet(payload, name, fragment):
    with pytest.raises(CensusError, match=fragment):
        load_census(payload, name)


def test_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.jpg", b"x" * 10)
    with pytest.raises(CensusError, match="n'est pas un classeur"):
        load_census(buf.getvalue(), "archive.xlsx")


def test_password_protected_workbook():
    # An encrypted OOXML file is an OLE2 container holding an "EncryptedPackage" stream.
    payload = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    with pytest.raises(CensusError, match="mot de passe"):
        load_census(payload, "secret.xlsx")


def test_missing_file():
    with pytest.raises(CensusError, match="introuvable"):
        load_census(ROOT / "nope.xlsx")
