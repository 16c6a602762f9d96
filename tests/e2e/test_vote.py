"""The room decides (issue 28), in the browser: phones in separate browser contexts at phone size (390 and 320 px)
vote by their labels; the projector (a locked workshop link) shows each vote within seconds without reloading; a
phone's reload shows its ballot and a change never doubles it; the closing shows the final result on the projector
and phones are refused; a hostile code in the address is shown as text."""
from __future__ import annotations

import pytest

from nrdash.store import Store
from tests.e2e.harness import goto, streamlit_server
from tests.principals import OP

T = "exemple"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}
SMALL = {**PHONE, "viewport": {"width": 320, "height": 640}}


@pytest.fixture(scope="module")
def room(browser, tmp_path_factory):
    data = tmp_path_factory.mktemp("vote")
    store = Store(f"sqlite:///{data / 'nrdash.db'}")  # migrated and seeded before the server starts
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data)}) as url:
        yield url, store
    store.close()


def vote_from(browser, server: str, code: str, labels: list[str], size: dict = PHONE):
    """A phone: its own browser context, the page opened, the labels ticked, « Voter »; returns its page."""
    phone = browser.new_context(**size).new_page()
    phone.goto(f"{server}/vote?code={code}")
    for label in labels:
        phone.get_by_label(label, exact=True).check()
    phone.get_by_role("button", name="Voter").click()
    phone.wait_for_selector('[role="status"]', timeout=10_000)
    return phone


def participants(projector) -> str:
    return projector.locator(".nr-vote-count strong").inner_text()


def test_phones_vote_and_the_projector_follows_without_reloading(room, browser):
    server, store = room
    token = store.create_workshop_token(OP, T, "projecteur")
    code = store.open_vote(OP, T).code
    projector = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR").new_page()
    goto(projector, f"{server}/atelier?jeton={token}")
    assert projector.locator(".nr-vote-code").inner_text() == code
    assert projector.locator("img.nr-qr").get_attribute("src").startswith("data:image/svg+xml")
    projector.evaluate("window.__notReloaded = true")
    phones = []
    for i, (labels, size) in enumerate([(["Sensibiliser × Citoyens", "Innover × Entreprises"], PHONE),
                                        (["Sensibiliser × Citoyens"], SMALL),
                                        (["Connaître × Institutions publiques"], PHONE)]):
        phone = vote_from(browser, server, code, labels, size)
        assert "Votre vote est enregistré" in phone.get_by_role("status").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= size["viewport"]["width"]  # no sideways scroll
        phones.append(phone)
        projector.wait_for_function(f"document.querySelector('.nr-vote-count strong')?.innerText.startsWith('{i + 1} ')",
                                    timeout=10_000)
    assert projector.evaluate("window.__notReloaded === true")
    assert "En tête : Sensibiliser × Citoyens (2 voix)" in projector.locator(".nr-vote-summary").inner_text()

    first = phones[0]
    first.reload()  # the same browser: its ballot, ticked; no second ballot
    assert first.get_by_label("Sensibiliser × Citoyens", exact=True).is_checked()
    first.get_by_label("Sensibiliser × Citoyens", exact=True).uncheck()
    first.get_by_label("Soutenir × Associations", exact=True).check()
    first.get_by_role("button", name="Voter").click()
    first.wait_for_selector('[role="status"]')
    projector.wait_for_function("document.querySelector('.nr-vote-summary')?.innerText.includes("
                                "'Sensibiliser × Citoyens (1 voix)')", timeout=10_000)
    assert participants(projector) == "3 participants" and store.latest_vote(OP, T).participants == 3

    for label in ("Connaître × Citoyens", "Connaître × Entreprises", "Connaître × Associations"):
        first.get_by_label(label, exact=True).check()
    first.get_by_role("button", name="Voter").click()
    assert "Décochez-en 2" in first.get_by_role("alert").inner_text()

    store.close_vote(OP, T)
    projector.wait_for_function("document.body.innerText.includes('résultat final')", timeout=10_000)
    assert projector.evaluate("window.__notReloaded === true") and participants(projector) == "3 participants"
    second = phones[1]
    second.get_by_role("button", name="Voter").click()
    assert second.get_by_role("heading", level=1).inner_text() == "Ce vote est clos."
    assert "3 participants" in second.locator("main").inner_text()
    for phone in phones:
        phone.context.close()
    projector.context.close()


def test_a_hostile_code_is_shown_as_text(room, browser):
    server, _ = room
    phone = browser.new_context(**SMALL).new_page()
    dialogs = []
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    phone.goto(f"{server}/vote?code=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert phone.get_by_role("alert").inner_text().startswith("Aucun vote ouvert avec ce code.")
    assert '"><img src=x onerror=alert(1)>' in phone.get_by_role("alert").inner_text()
    assert phone.locator("img").count() == 0 and dialogs == []
    phone.context.close()


@pytest.mark.filterwarnings("ignore:Use compute_ecoindex instead:DeprecationWarning")
def test_the_vote_page_is_light_and_accessible(room, browser):
    """EcoIndex B or better (issue 28), measured as tests/e2e/sobriety.py measures every page; no serious or critical
    axe-core violation, at 320 px as in the EcoIndex window."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.sobriety import GRADES, VIEWPORT, measure

    server, store = room
    current = store.latest_vote(OP, T)
    code = current.code if current is not None and current.open else store.open_vote(OP, T).code
    page = browser.new_context(viewport=VIEWPORT).new_page()
    result = measure(page, f"{server}/vote?code={code}", streamlit=False)
    assert GRADES.index(result["grade"]) <= GRADES.index("B"), result
    for size in (VIEWPORT, SMALL["viewport"]):
        page.set_viewport_size(size)
        serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
    page.context.close()
