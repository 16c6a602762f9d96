"""The first hour of a project lead with nrdash, in a real browser at 1280×720 (issue 25): landing on one's
territory, the first census published, whole locked links, the Versions page's tables within 1280 px, page titles
near the top, one actor's level changed from its card, the Suivi, Matrice and Carte pages read on a projector.

Screenshots (1280×720 and 1920×1080, mode atelier where it applies) are written to NRDASH_FIRST_HOUR_SHOTS when set:
the pictures looked at when building this."""
from __future__ import annotations

import os
import urllib.parse

import pytest

from nrdash.store import Store
from tests.principals import OP
from tests.e2e.harness import ARTIFACTS, goto, open_sidebar, settled, streamlit_server, wait_idle

EPCI = "241700434"
EMPTY = "17300"  # La Rochelle (commune): given to an editor, nothing published
SECRET = "secret des tests de la première heure"
PASSWORD = "un mot de passe long"
LONG_NOTE = ("Niveaux revus après les entretiens de mars avec les associations de réemploi et les services "
             "informatiques des communes ; voir https://exemple.fr/comptes-rendus/atelier-de-mars-2026-numerique-"
             "responsable-agglomeration et les notes de séance")
SHOTS = os.environ.get("NRDASH_FIRST_HOUR_SHOTS")
SMALL, LARGE = {"width": 1280, "height": 720}, {"width": 1920, "height": 1080}


def _level_changed(row: int, level: str) -> bytes:
    """The sample with one actor's level changed (``row``: the sheet's row, 2 = first actor), written by the
    editor's own code (nrdash.editing), as « Enregistrer comme brouillon » would."""
    from nrdash.census import load_census
    from nrdash.editing import corrected_workbook, revalidate, to_edit_frame
    from tests.conftest import SAMPLE

    census = load_census(SAMPLE)
    frame = to_edit_frame(census.actors)
    frame.loc[row - 2, "Niveau d'engagement estimé"] = level
    return corrected_workbook(revalidate(frame, census))


# (e-mail, role, territory): the first account is the instance's administrator; « card » edits Aytré's census.
ACCOUNTS = [("admin@exemple.fr", None, None), ("ed@exemple.fr", "éditeur", EPCI), ("new@exemple.fr", "éditeur", EMPTY),
            ("card@exemple.fr", "éditeur", "17028")]


