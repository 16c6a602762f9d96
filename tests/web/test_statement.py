"""The accessibility and sobriety statement (issue 29; nrdash.web.statement, served by nrdash.web.public at /accessibilite):
the RGAA model's parts, the state in words and no rate, the checks with their date, the known non-conformities
with their workaround, the contacts (the instance's NRDASH_CONTACT_EMAIL, the territory's address when it has one),
the recourse, the multi-year plan, and what each page weighs as benchmarks/audit.json says."""
from __future__ import annotations

import html
import json
import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nrdash.web import public, statement, webpage
from nrdash.ui import source
from tests.appstore import fresh_store
from tests.principals import OP
from tests.ui.test_questionnaire_app import EPCI, V1

AUDIT = {"measured": "06/12/2026", "pages": [
    {"title": "Accueil", "path": "", "requests": 80, "kb": 612.4, "dom": 300, "grade": "B", "score": 70.0},
    {"title": "Questionnaire public", "path": "questionnaire", "requests": 1, "kb": 4.2, "dom": 180, "grade": "A",
     "score": 92.0}]}


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_statement_follows_the_rgaa_model():
    page = statement.body("numerique@agglo.fr", "CA de <La Rochelle>", "nr@agglo.fr", AUDIT)
    text = words(page)
    for part in ("Déclaration d'accessibilité", "État de conformité", "non conforme", "Ce qui a été vérifié",
                 "Contenus non accessibles", "Pour y accéder autrement", "Établissement de cette déclaration",
                 "Retour d'information et contact", "Voies de recours", "Défenseur des droits",
                 "Libre réponse 71120", "Schéma pluriannuel", "Déclaration de sobriété numérique",
                 "Ce que fait nrdash pour rester léger", "Ce que peut faire un territoire", "mode atelier",
                 "hors ligne"):
        assert part in text, part
    assert "partiellement conforme" not in text  # and no rate: there is no full audit
    assert not re.search(r"\d+(,\d+)? ?% des critères|taux de conformité\s*(de|:|est)\s*\d", text)
    for check in statement.MANUAL_CHECKS:  # the checks made by hand, each with its date
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", check.date) and f"{check.date} {check.what}" in text
    assert len(statement.NOT_ACCESSIBLE) >= 3 and all(how for _, how in statement.NOT_ACCESSIBLE)
    assert 'href="mailto:numerique@agglo.fr"' in page and 'href="mailto:nr@agglo.fr"' in page
    assert "CA de &lt;La Rochelle&gt;" in page and "<La Rochelle>" not in page  # escaped
    assert "Questionnaire public A (92) 1 4" in text and "Accueil B (70) 80 612 300" in text


def test_without_contact_nor_measure_the_statement_says_so():
    text = words(statement.body(None, None, None, None))
    assert "Aucune adresse de contact n'est encore indiquée pour ce serveur" in text
    assert "NRDASH_CONTACT_EMAIL" in text and "python benchmarks/audit.py" in text
    assert "Défenseur des droits" in text  # the recourse is always there


def test_contact_setting_is_checked(monkeypatch):
    assert statement.contact_email(" numerique@agglo.fr ") == "numerique@agglo.fr"
    assert statement.contact_email("") is None
    monkeypatch.delenv(statement.CONTACT_VARIABLE, raising=False)
    assert statement.contact_email() is None
    with pytest.raises(ValueError, match="NRDASH_CONTACT_EMAIL=.*nom@domaine.fr"):
        statement.contact_email("numerique<at>agglo")


def test_the_committed_measure_covers_every_page_and_public_page():
    from nrdash.ui import PAGES
    from tests.e2e.sobriety import PUBLIC_PAGES, VOTE_PAGE

    audit = statement.load_audit()
    assert audit is not None, "benchmarks/audit.json: python benchmarks/audit.py"
    titles = [p["title"] for p in audit["pages"]]
    assert titles == [t for _, t, _ in PAGES] + [t for _, t, _ in PUBLIC_PAGES] + [VOTE_PAGE[0]]
    for p in audit["pages"]:
        assert p["grade"] in "ABCDEFG" and 0 <= p["score"] <= 100 and p["requests"] > 0 and p["kb"] > 0


