"""What a user sees and what a screen reader reads, on every page (issues 25 and 29): signed in as an editor (who
sees the upload box and the review queue), every page of the menu with its popovers opened, the public questionnaire
and the accessibility statement. Read: the visible text, and the accessibility tree as Chromium computes it for
assistive technologies (names, descriptions and values of every node, through the DevTools protocol).

- no English word, seen or heard (Streamlit's own words are put into French by nrdash.web.frontend);
- every chart is a figure named by its title and filters, described by the sentence that gives its numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from nrdash.store import Store
from nrdash.ui import PAGES, url_path
from tests.conftest import SAMPLE
from tests.e2e.harness import goto, streamlit_server
from tests.principals import OP, anon

EPCI = "241700434"
PASSWORD = "un mot de passe long"
SECRET = "secret de test du lecteur d'écran"
POPOVERS = ("Charger un recensement", "Choisir le territoire", "Filtres")
STATEMENT = "Déclaration d'accessibilité"

# English a user could meet in Streamlit's interface (whole words, case as written). The census's own words are
# French: a word here that a census may hold (« Open », a structure's name) would be searched in the interface only.
ENGLISH = ("Upload", "upload", "per file", r"\d+ ?[KMG]B\b", "Drag and drop", "Browse", "Select all", "Skip to",
           "main content", "Help", "App pages", "Open", "Close", "Clear", "Search", "Download", "Show", "Hide",
           "Fullscreen", "Sidebar", "sidebar", "Collapse", "Expand", "Running", "Stop", "Rerun", "No results",
           "Choose", "Increment", "Decrement", "Remove", "Delete", "Copy", "Print", "Settings", "Please",
           "file upload", "View more", "View less", "Page not found", "Main menu", "Sort", "Pin", "Add row")
# The browser's own words follow the browser's language (a French Chromium says « Aucun fichier choisi »), not ours.
BROWSERS_OWN = ("No file chosen", "No files chosen")
ENGLISH_RE = re.compile(r"(?<![\w-])(" + "|".join(ENGLISH) + r")(?![\w-])")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from nrdash import questionnaire as quest

    data = tmp_path_factory.mktemp("screen-reader")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)
    s.add_user(OP, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    s.publish(OP, EPCI, _one_level_changed(), "recensement-2.xlsx")  # two versions: Suivi compares them
    answer, problems = quest.validate({"name": "Structure Déjà Là", "actor_type": "PME", "level": 1,
                                       "referent": "Personne Privée", "contact": "contact@example.org",
                                       "consent": True, "needs": ["Collaboration"]}, {})
    assert not problems
    s.submit(anon("192.0.2.1"), EPCI, answer)  # the review queue has an answer to show
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}) as url:
        yield url


def _one_level_changed() -> bytes:
    """The sample with its first actor one level up: Suivi's transitions chart has something to show."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(SAMPLE)
    sheet = book["Acteurs"]
    column = next(c.column for c in sheet[1] if str(c.value).startswith("Niveau d'engagement"))
    sheet.cell(2, column).value = "1 - Sensibilisé au NR"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ax_tree(page) -> list[dict]:
    """The accessibility tree Chromium gives assistive technologies (the nodes they see)."""
    cdp = page.context.new_cdp_session(page)
    try:
        return [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    finally:
        cdp.detach()


def _value(node: dict, field: str) -> str:
    value = (node.get(field) or {}).get("value")
    return value if isinstance(value, str) else ""


def ax_texts(nodes: list[dict]) -> list[str]:
    """Every name, description and value of the tree's nodes."""
    return [v for n in nodes for f in ("name", "description", "value")
            if (v := _value(n, f)).strip() and v not in BROWSERS_OWN]


def english_in(texts) -> set[str]:
    return {m.group(0) for text in texts for m in ENGLISH_RE.finditer(text)}


@dataclass
class Reading:
    texts: list[str]  # the visible text, then every name, description and value of the accessibility tree
    figures: list[tuple[str, str]]  # (name, description) of each figure of the tree
    plots: int  # charts drawn (the chart component's plots)
    maps: int  # maps drawn (pydeck, or the still map of nrdash.svgmap)
    statement_links: list[tuple[str, str | None]]  # (address, target) of the links « Déclaration d'accessibilité »


def read(page) -> Reading:
    """What is seen and what is heard, now. Streamlit draws its icons with a font whose ligatures turn a word into
    a picture (« upload » is drawn as an arrow): those words are seen as pictures, and left out."""
    icons = page.locator('[data-testid="stIconMaterial"]').count()  # (the server's own pages have none)
    style = icons and page.add_style_tag(content='[data-testid="stIconMaterial"] { display: none !important; }')
    seen = page.locator("body").inner_text()
    if style:
        style.evaluate("e => e.remove()")
    nodes = ax_tree(page)
    figures = [(_value(n, "name"), _value(n, "description")) for n in nodes
               if (n.get("role") or {}).get("value") == "figure"]
    links = page.get_by_role("link", name=STATEMENT, exact=True)
    return Reading([seen, *ax_texts(nodes)], figures, page.locator("div.nr-plot").count(),
                   page.locator('[data-testid="stDeckGlJsonChart"], figure.nr-carte-figure').count(),
                   [(a.evaluate("a => a.href"), a.get_attribute("target")) for a in links.all()])


@pytest.fixture(scope="module")
def editor(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    page.goto(site + "/connexion?suivant=/")
    page.get_by_label("Adresse électronique").fill("ed@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(site + "/")
    yield page
    context.close()


@pytest.fixture(scope="module")
def heard(site, editor) -> dict[str, Reading]:
    """Page (or page + popover) -> what is seen and heard there, for the editor."""
    page, out = editor, {}
    for path, title, _ in PAGES:
        goto(page, f"{site}/{url_path(path)}?territoire={EPCI}")
        page.wait_for_function("""() => [...document.querySelectorAll('div.nr-plot')]
                                     .every(p => p.querySelector('.main-svg'))
                                  && [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')]
                                     .every(m => m.querySelector('canvas'))""", timeout=30_000)
        page.wait_for_timeout(500)
        out[title] = read(page)
        if path == PAGES[0][0]:
            for name in POPOVERS:
                page.get_by_role("button", name=name).click()
                page.get_by_role("dialog", name=name).wait_for()
                page.wait_for_timeout(500)
                out[f"{title} / {name}"] = read(page)
                page.keyboard.press("Escape")
                page.get_by_role("dialog").wait_for(state="detached")
    page.goto(f"{site}/questionnaire?territoire={EPCI}")  # the public pages: written by the server itself
    out["Questionnaire public"] = read(page)
    page.goto(f"{site}/accessibilite?territoire={EPCI}")
    out[STATEMENT] = read(page)
    return out


def test_no_english_is_seen_or_heard(heard):
    found = {where: sorted(english_in(r.texts)) for where, r in heard.items()}
    assert {where: words for where, words in found.items() if words} == {}
    assert len(heard) == len(PAGES) + len(POPOVERS) + 2
    upload = " ".join(heard[f"{PAGES[0][1]} / Charger un recensement"].texts)
    assert "Choisir un fichier" in upload and "50\u00a0Mo par fichier" in upload  # the upload box, in French


def test_the_list_finds_streamlits_english():
    """The word list would catch what Streamlit says on its own (the check can fail)."""
    assert english_in(["Skip to main content", "Help for Mode atelier", "App pages", "Open", "Upload",
                       "50MB per file • XLSX, ODS, CSV", "Select all"]) == {
        "Skip to", "main content", "Help", "App pages", "Open", "Upload", "50MB", "per file", "Select all"}
    assert english_in(["Utilisation de l'open source et des logiciels libres", "Fichier", "Aide : Mode atelier",
                       "50\u00a0Mo par fichier"]) == set()


FILTERS = re.compile(r" — \d+ acteurs?( sur \d+)? — (aucun filtre|filtres : .+)$")


def test_every_chart_is_a_figure_named_and_described(heard):
    """Each chart is one figure: named by its title and the filters in words, described by the sentence that gives
    its numbers (the sentence written under it); plotly's scattered labels are not read one by one."""
    pages = {where: r for where, r in heard.items() if " / " not in where}
    drawn = {where: r.plots for where, r in pages.items() if r.plots}
    assert set(drawn) >= {"Accueil", "Engagement", "Cercles", "Matrice d'actions", "Suivi", "Questionnaire"}, drawn
    for where, r in pages.items():
        plots = [(name, text) for name, text in r.figures if not name.startswith("Carte")]
        assert len(plots) == r.plots, (where, r.figures)
        for name, description in plots:
            assert description and description in r.texts[0], (where, name)  # the sentence shown under it
            assert re.search(r"\d", description), (where, description)  # it gives the numbers
            if where != "Questionnaire":  # the needs of the review queue follow no filter
                assert FILTERS.search(name), (where, name)
        maps = [name for name, _ in r.figures if name.startswith("Carte")]
        assert len(maps) == r.maps and all(re.search(r"\d+ (acteur|besoin)s? ", m) for m in maps), (where, maps)
        heard_texts = r.texts[1:]
        assert not [t for t in heard_texts if re.fullmatch(r"\d+ \(\d+ %\)", t)], where  # a bar's label alone


def test_every_page_links_to_the_statement_in_the_same_tab(site, heard, browser):
    """« Déclaration d'accessibilité », exactly, on every page (the public ones and an anonymous Accueil
    included), opened in the same tab, for the territory shown."""
    expected = f"{site}/accessibilite?territoire={EPCI}"
    pages = {where: r.statement_links for where, r in heard.items() if " / " not in where and where != STATEMENT}
    same_tab = (None, "_self")
    assert pages and all(len(links) == 1 and links[0][0] == expected and links[0][1] in same_tab
                         for links in pages.values()), pages
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    goto(page, site)  # an anonymous visitor, no territory in the address
    link = page.get_by_role("link", name=STATEMENT, exact=True)
    assert link.get_attribute("target") in same_tab
    link.click()
    page.wait_for_url(f"{site}/accessibilite")
    assert page.get_by_role("heading", level=1).inner_text() == STATEMENT and len(context.pages) == 1
    page.goto(f"{site}/connexion")  # the sign-in page too
    assert page.get_by_role("link", name=STATEMENT, exact=True).count() == 1
    context.close()
