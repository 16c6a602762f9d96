"""Views for another site (issue 27), in the app: ?integre=1 on the five figure pages shows the figure, its sentence,
the filters in words and « Voir le tableau de bord », nothing else; never personal data; a closed territory shows
nothing to a session that may not read it; other pages say they cannot be embedded; the « Intégrer » button gives
the <iframe> with the current filters. AppTest over the sample and over a real embedded store (tests/appstore.py)."""
from __future__ import annotations

import html
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from streamlit.testing.v1 import AppTest

from nrdash.filters import Filters, apply_filters
from nrdash.ui import source
from nrdash.ui.embed import DASHBOARD_LINK, EMBED_PAGES, NOT_EMBEDDABLE
from tests.appstore import EPCI, fresh_store, signed_in
from tests.conftest import ROOT
from tests.mdtext import displayed
from tests.principals import OP
from tests.ui.test_app import chart_summaries, charts_of
from tests.ui.test_workspace_app import V1

APP = str(ROOT / "app.py")
PERSONAL = ("Hugo Guérin", "hugo@example.org", "Ana Lopez", "ana@example.org")  # V1's Référent and Contact


def run(path: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if path != EMBED_PAGES[0]:
        at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [displayed(e.value) for kind in ("title", "markdown", "caption", "error", "warning", "info")
             for e in getattr(at, kind)]
    parts += [el.proto.json for el in charts_of(at)] + [c.value for c in at.code]
    return "\n".join(parts)


def links(at: AppTest) -> list[tuple[dict, str]]:
    """The raw HTML links the page writes: (attributes, text)."""
    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.append([dict(attrs), ""])

        def handle_data(self, data):
            if found:
                found[-1][1] += data

    for m in at.markdown:
        if "<a " in m.value:
            Links().feed(m.value)
    return [(a, t) for a, t in found]


def widgets(at: AppTest) -> list:
    kinds = ("button", "toggle", "radio", "checkbox", "selectbox", "multiselect", "text_input", "file_uploader",
             "segmented_control", "pills", "popover", "number_input")
    return [w for kind in kinds for w in at.get(kind)]


def figure_sentence(at: AppTest, path: str) -> str:
    """The page's figure and the sentence that gives its numbers."""
    if path == "pages/carte.py":  # the still map (an SVG written in the page) and its sentence
        assert [m for m in at.markdown if "<svg" in m.value]
        return next(displayed(c.value) for c in at.caption if "placés" in c.value)
    assert len(charts_of(at)) == 1  # the main figure alone
    [sentence] = chart_summaries(at)
    return sentence


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_an_embedded_page_shows_its_figure_sentence_filters_and_link_only(path, sample_census):
    at = run(path, integre="1", niveau=["2", "3"])
    assert figure_sentence(at, path)
    assert not at.title and not at.header and not at.subheader  # no page heading, no other section
    assert len(at.sidebar.children) == 0  # no menu, sign-in, filters, upload
    assert widgets(at) == []  # nothing to click but the link: no filter, no setting, no « Intégrer »
    shown = len(apply_filters(sample_census.actors, Filters.from_territory(sample_census.territory)
                              .with_values(levels=(2, 3))))
    caption = displayed(at.caption[-1].value)
    assert caption.startswith(f"Recensement d'exemple (fictif). {shown} acteurs sur 150 — filtres : "), caption
    assert "niveau" in caption
    [(attrs, text)] = links(at)
    assert text == DASHBOARD_LINK and (attrs["target"], attrs["rel"]) == ("_blank", "noopener")
    href = urllib.parse.urlsplit(attrs["href"])
    page = "" if path == EMBED_PAGES[0] else path.split("/")[1].removesuffix(".py")
    assert href.path == f"/{page}" and urllib.parse.parse_qs(href.query) == {"niveau": ["2", "3"]}
    assert "Déclaration d'accessibilité" not in texts(at)  # the host site has its own
    assert "pages/" not in at.query_params.get("integre", "")


def test_an_embed_never_has_personal_data_even_for_an_editor_who_may_see_it(tmp_path, monkeypatch):
    db = fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    try:
        db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
        signed_in(monkeypatch, "marie@x.fr")
        at = run("pages/accueil.py", territoire=EPCI)  # the dashboard gives this editor Référent and Contact
        assert "Hugo Guérin" in at.session_state["_context"].dataset.census.actors["referent"].tolist()
        for path in EMBED_PAGES:
            at = run(path, territoire=EPCI, integre="1")
            ctx = at.session_state["_context"]
            assert ctx.embedded and len(ctx.actors) == 2
            actors = ctx.dataset.census.actors  # never loaded: the store gives the census without them
            assert not [c for c in ("referent", "contact") if c in actors.columns
                        and actors[c].fillna("").astype(str).str.strip().any()]
            assert not [p for p in PERSONAL if p in texts(at)], path
            assert figure_sentence(at, path)
    finally:
        source.store.clear()


def test_a_closed_territory_shows_nothing_to_an_anonymous_embed(tmp_path, monkeypatch):
    db = fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1), public=False)
    try:
        at = run("pages/carte.py", territoire=EPCI, integre="1")
        assert not charts_of(at) and not [m for m in at.markdown if "<svg" in m.value]
        assert "_context" not in at.session_state
        [info] = at.info
        assert "n'est pas visible ici" in displayed(info.value) and "Mairie de Lagord" not in texts(at)
        [(attrs, text)] = links(at)
        assert text == DASHBOARD_LINK and attrs["href"] == f"/carte?territoire={EPCI}"  # where one signs in
        assert len(at.sidebar.children) == 0
        db.add_user(OP, "lea@x.fr", "motdepasse-long", "lecteur", EPCI)
        signed_in(monkeypatch, "lea@x.fr")  # the page's own rules: a session that may read sees it
        at = run("pages/carte.py", territoire=EPCI, integre="1")
        assert figure_sentence(at, "pages/carte.py").startswith("2 acteurs placés")
    finally:
        source.store.clear()


