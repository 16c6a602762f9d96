"""Nothing a stranger types into the public questionnaire is read as markup in the editors' review queue (issue 23,
§4): an answer whose every text field is hostile (tests/e2e/hostile.py: images, links and HTML pointing at an
outside listener, colour, LaTeX, emphasis) is typed into the public form, then an editor opens every view of the
queue (the answer, the closest actors, merge with its field checkboxes, refusal, acceptance of the merge, the
history, the shared draft, the needs with and without contacts). Every text shows as typed, and no request leaves
the page: the outside listener receives nothing and the browser asks nothing of any other address."""
from __future__ import annotations

import http.server
import re
import threading

import pytest

from nrdash import questionnaire as quest
from nrdash.store import Store
from nrdash.ui.review_queue import ACTIONS
from tests.e2e import hostile
from tests.e2e.conftest import _require_browser
from tests.e2e.harness import free_port, sign_in, streamlit_server, wait_idle
from tests.principals import OP

EPCI = "241700434"
PASSWORD = "un mot de passe long"
SIRET = "35600000000048"  # the census actor's: the answer matches it, so the merge view opens
CENSUS_NAME = "Recyclerie du Port **gras** [l](http://127.0.0.1:9/x) :red[r] $y$"
# What markup would become: an image, a link, LaTeX, colour, an emoji or icon image, emphasis, code.
MARKUP = ("a, img, .katex, .stMarkdownColoredText, .stMarkdownColoredBackground, [role=img], strong, em, code, "
          "del, h1, h2, h3, blockquote, li")


