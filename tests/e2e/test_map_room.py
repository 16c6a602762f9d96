"""The map in a meeting room (issue 13): commune names drawn offline, zoom buttons, a legend in words for every
colouring, the actor card on the first screen."""
from tests.conftest import actors_sheet
from tests.e2e.harness import goto, wait_idle
from tests.e2e.test_browser import _map_canvas, _upload, main_text, nav_link


def _deck_frames(page) -> list[bytes]:
    """What the server sends over the websocket (Streamlit's protobuf messages, the deck's JSON inside)."""
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda f: frames.append(f if isinstance(f, bytes) else f.encode())))
    return frames


def _legend(page) -> str:
    return page.locator(".st-key-map_legend").inner_text()


def test_commune_names_zoom_and_legends(server, page, artifacts):
    frames = _deck_frames(page)
    page.set_viewport_size({"width": 1920, "height": 1080})
    goto(page, f"{server}/carte")
    _map_canvas(page)
    sent = b"".join(frames)
    assert b'"@@type":"TextLayer"' in sent and b'"id":"noms"' in sent
    assert "La Rochelle".encode() in sent and "Châtelaillon-Plage".encode() in sent
    page.screenshot(path=str(artifacts / "carte-noms-1920x1080.png"))
    legend = _legend(page)
    for text in ("0 — Non impliqué", "1 — Sensibilisé au NR", "2 — Acteur du NR", "3 — Leader du NR",
                 "Niveau non renseigné"):
        assert text in legend
    # Zoom + sends a view one zoom level closer.
    frames.clear()
    page.get_by_role("button", name="Zoom +").click()
    wait_idle(page)
    assert b'"initialViewState"' in b"".join(frames)
    page.get_by_text("Famille d'acteurs").click()
    wait_idle(page)
    assert "Points : famille d'acteurs" in _legend(page) and "Famille non renseignée" in _legend(page)
    for choice, words in (("Nombre d'acteurs", "Communes : nombre d'acteurs"),
                          ("Acteurs pour 1 000 habitants", "Communes : acteurs pour 1 000 habitants"),
                          ("Part d'acteurs de niveau ≥ 2", "Communes : part d'acteurs de niveau ≥ 2")):
        page.get_by_text(choice, exact=True).click()  # a radio (issue 29: lighter than a selectbox)
        wait_idle(page)
        legend = _legend(page)
        assert words in legend and "Plus foncé = valeur plus grande" in legend, legend
    page.screenshot(path=str(artifacts / "carte-choroplethe-1920x1080.png"))
    page.get_by_text("Regrouper sur une grille").click()
    wait_idle(page)
    assert "Disques de la grille : part d'acteurs de niveau ≥ 2" in _legend(page)
    assert not page.js_errors


def test_clicked_actor_card_is_on_the_first_screen(server, page, artifacts):
    data = actors_sheet([["Médiathèque test", "PME", 3, 46.1591, -1.1520]],
                        header=["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Latitude",
                                "Longitude"])
    page.set_viewport_size({"width": 1920, "height": 1080})
    _upload(page, server, "un-acteur.xlsx", data)
    nav_link(page, "Carte").click()  # a new address would be a new session, without the upload
    wait_idle(page)
    box = _map_canvas(page).locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.screenshot(path=str(artifacts / "carte-avant-clic-1920x1080.png"))
    page.mouse.move(cx - 30, cy - 30)
    page.mouse.move(cx, cy, steps=5)
    page.wait_for_timeout(300)
    page.mouse.click(cx, cy)
    wait_idle(page)
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('placé par')",
                           timeout=15_000)
    card = page.locator(".st-key-map_actor_card").bounding_box()
    page.screenshot(path=str(artifacts / "carte-fiche-1920x1080.png"))
    assert "Médiathèque test" in main_text(page)
    assert card["y"] + card["height"] <= 1080 and card["x"] + card["width"] <= 1920  # wholly on the first screen
    assert card["x"] > box["x"] + box["width"] * 0.9  # beside the map, not under it


def _last_zoom(frames: list[bytes]) -> float:
    import re

    zooms = re.findall(rb'"initialViewState":\{[^}]*"zoom":([0-9.]+)', b"".join(frames))
    assert zooms, "no view sent"
    return float(zooms[-1])


def test_workshop_map_is_framed_for_the_height_the_screen_gives_it(server, browser):
    """Mode atelier fits the map to the screen: on a 1080-high screen the territory is drawn larger (a closer zoom)
    than on a 720-high one, where it is still whole (tests/e2e/test_room.py checks the map's box)."""
    zooms = {}
    for width, height in ((1280, 720), (1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        page = context.new_page()
        frames = _deck_frames(page)
        try:
            goto(page, f"{server}/carte?atelier=1")
            page.locator(".st-key-actor_map canvas").first.wait_for(timeout=30_000)
            page.wait_for_timeout(3000)  # the browser reports the map's height, the server reframes once
            wait_idle(page)
            zooms[height] = _last_zoom(frames)
        finally:
            context.close()
    assert zooms[1080] >= zooms[720] + 0.4, zooms