@pytest.mark.parametrize("path", ["pages/recensement.py", "pages/versions.py", "pages/rapport.py"])
def test_other_pages_say_they_cannot_be_embedded(path):
    at = run(path, integre="1")
    assert [i.value for i in at.info] == [NOT_EMBEDDABLE]
    assert not at.title and not at.dataframe and not widgets(at) and len(at.sidebar.children) == 0
    [(attrs, text)] = links(at)
    assert text == DASHBOARD_LINK and attrs["href"] == "/" + path.split("/")[1].removesuffix(".py")


def popovers(at: AppTest) -> list[str]:
    return [p.proto.popover.label for p in at.get("popover")]


def snippet_of(at: AppTest) -> dict:
    [code] = [c.value for c in at.code if c.value.startswith("<iframe")]
    attrs = re.findall(r'(\w+)="([^"]*)"', code)
    return {k: html.unescape(v) for k, v in attrs}


@pytest.fixture
def reader(tmp_path, monkeypatch):
    """EPCI published and open to visitors; lea@x.fr, its reader, signed in."""
    db = fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    db.add_user(OP, "lea@x.fr", "motdepasse-long", "lecteur", EPCI)
    signed_in(monkeypatch, "lea@x.fr")
    yield db
    source.store.clear()


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_the_integrer_button_gives_the_iframe_with_the_current_filters(path, reader, monkeypatch):
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "https://nrdash.agglo.fr/")
    at = run(path, territoire=EPCI, niveau="2")
    assert "Intégrer" in popovers(at)
    iframe = snippet_of(at)
    page = "" if path == EMBED_PAGES[0] else path.split("/")[1].removesuffix(".py")
    assert iframe["src"] == f"https://nrdash.agglo.fr/{page}?integre=1&territoire={EPCI}&niveau=2"
    assert iframe["title"] == f"{at.title[0].value} — CA de La Rochelle (EPCI {EPCI}) (nrdash)"
    assert iframe["loading"] == "lazy" and int(iframe["height"]) >= 600
    assert "NRDASH_FRAME_ANCESTORS" in texts(at)


def test_the_snippet_pins_the_territory_shown_when_the_address_names_none(reader, monkeypatch):
    monkeypatch.setenv("NRDASH_TERRITOIRE", EPCI)  # the instance's default: it could change, the snippet must not
    at = run("pages/carte.py")
    assert snippet_of(at)["src"].endswith(f"/carte?integre=1&territoire={EPCI}")


def test_the_integrer_button_is_not_offered_to_visitors_nor_in_mode_atelier(reader, monkeypatch):
    at = run("pages/engagement.py", territoire=EPCI, atelier="1")
    assert "Intégrer" not in popovers(at) and popovers(at)  # the sidebar's are there
    assert not [c for c in at.code if c.value.startswith("<iframe")]
    signed_in(monkeypatch, None)  # a visitor of the open territory: the page without the button (sobriety)
    at = run("pages/cercles.py", territoire=EPCI)
    assert at.title and "Intégrer" not in popovers(at)


def test_the_integrer_button_warns_an_editor_when_the_territory_is_closed(tmp_path, monkeypatch):
    db = fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1), public=False)
    try:
        db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
        signed_in(monkeypatch, "marie@x.fr")
        at = run("pages/cercles.py", territoire=EPCI)
        assert snippet_of(at)["src"].endswith(f"/cercles?integre=1&territoire={EPCI}")
        assert "n'est pas ouvert à la lecture sans compte" in texts(at)
    finally:
        source.store.clear()
