"""Open data through the real server (issue 27): `streamlit run nrdash/web/server.py` answers /donnees/CODE/… with
its middleware (compression, protections), HEAD, CORS on these routes only, and frictionless validates the Data
Package at its address; the listing page as a visitor sees it."""
from __future__ import annotations

import gzip
import http.client
import urllib.parse
import warnings

import pytest

from nrdash.store import Store
from tests.e2e.harness import streamlit_server
from tests.principals import OP

CODE = "exemple"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("opendata")
    s = Store(f"sqlite:///{data / 'nrdash.db'}")  # the fictional sample, published under « exemple »
    s.set_territory(OP, CODE, anonymous_read=True)
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data)}) as url:
        yield url


def call(url: str, path: str, method: str = "GET", headers: dict | None = None):
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=120)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_files_head_compression_and_cors_through_the_server(open_server):
    status, headers, body = call(open_server, f"/donnees/{CODE}/acteurs.csv")
    assert status == 200 and body.startswith(b"identifiant,nom,siret,famille,")
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "public, max-age=300"
    status, head, empty = call(open_server, f"/donnees/{CODE}/acteurs.csv", "HEAD")
    assert status == 200 and empty == b"" and head["etag"] == headers["etag"]
    assert int(head["content-length"]) == len(body)
    status, packed_headers, packed = call(open_server, f"/donnees/{CODE}/acteurs.csv",
                                          headers={"Accept-Encoding": "gzip"})
    assert packed_headers["content-encoding"] == "gzip" and packed_headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(packed) == body and len(packed) < len(body) / 3
    assert packed_headers["etag"] == headers["etag"]
    status, _, _ = call(open_server, f"/donnees/{CODE}/acteurs.csv", headers={"If-None-Match": headers["etag"]})
    assert status == 304
    for path in ("/", "/connexion", "/_stcore/health"):  # the rest of the site: no CORS
        assert "access-control-allow-origin" not in call(open_server, path)[1], path
    for path in (f"/donnees/{CODE}/acteurs.csv?version=7", "/donnees/241700434/", f"/donnees/{CODE}/x"):
        status, headers, body = call(open_server, path)
        assert (status, body.decode()) == (404, "Page introuvable : vérifiez l'adresse.")


def test_frictionless_validates_the_package_at_its_address(open_server):
    from frictionless import validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate(f"{open_server}/donnees/{CODE}/datapackage.json")
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid and len(report.tasks) == 4


def test_listing_page_as_a_visitor_sees_it(open_server, page, artifacts):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{open_server}/donnees/{CODE}/")
    assert page.title().startswith("Données ouvertes")
    links = page.get_by_role("link")
    assert links.filter(has_text="Acteurs (CSV)").count() == 1
    assert page.get_by_role("heading", level=2, name="Ce qui n'est jamais publié").is_visible()
    page.screenshot(path=str(artifacts / "opendata-listing-1280.png"), full_page=True)
    with page.expect_download() as download:
        links.filter(has_text="Acteurs (CSV)").click()
    assert download.value.suggested_filename.endswith(f"_{CODE}_acteurs-numerique-responsable.csv")
    assert page.js_errors == []


@pytest.mark.filterwarnings("ignore:Use compute_ecoindex instead:DeprecationWarning")
def test_listing_page_ecoindex_b_or_better(open_server, browser):
    """The listing page is in benchmarks/audit.py's list; its target: B or better (score ≥ 70)."""
    from benchmarks.audit import SERVER_PAGES
    from tests.e2e.sobriety import VIEWPORT, measure

    assert ("donnees/exemple/", "Données ouvertes") in SERVER_PAGES
    page = browser.new_context(viewport=VIEWPORT).new_page()
    result = measure(page, f"{open_server}/donnees/{CODE}/", streamlit=False)
    page.context.close()
    assert result["grade"] in ("A", "B") and result["score"] >= 70, result
