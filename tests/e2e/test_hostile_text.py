"""Hostile census text in Chromium: the map and its tooltips (deck.gl's JSON converter), every text shown through
Streamlit's markdown, and every CSV the interface hands out. The server reads tests/e2e/hostile.py's census
(NRDASH_CENSUS): every user sees it, as for a configured census."""
from __future__ import annotations

import csv
import io
import math
import re

import pandas as pd
import pytest

from nrdash import maps
from tests.e2e import hostile
from tests.e2e.conftest import _require_browser
from tests.e2e.harness import interactive_map, goto, streamlit_server, wait_idle

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
# What a markdown text must not become: a link, an icon, the Streamlit logo, an emoji image, colour, LaTeX, markup.
MARKUP = ("a, [role=img], img, .katex, .stMarkdownColoredText, .stMarkdownColoredBackground, .stMarkdownBadge, "
          "strong, em, del, code, h1, h2, h4, blockquote, li, table, b")


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    _require_browser()
    path = hostile.write(tmp_path_factory.mktemp("hostile"))
    with streamlit_server(env={"NRDASH_CENSUS": str(path)}) as url:
        yield url


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The hostile census as the app reads it (the loader joins a cell's lines with spaces)."""
    from nrdash.census import load_census

    return load_census(hostile.write(tmp_path_factory.mktemp("loaded")))


def _canvas_box(page):
    interactive_map(page)
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', state="attached", timeout=30_000)
    page.wait_for_timeout(1500)
    return page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.bounding_box()


def _actor_pixels(box) -> list[tuple[float, float]]:
    """Where deck.gl draws each placed actor (Web Mercator, 512-pixel world at zoom 0), from the page's own view."""
    placed = pd.DataFrame({"lat": [hostile.LAT] * len(hostile.LONS), "lon": hostile.LONS}, dtype="Float64")
    view = maps.view_state(placed)
    scale = 512 * 2 ** view.zoom

    def y(lat):
        return scale / (2 * math.pi) * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return [(cx + (lon - view.longitude) / 360 * scale, cy + y(view.latitude) - y(hostile.LAT)) for lon in hostile.LONS]


def _hover_text(page, x: float, y: float) -> str | None:
    tooltip = page.locator(".deck-tooltip")
    for dx in (0, -3, 3, -6, 6):
        page.mouse.move(x + dx - 40, y - 40)
        page.mouse.move(x + dx, y, steps=4)
        page.wait_for_timeout(250)
        if tooltip.count() and tooltip.is_visible():
            return tooltip.inner_text()
    return None


def assert_literal(element, typed: str) -> None:
    """Drawn exactly as typed: the element's innerText, and no markup, link, icon, colour or LaTeX inside."""
    assert element.inner_text() == typed
    assert element.locator(MARKUP).count() == 0, element.inner_html()


def test_map_draws_and_tooltips_show_converter_prefixes_as_typed(hostile_server, page, artifacts):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(page, f"{hostile_server}/carte")
    box = _canvas_box(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
    page.screenshot(path=str(artifacts / "hostile-carte.png"))
    shown = {}
    for name, (x, y) in zip(hostile.CONVERTER_NAMES + [hostile.MARKDOWN_NAME], _actor_pixels(box)):
        text = _hover_text(page, x, y)
        assert text is not None, f"no tooltip for {name!r}"
        shown[name] = text.split("\n")[0]
    assert shown == {n: n for n in shown}  # the first line of each tooltip is the name, exactly
    assert page.js_errors == [] and dialogs == []


def test_actor_card_territory_and_file_name_are_shown_as_typed(hostile_server, page, loaded):
    goto(page, f"{hostile_server}/carte")
    x, y = _actor_pixels(_canvas_box(page))[-1]
    assert _hover_text(page, x, y) is not None
    page.mouse.click(x, y)
    wait_idle(page)
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('placé par')",
                           timeout=15_000)
    main = page.locator('[data-testid="stMain"]')
    assert_literal(main.locator("h3").filter(has_text="Gras").first, hostile.MARKDOWN_NAME)
    description = main.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Voir https").first
    typed = loaded.actors.set_index("name").loc[hostile.MARKDOWN_NAME, "description"]
    assert "https://exemple.fr" in typed and ":material_home:" in typed
    assert_literal(description, typed)
    sidebar = page.locator('[data-testid="stSidebar"]')
    summary = sidebar.locator('[data-testid="stMarkdownContainer"]').filter(has_text="acteurs —").first
    assert f"« {hostile.FILE_NAME} »" in summary.inner_text()
    assert summary.locator(MARKUP.replace("strong, ", "")).count() == 0  # 'strong': the census label, nrdash's own
    goto(page, hostile_server)
    territory = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] strong').first
    assert_literal(territory, hostile.TERRITORY_NAME)
    goto(page, f"{hostile_server}/recensement")
    heading = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]').filter(has_text="Fichier «").first
    assert f"Fichier « {hostile.FILE_NAME} »" in heading.inner_text()
    assert heading.locator(MARKUP).count() == 0
    assert page.js_errors == []


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), dialect) for cell in row]


