"""What a user sees and what a screen reader reads, on every page (issues 25 and 29): signed in as an editor (who
sees the upload box and the review queue), every page of the menu with its popovers opened, the public questionnaire
and the accessibility statement. Read: the visible text, and the accessibility tree as Chromium computes it for
assistive technologies (names, descriptions and values of every node, through the DevTools protocol).

- no English word, seen or heard (Streamlit's own words are put into French by nrdash.frontend);
- every chart is a figure named by its title and filters, described by the sentence that gives its numbers."""
from __future__ import annotations

import re

import pytest

from nrdash.store import Store
from nrdash.ui import PAGES, url_path
from tests.conftest import SAMPLE
from tests.e2e.harness import goto, streamlit_server, wait_idle

EPCI = "241700434"
PASSWORD = "un mot de passe long"
SECRET = "secret de test du lecteur d'écran"
POPOVERS = ("Charger un recensement", "Choisir le territoire", "Filtres")

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
    s.add_user("admin@exemple.fr", PASSWORD)
    s.add_user("ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    s.publish(EPCI, SAMPLE.read_bytes(), "recensement-2.xlsx")  # two versions: Suivi compares them
    answer, problems = quest.validate({"name": "Structure Déjà Là", "actor_type": "PME", "level": 1,
                                       "referent": "Personne Privée", "contact": "contact@example.org",
                                       "consent": True, "needs": ["Collaboration"]}, {})
    assert not problems
    s.submit(EPCI, answer, "192.0.2.1")  # the review queue has an answer to show
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}) as url:
        yield url


def ax_texts(page) -> list[str]:
    """Every name, description and value of the accessibility tree Chromium gives assistive technologies."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    out = []
    for node in nodes:
        if node.get("ignored"):
            continue
        for field in ("name", "description", "value"):
            value = (node.get(field) or {}).get("value")
            if isinstance(value, str) and value.strip() and value not in BROWSERS_OWN:
                out.append(value)
    return out


def english_in(texts) -> set[str]:
    return {m.group(0) for text in texts for m in ENGLISH_RE.finditer(text)}


def read(page) -> list[str]:
    """What is seen and what is heard, now. Streamlit draws its icons with a font whose ligatures turn a word into
    a picture (« upload » is drawn as an arrow): those words are seen as pictures, and left out."""
    style = page.add_style_tag(content='[data-testid="stIconMaterial"] { display: none !important; }')
    seen = page.locator("body").inner_text()
    style.evaluate("e => e.remove()")
    return [seen, *ax_texts(page)]


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
def heard(site, editor) -> dict[str, list[str]]:
    """Page (or page + popover) -> what is seen and heard there, for the editor."""
    page, out = editor, {}
    for path, title, _ in PAGES:
        goto(page, f"{site}/{url_path(path)}?territoire={EPCI}")
        page.wait_for_timeout(1500)  # the charts are drawn
        out[title] = read(page)
        if path == PAGES[0][0]:
            for name in POPOVERS:
                page.get_by_role("button", name=name).click()
                page.get_by_role("dialog", name=name).wait_for()
                page.wait_for_timeout(500)
                out[f"{title} / {name}"] = read(page)
                page.keyboard.press("Escape")
                page.get_by_role("dialog").wait_for(state="detached")
    goto(page, f"{site}/questionnaire?territoire={EPCI}")
    out["Questionnaire public"] = read(page)
    return out


def test_no_english_is_seen_or_heard(heard):
    found = {where: sorted(english_in(texts)) for where, texts in heard.items()}
    assert {where: words for where, words in found.items() if words} == {}
    assert len(heard) == len(PAGES) + len(POPOVERS) + 1
    upload = " ".join(heard[f"{PAGES[0][1]} / Charger un recensement"])
    assert "Choisir un fichier" in upload and "50\u00a0Mo par fichier" in upload  # the upload box, in French


def test_the_list_finds_streamlits_english():
    """The word list would catch what Streamlit says on its own (the check can fail)."""
    assert english_in(["Skip to main content", "Help for Mode atelier", "App pages", "Open", "Upload",
                       "50MB per file • XLSX, ODS, CSV", "Select all"]) == {
        "Skip to", "main content", "Help", "App pages", "Open", "Upload", "50MB", "per file", "Select all"}
    assert english_in(["Utilisation de l'open source et des logiciels libres", "Fichier", "Aide : Mode atelier",
                       "50\u00a0Mo par fichier"]) == set()