@pytest.fixture(scope="module")
def first_server(tmp_path_factory):
    from tests.conftest import SAMPLE

    data = tmp_path_factory.mktemp("first-hour-e2e")
    s = Store(f"sqlite:///{data / 'nrdash.db'}")  # the sample seeded, as on a fresh instance
    for email, role, code in ACCOUNTS:
        s.add_user(OP, email, PASSWORD, role, code)
    published = [(EPCI, SAMPLE.read_bytes(), "recensement-exemple.xlsx", "Premier recensement"),
                 (EPCI, _level_changed(2, "3 - Leader du NR"), "recensement-exemple-corrige.xlsx", LONG_NOTE),
                 ("17028", SAMPLE.read_bytes(), "recensement-exemple.xlsx", "")]
    for code, data_bytes, name, note in published:
        s.publish(OP, code, data_bytes, name, author="ed@exemple.fr", note=note)
    # A new territory opens closed (issue 25): EPCI opened, as its administrator would, for the visitors' pages.
    s.set_territory(OP, EPCI, anonymous_read=True)
    s.close()
    env = {"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}
    with streamlit_server(env=env) as url:
        url.db = str(data / "nrdash.db")
        yield url


@pytest.fixture
def small(page):
    """The conftest's page at a projector's 1280×720."""
    page.set_viewport_size(SMALL)
    return page


def shot(page, name: str, size: dict | None = None) -> None:
    """A screenshot for the person building this (NRDASH_FIRST_HOUR_SHOTS), at the page's size or ``size``."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    if size is not None:
        before = page.viewport_size
        page.set_viewport_size(size)
        wait_idle(page)
        page.wait_for_timeout(800)
    page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png")
    if size is not None:
        page.set_viewport_size(before)
        wait_idle(page)


def sign_in(page, url: str, email: str, back: str = "/") -> None:
    page.goto(f"{url}/connexion?suivant={urllib.parse.quote(back, safe='/')}")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(url + back)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(page, timeout=60_000)


def main(page):
    return page.get_by_test_id("stMain")


def test_an_editor_lands_on_the_empty_territory_and_publishes_its_first_census(first_server, small):
    from tests.conftest import SAMPLE

    sign_in(small, first_server, "new@exemple.fr")  # no territory in the address
    body = main(small)
    body.get_by_role("heading", name="Publiez votre premier recensement").wait_for()
    assert "La Rochelle" in body.inner_text()
    assert small.locator('[data-testid="stAlertContentError"]').count() == 0  # nothing is wrong: no error box
    shot(small, "premiers-pas")
    shot(small, "premiers-pas", LARGE)
    with small.expect_download() as download:
        body.get_by_role("button", name="Modèle vierge (.xlsx)").click()
    assert download.value.suggested_filename == "modele-recensement-nr.xlsx"
    body.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "recensement-la-rochelle.xlsx", "mimeType": "application/octet-stream",
                "buffer": SAMPLE.read_bytes()}])
    small.get_by_text("Brouillon — non publié.").wait_for(timeout=60_000)
    wait_idle(small, timeout=60_000)
    goto(small, first_server + "/versions")
    text = main(small).inner_text()
    assert "premier recensement du territoire" in text and "c'est la première version du territoire" in text
    publish = main(small).get_by_role("button", name="Publier la version 1")
    assert publish.is_disabled()  # a note first
    main(small).get_by_label("Note de version (ce qui change, pourquoi)").fill("Premier recensement")
    small.keyboard.press("Tab")
    wait_idle(small)
    publish.click()
    wait_idle(small)
    shot(small, "publier-confirmation")
    # Who will read it, said in the confirmation: a new territory opens closed (issue 25)
    assert ("La version 1 sera réservée aux comptes du territoire"
            in small.locator(".st-key-ws_publish_confirm_box").inner_text())
    main(small).get_by_role("button", name="Confirmer : publier la version 1").click()
    small.get_by_text("Version 1 publiée.").wait_for(timeout=60_000)
    s = Store(f"sqlite:///{first_server.db}", migrate=False)
    try:
        assert [(v.number, v.note, v.author) for v in s.versions(OP, EMPTY)] == [(1, "Premier recensement",
                                                                              "new@exemple.fr")]
    finally:
        s.close()


def _overflowing_tables(page) -> list:
    """Tables of the main area wider than their box or running past the main column's right edge."""
    return page.evaluate("""() => {
        const column = document.querySelector('[data-testid=stMainBlockContainer]').getBoundingClientRect();
        const right = column.right - parseFloat(getComputedStyle(document.querySelector(
            '[data-testid=stMainBlockContainer]')).paddingRight);
        return [...document.querySelectorAll('[data-testid=stMain] table')].filter(t => t.offsetParent !== null)
            .map(t => [t.getBoundingClientRect().right, right, t.scrollWidth, t.parentElement.clientWidth,
                       t.innerText.slice(0, 40)])
            .filter(([r, max, sw, cw]) => r > max + 1 || sw > cw + 1); }""")


def test_versions_tables_fit_1280_px_and_long_notes_wrap(first_server, small):
    sign_in(small, first_server, "ed@exemple.fr", f"/versions?territoire={EPCI}")
    main(small).get_by_role("heading", name="Historique (2 versions)").wait_for()
    assert _overflowing_tables(small) == []
    note = main(small).get_by_text(LONG_NOTE[:40])
    assert note.bounding_box()["height"] > 40  # on several lines, not cut
    shot(small, "versions")
    shot(small, "versions", LARGE)


def test_a_locked_link_is_shown_and_copied_whole(first_server, browser):
    context = browser.new_context(viewport=SMALL, locale="fr-FR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=first_server)
    page = context.new_page()
    try:
        sign_in(page, first_server, "ed@exemple.fr", f"/versions?territoire={EPCI}")
        main(page).get_by_label("Libellé (par exemple « Atelier du 12 mars »)").fill("Atelier du 12 mars")
        page.keyboard.press("Tab")
        wait_idle(page)
        main(page).get_by_role("button", name="Créer un lien").click()
        wait_idle(page)
        code = main(page).locator('[data-testid="stCode"]')
        link = code.inner_text().strip()
        assert link.startswith(f"{first_server}/?territoire={EPCI}&atelier=1&jeton="), link
        shot(page, "lien-atelier")
        code.hover()
        code.get_by_role("button").first.click()  # the code block's copy button
        assert page.evaluate("navigator.clipboard.readText()").strip() == link
        other = browser.new_context(viewport=SMALL, locale="fr-FR").new_page()
        goto(other, link)
        assert "Lien d'atelier verrouillé" in other.get_by_test_id("stSidebar").inner_text()
        other.context.close()
    finally:
        context.close()


def _title_tops(page, timeout: float = 10.0) -> dict:
    """Where the title's text and the header's bottom are once the page is at rest: the same three readings in a
    row, 200 ms apart. Read once just after the run, a clean-clone run (07/12/2026) found Accueil's title 53 px
    lower in mode atelier, something above it not yet gone; the screenshot of such a reading is kept."""
    read = """() => { const h = document.querySelector('[data-testid=stMain] h1');
        const r = document.createRange(); r.selectNodeContents(h);
        const header = document.querySelector('[data-testid=stHeader]').getBoundingClientRect();
        return {text: r.getBoundingClientRect().top, header: header.bottom}; }"""
    first = page.evaluate(read)
    tops = settled(page, read, timeout=timeout, what="the title's position")
    if tops != first:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "first-hour-title-moved.png"))
    return tops