def _toolbar_downloads(page, tmp_path) -> list[bytes]:
    """Every table on the page downloaded through its toolbar's 'Télécharger en CSV'."""
    out = []
    tables = page.locator('[data-testid="stDataFrame"]')
    for i in range(tables.count()):
        table = tables.nth(i)
        table.scroll_into_view_if_needed()
        page.mouse.move(1, 1)  # a hover needs the pointer to come from elsewhere
        table.hover()
        button = table.locator('button[aria-label="Télécharger en CSV"]')  # the toolbar shows on hover (in French: nrdash.web.frontend)
        try:
            button.wait_for(state="attached", timeout=5_000)
        except Exception:
            cells = table.locator("[role=gridcell]").all_text_contents()
            assert not "".join(cells), f"{page.url}: table {i} offers no download"  # only an empty table has none
            continue
        with page.expect_download(timeout=15_000) as info:
            button.evaluate("b => b.click()")  # the toolbar overlaps the element above, which takes the pointer
        path = tmp_path / f"table-{len(out)}.csv"
        info.value.save_as(path)
        out.append(path.read_bytes())
    return out


def _toggle_all(page, label: str) -> None:
    for _ in range(page.get_by_text(label, exact=True).count()):
        toggle = page.locator('[data-testid="stCheckbox"]', has_text=label).filter(
            has=page.locator("input:not(:checked)")).first
        if not toggle.count():
            break
        toggle.click()
        wait_idle(page)


def test_every_csv_the_interface_hands_out_is_spreadsheet_safe(hostile_server, page, tmp_path):
    # Chromium's save dialog (File System Access API) cannot be answered headless: Streamlit then falls back to a
    # plain download, as in a browser without that API.
    page.add_init_script("delete window.showSaveFilePicker")
    downloads: dict[str, list[bytes]] = {}
    steps = {
        "recensement": ["Afficher les 13 acteurs correspondants", "Modifier le recensement"],
        "carte": [],
        "engagement": ["Données du graphique", "Afficher les 13 acteurs correspondants"],
        "cercles": ["Voir les membres", "Voir ces acteurs"],
        "matrice": ["Voir les 7 actions du plan", "Voir les gains rapides", "Données du graphique"],
    }
    for slug, toggles in steps.items():
        goto(page, f"{hostile_server}/{slug}")
        if slug == "carte":
            page.get_by_text(re.compile(r"acteurs? non placés? sur la carte")).click()
            wait_idle(page)
        for label in toggles:
            _toggle_all(page, label)
        downloads[slug] = _toolbar_downloads(page, tmp_path)
    goto(page, f"{hostile_server}/recensement")
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile(r"acteurs filtrés \(\.csv\)")).click()
    info.value.save_as(tmp_path / "export.csv")
    downloads["export"] = [(tmp_path / "export.csv").read_bytes()]

    counts = {slug: len(files) for slug, files in downloads.items()}
    assert counts["recensement"] >= 4 and counts["carte"] == 1 and counts["engagement"] >= 2, counts
    assert counts["cercles"] >= 1 and counts["matrice"] >= 3, counts
    cells = [c for files in downloads.values() for data in files for c in _csv_cells(data)]
    risky = [c for c in cells if c.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(c)]
    assert risky == []
    names = [c for c in cells if "HYPERLINK" in c]
    assert names and all(c.startswith("'=") for c in names)  # the hostile cells were there, neutralised
