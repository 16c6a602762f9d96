"""Editing the census while the grid is filtered to one reported row (« Aller à une ligne signalée »): the edit
lands on that actor's row of the census, never on the row at the same place in the unfiltered table (issue 13)."""
from nrdash.census import load_census
from tests.conftest import actors_sheet
from tests.e2e.harness import wait_idle
from tests.e2e.test_browser import _upload, nav_link

ROWS = [["Alpha", "PME", 2], ["Bravo", "PME", 7], ["Charlie", "Association", 1], ["Delta", "PME", None]]


def _names(census) -> dict[int, str]:
    return dict(zip(census.actors["row"].astype(int), census.actors["name"]))


def test_an_edit_on_the_filtered_grid_lands_on_the_row_shown(server, page, tmp_path):
    _upload(page, server, "quatre.xlsx", actors_sheet(ROWS))  # rows 3 and 5 have an error (level 7, no level)
    page.keyboard.press("Escape")
    nav_link(page, "Recensement").click()  # a new address would be a new session, without the upload
    wait_idle(page)
    page.get_by_text("Modifier le recensement").click()
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Aller à une ligne signalée").click()
    page.get_by_role("option", name="Ligne 5 : Erreur", exact=False).click()
    wait_idle(page)
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText"
                           ".includes('Grille filtrée : ligne 5 seulement.')", timeout=20_000)
    grid = page.locator('[class*="st-key-editor_"]').first  # the editor (the check report is a grid too)
    grid.locator("canvas").first.wait_for(state="visible", timeout=20_000)
    apply = page.get_by_role("button", name="Appliquer au tableau de bord")
    for attempt in range(3):  # the grid's canvas may take clicks before it is ready on a cold server: try again
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = grid.bounding_box()
        page.mouse.dblclick(box["x"] + 150, box["y"] + 36 + 18)  # the only row's name (Delta, row 5): edit it
        page.wait_for_timeout(300)
        page.keyboard.press("Control+A")
        page.keyboard.type("Delta corrigé", delay=20)
        page.keyboard.press("Enter")
        page.wait_for_timeout(1000)
        wait_idle(page)
        if not apply.is_disabled():  # the table differs from the census applied: the edit was taken
            break
        page.screenshot(path=str(tmp_path / f"attempt-{attempt}.png"))
        if attempt == 2:
            raise AssertionError(f"the grid did not take the edit (screenshots in {tmp_path})")
    with page.expect_download() as info:
        page.get_by_role("button", name="Classeur corrigé (.xlsx)").click()
    path = tmp_path / "corrige.xlsx"
    info.value.save_as(path)
    corrected = load_census(path.read_bytes(), "corrige.xlsx")
    assert _names(corrected) == {2: "Alpha", 3: "Bravo", 4: "Charlie", 5: "Delta corrigé"}
    levels = dict(zip(corrected.actors["row"].astype(int), corrected.actors["level"]))
    assert levels[2] == 2 and levels[4] == 1  # the rows not shown are untouched
    # Still filtered on row 5 (its error is still there): the grid kept the view the user chose.
    assert "Grille filtrée : ligne 5 seulement." in page.locator('[data-testid="stMain"]').inner_text()
    assert not page.js_errors
