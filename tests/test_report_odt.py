"""The briefing as an OpenDocument text (issue 27): the HTML briefing's sections as headings, tables as tables, the map
as an SVG image, the provenance; no personal data; census text as text (markup inert, control characters made
U+FFFD so the XML stays well formed). LibreOffice (Debian's, as the machine has it) converts it to PDF without error
and the PDF's text has the key figures."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from streamlit.testing.v1 import AppTest

from nrdash.report import ReportInput
from nrdash.report_odt import MEDIA_TYPE, build_odt
from tests.conftest import ROOT
from tests.pg import unavailable

NS = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
      "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
      "xlink": "http://www.w3.org/1999/xlink"}
HEADINGS = ["Le territoire", "Indicateurs clés", "Engagement des acteurs", "Cercles de mobilisation",
            "Matrice d'actions", "Carte des acteurs", "Provenance"]


@pytest.fixture(scope="module")
def odt(sample_census):
    actors = sample_census.actors.copy()
    actors.loc[actors.index[0], "name"] = "<script>alert(1)</script> a\x01b"
    for column in ("referent", "contact"):
        if column in actors:
            actors[column] = "Personne Secrète secret@exemple.fr"
    return build_odt(ReportInput(sample_census, actors, sample_census.actions, "150 acteurs — aucun filtre"))


def test_odt_sections_tables_map_and_no_personal_data(odt, sample_census):
    archive = zipfile.ZipFile(io.BytesIO(odt))
    assert archive.read("mimetype") == MEDIA_TYPE.encode()
    content = archive.read("content.xml").decode("utf-8")
    root = ElementTree.fromstring(content)  # well formed, the control character included
    headings = [(h.get(f"{{{NS['text']}}}outline-level"), "".join(h.itertext()))
                for h in root.iter(f"{{{NS['text']}}}h")]
    assert headings[0] == ("1", "Numérique responsable : " + sample_census.territory.name)
    assert [t for level, t in headings if level == "2"] == HEADINGS
    tables = list(root.iter(f"{{{NS['table']}}}table"))
    assert len(tables) >= 4  # key figures, levels by family, the plan, the actors
    rows = tables[0].iter(f"{{{NS['table']}}}table-row")
    figures = {"".join(r[0].itertext()): "".join(r[1].itertext()) for r in rows}
    assert figures["Acteurs"] == "150" and figures["Cases de la matrice couvertes"] == "12 / 16"
    assert figures["Cercle 1"] == "12"
    [image] = root.iter(f"{{{NS['draw']}}}image")
    picture = archive.read(image.get(f"{{{NS['xlink']}}}href")).decode("utf-8")
    assert picture.startswith("<svg") and picture.count("<circle") > 100
    ElementTree.fromstring(picture)
    assert "<script>alert(1)</script> a\ufffdb" in "".join(root.itertext())  # text, never markup
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8", "replace")
    assert "Secrète" not in everything and "secret@" not in everything and "@example.org" not in everything
    assert sample_census.sha256 in content


def test_libreoffice_converts_it_to_pdf_with_the_key_figures(odt, sample_census, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        unavailable("LibreOffice or pdftotext absent: apt-get install libreoffice-writer-nogui poppler-utils (Debian)")
    (tmp_path / "rapport.odt").write_bytes(odt)
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profil'}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "rapport.odt")],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and (tmp_path / "rapport.pdf").exists(), done.stderr
    words = subprocess.run(["pdftotext", str(tmp_path / "rapport.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    for expected in ("Indicateurs clés", "Acteurs", "150", "Cases de la matrice couvertes", "12 / 16",
                     "Provenance", sample_census.sha256, "129 acteurs placés sur 150."):
        assert expected in words, expected


def test_rapport_page_offers_the_odt():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/rapport.py").run()
    assert not at.exception
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Télécharger le rapport (.html)", "Télécharger le rapport (.odt)"} <= labels