class _Listener(http.server.ThreadingHTTPServer):
    """An outside server: every request it receives is recorded (it should receive none)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                listener.paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def outside():
    listener = _Listener()
    yield listener
    listener.shutdown()


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory):
    from tests.conftest import xlsx_bytes

    _require_browser()
    data = tmp_path_factory.mktemp("hostile-queue")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)
    s.add_user(OP, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    census = xlsx_bytes({"Acteurs": [["Nom de l'acteur", "SIRET", "Type d'acteur", "Niveau d'engagement estimé",
                                      "Commune", "Description des actions NR identifiées"],
                                     [CENSUS_NAME, SIRET, "PME", 1, "La Rochelle", "Réemploi $z$ :blue[b]"]]})
    s.publish(OP, EPCI, census, "recensement.xlsx")
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), quest.FILL_SECONDS_ENV: "0",
                               "STREAMLIT_SERVER_COOKIE_SECRET": "secret des tests de la file"}) as url:
        url.db = str(data / "nrdash.db")
        yield url


def _outgoing(page, server: str) -> list[str]:
    """Every request the page makes to another address than the app's."""
    away: list[str] = []
    page.on("request", lambda r: away.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    return away


def _type_answer(browser, server: str, texts: dict[str, str]) -> None:
    """The public form, filled as a stranger would (every text field hostile), and sent."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        # the public form is a page the server writes (issue 29, nrdash.web.public): a plain HTML form
        page.goto(f"{server}/questionnaire?territoire={EPCI}")
        page.get_by_role("textbox", name="Nom de la structure *").fill(texts["name"])
        page.get_by_role("textbox", name="SIRET (facultatif)").fill(SIRET)
        page.get_by_label("Type d'acteur *").select_option("PME")
        page.get_by_role("textbox", name="Autre commune (si elle n'est pas dans la liste)").fill(texts["commune_text"])
        page.get_by_role("textbox", name="Vos actions de Numérique responsable").fill(texts["actions_text"])
        page.get_by_text("2 — Acteur du NR", exact=False).click()
        page.get_by_label("Formation", exact=True).check()
        page.get_by_role("textbox", name="Précisez vos besoins").fill(texts["needs_text"])
        page.get_by_role("textbox", name="Nom du référent *").fill(texts["referent"])
        page.get_by_role("textbox", name="Contact (adresse électronique ou téléphone) *").fill(texts["contact"])
        page.get_by_role("checkbox", name="J'accepte que ces informations", exact=False).check()
        page.get_by_role("button", name="Envoyer").click()
        page.wait_for_load_state()
        if not page.get_by_text("Merci, votre réponse est envoyée.").count():
            raise AssertionError(page.locator("body").inner_text())
    finally:
        context.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_shown_as_typed(element, typed: str) -> None:
    assert _flat(element.inner_text()) == _flat(typed)
    assert element.locator(MARKUP).count() == 0, element.inner_html()


def assert_no_markup_from(main, outside: str) -> None:
    """Nothing in the page links to, or loads from, the outside address; no LaTeX or colour anywhere."""
    assert main.locator(f'a[href^="{outside}"], img[src^="{outside}"], [src^="{outside}"]').count() == 0
    assert main.locator(".katex, .stMarkdownColoredText").count() == 0


def test_a_hostile_answer_reads_as_typed_in_every_view_of_the_queue(queue_server, outside, browser, page):
    texts = hostile.answer_texts(outside.url)
    _type_answer(browser, queue_server, texts)
    away = _outgoing(page, queue_server)
    sign_in(page, queue_server, f"/soumissions?territoire={EPCI}", "ed@exemple.fr", PASSWORD)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Réponses à examiner (1)").wait_for(timeout=20_000)

    # The answer, as the editor reads it: each text whole, no markup.
    answer = main.locator(".st-key-q_answer")
    shown = _flat(answer.inner_text())
    for field in ("name", "commune_text", "actions_text", "needs_text", "referent", "contact"):
        assert _flat(texts[field]) in shown, field
    assert answer.locator(MARKUP.replace("strong, ", "").replace(", li", "")).count() == 0  # bold labels: ours
    # The answer chosen in the list: its name as typed (a selectbox shows its options as plain text).
    picked = main.get_by_role("combobox", name="Réponse", exact=True).input_value()
    assert picked.startswith(f"n° 1 — {texts['name'][:80]} (reçue le "), picked
    assert_no_markup_from(main, outside.url)

    # Merge: the actor to complete, and one checkbox per field that differs, labelled with both values.
    main.get_by_text(ACTIONS["merge"]).click()
    wait_idle(page)
    target = main.get_by_role("combobox", name="Acteur à compléter", exact=True).input_value()
    assert target == f"{CENSUS_NAME} (La Rochelle)", target
    stored = _stored_answer(queue_server)
    actor = {"name": CENSUS_NAME, "siret": SIRET, "type": "PME", "level": 1, "commune": "La Rochelle",
             "description": "Réemploi $z$ :blue[b]", "action_types": [], "is_local": None}
    diffs = quest.differences(stored, actor)
    assert {f for f, *_ in diffs} >= {"name", "commune", "description", "referent", "contact"}
    for field, label, new, old in diffs:
        box = main.locator(f".st-key-q_field_1_{field}")
        assert_shown_as_typed(box, f"{label} : « {new} » au lieu de « {old} »")
    assert_nothing_left(page, outside, away)
    assert_no_markup_from(main, outside.url)

    # Refusal: its reason field.
    main.get_by_text(ACTIONS["reject"]).click()
    wait_idle(page)
    assert main.get_by_role("textbox", name="Raison du refus (gardée dans l'historique)").count() == 1
    assert_no_markup_from(main, outside.url)

    # Merge, every field taken: the decision's message, the history, the shared draft, the needs.
    main.get_by_text(ACTIONS["merge"]).click()
    wait_idle(page)
    for field, *_ in diffs:
        main.locator(f".st-key-q_field_1_{field} label").click()
        wait_idle(page)
    main.get_by_role("button", name="Valider la décision").click()
    wait_idle(page)
    page.get_by_text("Réponse n° 1 fusionnée", exact=False).wait_for(timeout=20_000)
    main.get_by_text("Réponses traitées (1)").wait_for()
    assert main.get_by_role("button", name="Publier la version 2").is_visible()
    assert "Besoins exprimés" in main.inner_text()
    main.get_by_text("Avec les référents et contacts (données personnelles)").click()
    wait_idle(page)
    main.get_by_role("heading", name="Besoins exprimés").scroll_into_view_if_needed()
    wait_idle(page)
    assert_no_markup_from(main, outside.url)

    assert_nothing_left(page, outside, away)
    assert not page.js_errors


def assert_nothing_left(page, outside: _Listener, away: list[str]) -> None:
    """Once the page's requests have settled: none reached the outside listener, none went anywhere else."""
    page.wait_for_load_state("networkidle")
    assert outside.paths == [], outside.paths
    assert away == [], away


def _stored_answer(server) -> quest.Answer:
    """The answer as the form stored it (what the queue compares with the census)."""
    s = Store(f"sqlite:///{server.db}", migrate=False)
    try:
        [sub] = s.submissions(OP, EPCI, with_contacts=True)
    finally:
        s.close()
    return sub.answer
