"""The questionnaire in a real browser (issue 17): the public form on a phone (390×844: a page of its own, the
problems listed at the top, announced and focused, sent with the keyboard and the touch screen alike; since issue 29
a page the server writes without Streamlit), the editors' queue, and a viewer whose browser never receives an
answer's contact (the websocket frames are read)."""
from __future__ import annotations

import os
import time

import pytest

from nrdash.store import Store
from tests.e2e.harness import goto, sign_in, streamlit_server, wait_idle
from tests.e2e.test_browser import _colour_pixels
from tests.principals import OP, anon

EPCI = "241700434"
SECRET = "secret des tests du questionnaire"
PASSWORD = "un mot de passe long"
CONTACT = "contact-tres-prive@example.org"
SHOTS = os.environ.get("NRDASH_QUEST_SHOTS")  # a folder: the screenshots looked at when building this


@pytest.fixture(scope="module")
def quest_server(tmp_path_factory):
    from nrdash import questionnaire as quest
    from tests.conftest import SAMPLE

    data = tmp_path_factory.mktemp("quest-e2e")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)
    s.add_user(OP, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    # A new territory opens closed (issue 25): opened, as its administrator would, for the visitors of these tests.
    s.set_territory(OP, EPCI, anonymous_read=True)
    answer, problems = quest.validate({"name": "Structure Déjà Là", "actor_type": "PME", "level": 1,
                                       "referent": "Personne Privée", "contact": CONTACT, "consent": True,
                                       "needs": ["Collaboration"]}, {})
    assert not problems
    s.submit(anon("192.0.2.1"), EPCI, answer)
    placed, problems = quest.validate({"name": "Recyclerie d'Aytré", "actor_type": "Autres associations", "level": 2,
                                       "commune": "17028", "referent": "Autre Personne", "consent": True,
                                       "contact": "autre@example.org", "needs": ["Financement", "Formation"]},
                                      {"17028": "Aytré"})
    assert not problems
    s.submit(anon("192.0.2.2"), EPCI, placed)  # in a commune of the territory: a disc on the needs map
    s.close()
    # The form's time rule is off here (a browser fills it faster than a person, faster still on a quiet machine):
    # it is tested with an injected clock in tests/web/test_public_form.py; the hidden field and the burst limit
    # stay on.
    env = {"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET, quest.FILL_SECONDS_ENV: "0"}
    with streamlit_server(env=env) as url:
        url.db = str(data / "nrdash.db")
        yield url


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    pg = context.new_page()
    yield pg
    context.close()


def _frames(page) -> list[bytes]:
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda f: frames.append(f if isinstance(f, bytes) else f.encode())))
    return frames


def _responses(page) -> list[bytes]:
    """Every HTTP answer's body the page receives (the form is a page of its own: no websocket)."""
    got: list[bytes] = []

    def body(response):
        try:
            got.append(response.body())
        except Exception:  # a redirect: no body
            pass

    page.on("response", body)
    return got


def _started_a_minute_ago(page) -> None:
    """The form's signed start time set a minute back (the clock injected: a person takes that long; a robot posts
    at once, nrdash.questionnaire.robot)."""
    from nrdash.web import form_page

    token = form_page.start_token(SECRET, EPCI, time.time() - 60)
    page.locator('input[name="debut"]').evaluate("(e, v) => { e.value = v; }", token)


def test_form_on_a_phone(quest_server, phone):
    """The public form (a page the server writes, nrdash.web.public) on a phone: nothing wider than the screen, the
    problems listed at the top, announced and given the focus, then sent with the keyboard and the touch screen."""
    page = phone
    bodies = _responses(page)
    page.goto(quest_server + f"/questionnaire?territoire={EPCI}")
    assert page.get_by_role("heading", name="Questionnaire des acteurs du Numérique responsable").is_visible()
    assert page.locator('[data-testid="stSidebar"], [data-testid="stSidebarNav"], script').count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/form-phone-top.png")
    page.get_by_role("button", name="Envoyer").click()
    alert = page.get_by_role("alert")
    text = alert.inner_text()
    assert "Votre réponse n'est pas encore envoyée" in text and "Nom de la structure" in text
    assert "Consentement" in text and "Niveau d'engagement" in text
    from playwright.sync_api import expect

    expect(alert).to_be_in_viewport()  # in sight after « Envoyer »
    expect(alert).to_be_focused()  # and given the focus: a screen reader reads it
    assert page.get_by_text("Réponse non envoyée : ").count() == 1  # said beside the button too
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/form-phone-errors.png")
    alert.get_by_role("link", name="Nom de la structure").click()  # each problem leads to its field
    name = page.get_by_role("textbox", name="Nom de la structure *")
    expect(name).to_be_focused()
    name.fill("Repair Café <b>Aytré</b>")
    page.get_by_label("Type d'acteur *").select_option("Autres associations")
    page.get_by_label("Commune", exact=True).select_option(label="Aytré")
    page.get_by_text("2 — Acteur du NR", exact=False).click()
    page.get_by_label("Financement", exact=True).check()
    page.get_by_role("textbox", name="Nom du référent *").fill("Zoé Martin")
    contact = page.get_by_role("textbox", name="Contact (adresse électronique ou téléphone) *")
    contact.fill("zoe@example.org")
    contact.press("Tab")  # the keyboard moves on to the next control: the consent, not the hidden trap
    expect(page.get_by_role("checkbox", name="J'accepte que ces informations", exact=False)).to_be_focused()
    page.keyboard.press("Space")
    _started_a_minute_ago(page)
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("Merci, votre réponse est envoyée.").wait_for(timeout=20_000)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/form-phone-sent.png", full_page=True)
    s = Store(f"sqlite:///{quest_server.db}", migrate=False)
    try:
        sent = [x for x in s.submissions(OP, EPCI, with_contacts=True) if x.answer.name == "Repair Café <b>Aytré</b>"]
    finally:
        s.close()
    assert len(sent) == 1 and sent[0].answer.commune == "Aytré" and sent[0].answer.level == 2
    assert sent[0].answer.needs == ("Financement",) and sent[0].answer.contact == "zoe@example.org"
    blob = b"".join(bodies)
    assert len(blob) > 5000  # the pages were read
    assert CONTACT.encode() not in blob and "Structure Déjà Là".encode() not in blob  # nothing of others