@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    source.store.clear()


def test_the_server_answers_the_statement_with_the_territorys_contact(db, monkeypatch):
    monkeypatch.setenv(statement.CONTACT_VARIABLE, "numerique@serveur.fr")
    db.set_territory(OP, EPCI, contact_email="nr@agglo.fr")  # the territory's contact address (issue 25)
    app = Starlette(routes=public.routes(trusted=[], store_factory=lambda: db))
    with TestClient(app) as client:
        response = client.get(f"/accessibilite?territoire={EPCI}")
        assert response.status_code == 200 and response.headers["content-security-policy"] == webpage.CSP
        page = response.text
        assert 'href="mailto:nr@agglo.fr"' in page and 'href="mailto:numerique@serveur.fr"' in page
        assert "CA de La Rochelle" in words(page) and "<script" not in page
        assert '<html lang="fr">' in page and "<title>Déclaration d&#x27;accessibilité – nrdash</title>" in page
        generic = client.get("/accessibilite?territoire=00000").text  # an unknown territory: the instance's only
        assert "mailto:nr@agglo.fr" not in generic and "mailto:numerique@serveur.fr" in generic
    monkeypatch.setenv(statement.CONTACT_VARIABLE, "pas une adresse")
    with pytest.raises(ValueError, match="NRDASH_CONTACT_EMAIL"):  # a wrong setting stops the server at start
        public.routes(trusted=[], store_factory=lambda: db)


def test_every_page_of_the_server_ends_on_the_statements_link():
    page = webpage.render("Connexion", "<h1>Connexion</h1>")
    assert page.endswith('<footer><a href="accessibilite">Déclaration d\'accessibilité</a></footer></body></html>')
    assert webpage.statement_link_html(territory="2A004&x") == (
        '<a href="accessibilite?territoire=2A004%26x">Déclaration d\'accessibilité</a>')
    assert "<footer>" not in webpage.render(webpage.STATEMENT_LINK, "", footer=False)
    json.dumps(AUDIT)  # (the measure's shape is what benchmarks/audit.py writes)


def test_the_phones_vote_page_ends_on_the_statements_link(tmp_path):
    """A public page too (issue 28's /vote): the link « Déclaration d'accessibilité », exactly, opened in the same
    tab, on the code's form, a ballot and a closed vote's result."""
    from nrdash.store import Store
    from nrdash.web import vote_page

    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}")
    try:
        code = s.open_vote(OP, "exemple").code
        with TestClient(Starlette(routes=vote_page.routes(store_factory=lambda: s, trusted=[]))) as client:
            pages = [client.get("/vote").text, client.get("/vote", params={"code": code}).text]
            s.close_vote(OP, "exemple")
            pages.append(client.get("/vote", params={"code": code}).text)
    finally:
        s.close()
    for page in pages:
        links = re.findall(r'<a ([^>]*)>([^<]*)</a>', page)
        assert [a for a, text in links if html.unescape(text) == "Déclaration d'accessibilité"] == \
            ['href="accessibilite"'], page[-300:]


def test_the_open_data_listing_ends_on_the_statements_link():
    """A public page too (issue 27's /donnees/CODE/): the link « Déclaration d'accessibilité », exactly, to the
    territory's statement, opened in the same tab (relative to /donnees/CODE/)."""
    from nrdash import opendata as od
    from nrdash.web import opendata_routes as web_od
    from tests.test_opendata import release

    page = od.listing_html(release(), statement=web_od.statement_address("241700434"))
    links = re.findall(r'<a ([^>]*)>([^<]*)</a>', page)
    assert [a for a, text in links if html.unescape(text) == "Déclaration d'accessibilité"] == \
        ['href="../../accessibilite?territoire=241700434"']