@pytest.mark.parametrize("workshop", [False, True])
def test_page_titles_start_near_the_top(first_server, small, workshop):
    from nrdash.ui import PAGES, url_path

    for path, _, _ in PAGES:
        goto(small, f"{first_server}/{url_path(path)}?territoire={EPCI}" + ("&atelier=1" if workshop else ""))
        tops = _title_tops(small)
        assert tops["header"] - 1 <= tops["text"] <= (90 if workshop else 80), (path, tops)


def _grid_text(page) -> str:
    """The editor grid's cells in view (the grid draws on a canvas; its accessible table holds what is shown)."""
    return page.locator('[class*="st-key-editor_"] table').first.inner_text()


def test_one_actors_level_changed_from_its_card_in_sight_and_applied(first_server, small):
    sign_in(small, first_server, "card@exemple.fr")  # lands on Aytré, the one territory of this editor
    goto(small, first_server + "/recensement")
    small.get_by_text("Modifier le recensement").click()
    wait_idle(small)
    assert "Niveau d'engagement estimé" in _grid_text(small)  # the level among the columns in view at 1280 px
    picker = small.locator('[data-testid="stSelectbox"]').filter(has_text="Modifier un acteur")
    picker.click()
    small.keyboard.type("Vice-présidence au numérique", delay=10)
    small.get_by_role("option", name="Ligne 2 — Vice-présidence au numérique", exact=False).click()
    wait_idle(small)
    main(small).get_by_role("button", name="Ouvrir sa fiche").click()
    card = small.get_by_role("dialog")
    card.get_by_text("Fiche de l'acteur").wait_for()
    assert card.get_by_role("radio", name="0 - Non impliqué").is_checked()
    shot(small, "fiche-acteur")
    card.get_by_text("3 - Leader du NR").click()
    wait_idle(small)
    card.get_by_role("button", name="Appliquer").click()
    small.get_by_text("Appliqué au tableau de bord", exact=False).wait_for(timeout=30_000)
    wait_idle(small)
    assert small.get_by_role("dialog").count() == 0
    done = main(small).inner_text()
    assert "Niveau d'engagement estimé : 0 - Non impliqué → 3 - Leader du NR" in done
    grid = _grid_text(small)
    assert "Vice-présidence au numérique" in grid and "3 - Leader du NR" in grid, grid  # the change, in sight
    shot(small, "fiche-appliquee")
    shot(small, "fiche-appliquee", LARGE)
    small.get_by_test_id("stSidebarNav").get_by_role("link", name="Accueil", exact=True).click()
    wait_idle(small)
    figures = main(small).locator(".nr-kpi").filter(has_text="Leaders du NR (niveau 3)").inner_text()
    assert "14" in figures, figures  # the sample has 13 leaders: the dashboard counts the one just changed


def _plot(page, title: str):
    plot = page.locator("div.nr-plot").filter(has_text=title).first
    plot.locator(".main-svg").first.wait_for(timeout=30_000)
    return plot


def _overlapping_ticks(page, plot, axis: str = "xtick") -> list:
    """Pairs of an axis's tick labels whose boxes overlap."""
    return page.evaluate("""([plot, axis]) => {
        const boxes = [...plot.querySelectorAll('.' + axis + ' text')].map(t => [t.textContent, t.getBoundingClientRect()]);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [na, a] = boxes[i], [nb, b] = boxes[j];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
                out.push([na, nb]); }
        return out; }""", [plot.element_handle(), axis])