def test_a_viewer_never_receives_answers_or_contacts(quest_server, page):
    frames = _frames(page)
    goto(page, quest_server + f"/soumissions?territoire={EPCI}")
    wait_idle(page)
    main = page.get_by_test_id("stMain").inner_text()
    assert "ne sont visibles que des éditeurs" in main
    blob = b"".join(frames)
    assert len(blob) > 1000  # the page's messages were read
    assert CONTACT.encode() not in blob and "Personne Privée".encode() not in blob
    assert "Structure Déjà Là".encode() not in blob


def test_editor_reviews_in_the_queue(quest_server, page):
    sign_in(page, quest_server, f"/soumissions?territoire={EPCI}", "ed@exemple.fr", PASSWORD)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Réponses à examiner").first.wait_for(timeout=20_000)
    assert CONTACT in main.inner_text()  # the editor reads the contact
    main.get_by_text("L'ajouter comme nouvel acteur").click()
    wait_idle(page)
    main.get_by_role("button", name="Valider la décision").click()
    wait_idle(page)
    page.get_by_text("Réponse n° 1 acceptée", exact=False).wait_for(timeout=20_000)
    assert main.get_by_role("button", name="Publier la version 2").is_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/queue-editor.png", full_page=True)
    main.get_by_role("button", name="Publier la version 2").click()
    wait_idle(page)
    page.get_by_text("Version 2 publiée avec les réponses", exact=False).wait_for(timeout=60_000)
    needs = main.get_by_role("heading", name="Besoins exprimés")
    needs.scroll_into_view_if_needed()
    wait_idle(page)
    assert "Collaboration : 1" in main.inner_text()  # the chart's text alternative
    # The needs map, at a projector's size: its canvas draws a disc on Aytré (the answer accepted has no commune).
    page.set_viewport_size({"width": 1280, "height": 720})
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')  # the page's one map
    chart.first.scroll_into_view_if_needed()
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', state="visible", timeout=30_000)
    page.wait_for_timeout(1500)
    text = main.inner_text()
    assert "1 besoin sans commune de la liste du territoire" in text  # the accepted answer, without a commune
    import re

    # The map's text alternative: Aytré only (2 needs, 3 when the phone test's answer came first), the top commune.
    assert re.search(r"dans 1 commune — Aytré [23] ;", text)
    png = chart.first.screenshot()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/queue-needs.png")
    from PIL import Image
    import io

    width, height = Image.open(io.BytesIO(png)).size
    disc = _colour_pixels(png, _disc_colour(1, 1))  # the top commune's colour, whatever its count
    assert 200 < disc < 0.05 * width * height  # the top commune's disc, darkest: a disc, not the whole map
    assert _colour_pixels(png, (255, 255, 255), tol=3) > 0.5 * width * height  # offline: a white map
    assert not page.js_errors


def _disc_colour(n: int, top: int) -> tuple[int, int, int]:
    """The colour a needs disc shows on the white map (its fill drawn with its opacity)."""
    from nrdash import maps

    c = maps._on_white(maps._needs_fill(n, top), 235)
    return tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))


def test_form_has_no_serious_accessibility_violation(quest_server, phone):
    from axe_playwright_python.sync_playwright import Axe

    phone.goto(quest_server + f"/questionnaire?territoire={EPCI}")
    phone.get_by_role("button", name="Envoyer").click()  # with its problems shown
    phone.get_by_role("alert").wait_for()
    results = Axe().run(phone).response
    serious = [(v["id"], n["html"][:120]) for v in results["violations"] if v["impact"] in ("serious", "critical")
               for n in v["nodes"]]
    assert serious == []


def test_a_personal_link_is_streamlits_and_its_public_offer_the_servers_form(quest_server, phone):
    """The same address with a campaign's token (issue 26) is Streamlit's page (nrdash.ui.campaign_link), not the
    server's form; an unknown (or expired) link says so and offers the public questionnaire, which opens the
    server's plain form (one load, no Streamlit), with the statement's link at the foot of both."""
    page = phone
    goto(page, quest_server + f"/questionnaire?territoire={EPCI}&acteur=lien-inconnu")
    assert "n'est pas (ou plus) valide" in page.get_by_test_id("stApp").inner_text()
    assert page.get_by_role("link", name="Déclaration d'accessibilité").count() == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/personal-link-unknown.png")
    page.get_by_role("link", name="Ouvrir le questionnaire public du territoire").click()
    page.wait_for_url(quest_server + f"/questionnaire?territoire={EPCI}")
    page.wait_for_selector('form[method="post"]', timeout=30_000)
    assert page.locator('[data-testid="stApp"], script').count() == 0  # the server's own page
    assert page.locator('input[name="name"]').count() == 1
    assert page.get_by_role("link", name="Déclaration d'accessibilité").count() == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/personal-link-public-offer.png")