@pytest.mark.parametrize("workshop", [False, True])
def test_suivi_reads_at_1280_px(first_server, small, workshop):
    goto(small, f"{first_server}/suivi?territoire={EPCI}" + ("&atelier=1" if workshop else ""))
    plot = _plot(small, "Transitions de niveau")
    small.wait_for_timeout(1500)  # drawn, refitted
    labels = small.evaluate("(p) => [...p.querySelectorAll('.xtick text')].map(t => t.textContent)",
                            plot.element_handle())
    assert any("Leader" in t for t in labels), labels
    assert _overlapping_ticks(small, plot) == [] and _overlapping_ticks(small, plot, "ytick") == []
    assert plot.bounding_box()["height"] >= 480  # never squeezed to fit below the page's controls
    plot.scroll_into_view_if_needed()
    shot(small, "suivi" + ("-atelier" if workshop else ""))
    shot(small, "suivi" + ("-atelier" if workshop else ""), LARGE)
    tab = main(small).get_by_role("tab", name="Modifiés (1)")
    assert tab.get_attribute("aria-selected") == "true"  # opened where the change is
    tab.scroll_into_view_if_needed()
    table = main(small).get_by_role("tabpanel").locator("table").first  # the grid's accessible table
    table.wait_for(state="attached", timeout=20_000)
    cells = table.text_content()
    assert "Champs modifiés" in cells and "Niveau d'engagement estimé" in cells, cells
    assert "Appariement" not in cells and "nom+commune" not in cells


def _gap_outlines(page, plot) -> list:
    """The stroke colour of each dashed outline drawn on the plan's heatmap."""
    return page.evaluate("""(p) => [...p.querySelectorAll('.shapelayer path')]
        .filter(e => (e.style.strokeDasharray || '').length > 0 && e.style.strokeDasharray !== 'none')
        .map(e => e.style.stroke)""", plot.element_handle())


@pytest.mark.parametrize("mode", ["", "atelier", "contraste"])
def test_matrice_gaps_stand_out_and_categories_come_in_two_blocks(first_server, small, mode):
    goto(small, f"{first_server}/matrice?territoire={EPCI}" + ("&atelier=1" if mode else ""))
    if mode == "contraste":
        open_sidebar(small)
        small.get_by_test_id("stSidebar").get_by_text("Contraste élevé").click()
        wait_idle(small)
    plan = _plot(small, "Matrice d'actions : axes × cibles")
    small.wait_for_timeout(1500)
    gaps = small.evaluate("(p) => [...p.querySelectorAll('text')].filter(t => t.textContent === 'lacune').length",
                          plan.element_handle())
    outlines = _gap_outlines(small, plan)
    assert gaps > 0 and len(outlines) == gaps, (gaps, outlines)
    assert set(outlines) == ({"rgb(0, 0, 0)"} if mode == "contraste" else {"rgb(164, 38, 44)"}), outlines
    plan.scroll_into_view_if_needed()
    shot(small, "matrice" + (f"-{mode}" if mode else ""))
    if mode == "contraste":
        return
    shot(small, "matrice" + (f"-{mode}" if mode else ""), LARGE)
    for title in ("Dimensions du NR (kit) × familles d'acteurs", "Types d'action (La Rochelle) × familles d'acteurs"):
        block = _plot(small, title)
        block.scroll_into_view_if_needed()
        small.wait_for_timeout(500)
        shot(small, "categories-" + title[:10].replace(" ", "-"))


def _bar_text_sizes(page, plot) -> list[float]:
    """The size each bar's count is drawn at, in px (plotly shrinks a text to fit its bar with a scale())."""
    return page.evaluate("""(p) => [...p.querySelectorAll('.bartext')].filter(t => t.textContent)
        .map(t => { const m = (t.getAttribute('transform') || '').match(/scale\\(([0-9.]+)/);
                    return parseFloat(t.style.fontSize) * (m ? parseFloat(m[1]) : 1); })""", plot.element_handle())


@pytest.mark.parametrize("workshop", [False, True])
def test_bar_counts_by_commune_are_legible_at_1280_px(first_server, small, workshop):
    goto(small, f"{first_server}/engagement?territoire={EPCI}" + ("&atelier=1" if workshop else ""))
    small.get_by_text("Par commune", exact=True).click()
    wait_idle(small)
    plot = _plot(small, "Engagement par commune")
    small.wait_for_timeout(1500)
    sizes = [v for v in _bar_text_sizes(small, plot) if v > 0]  # a count too wide for its segment: not drawn
    assert len(sizes) >= 20 and min(sizes) >= 15, sorted(sizes)[:5]
    plot.scroll_into_view_if_needed()
    shot(small, "par-commune" + ("-atelier" if workshop else ""))
