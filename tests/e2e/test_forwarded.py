"""The client address behind the public questionnaire's burst limit, against the real server reached from
127.0.0.1 (issue 23, §3): an X-Forwarded-For header is believed only from NRDASH_TRUSTED_PROXIES. Without it, a
browser on the server's own machine that writes a new address into each answer's connection is still one client;
with NRDASH_TRUSTED_PROXIES=127.0.0.1 (a load balancer there), the header names the client.

The store already holds answers from the addresses concerned, one short of the limit (store.SUBMISSION_BURST), so
that two answers typed in the browser show whether the limit holds."""
from __future__ import annotations

import pytest

from nrdash import questionnaire as quest
from nrdash.store import SUBMISSION_BURST, Store
from tests.e2e.conftest import _require_browser
from tests.e2e.harness import streamlit_server
from tests.principals import OP, anon

EPCI = "241700434"
SENT, TOO_MANY = "Merci, votre réponse est envoyée.", "Beaucoup de réponses viennent d'être envoyées"


def _server(tmp_path_factory, trusted: str, earlier: dict[str, int]):
    from tests.conftest import SAMPLE

    _require_browser()
    data = tmp_path_factory.mktemp("forwarded")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    answer, problems = quest.validate({"name": "Déjà envoyée", "actor_type": "PME", "level": 1, "referent": "A B",
                                       "contact": "a@example.org", "consent": True}, {})
    assert not problems
    for client, n in earlier.items():
        for _ in range(n):
            s.submit(anon(client), EPCI, answer)
    s.close()
    return streamlit_server(env={"NRDASH_DATA_DIR": str(data), "NRDASH_TRUSTED_PROXIES": trusted,
                                 "FORWARDED_ALLOW_IPS": "127.0.0.1,::1",  # uvicorn's own default, said out loud
                                 quest.FILL_SECONDS_ENV: "0"})  # typed by a test: no time rule


@pytest.fixture(scope="module")
def untrusting(tmp_path_factory):
    with _server(tmp_path_factory, "", {"127.0.0.1": SUBMISSION_BURST - 1}) as url:
        yield url


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    with _server(tmp_path_factory, "127.0.0.1", {"127.0.0.1": SUBMISSION_BURST, "198.51.100.9": SUBMISSION_BURST}) as url:
        yield url


def _answer(browser, url: str, forwarded_for: str, name: str) -> str:
    """One answer typed in a fresh browser whose every request says X-Forwarded-For: ``forwarded_for``; what the
    form says after « Envoyer »."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                  extra_http_headers={"X-Forwarded-For": forwarded_for})
    try:
        page = context.new_page()
        # the public form is a page the server writes (issue 29, nrdash.web.public): a plain HTML form
        page.goto(f"{url}/questionnaire?territoire={EPCI}")
        page.get_by_role("textbox", name="Nom de la structure *").fill(name)
        page.get_by_label("Type d'acteur *").select_option("PME")
        page.get_by_text("1 — Sensibilisé au NR", exact=False).click()
        page.get_by_role("textbox", name="Nom du référent *").fill("Zoé Martin")
        page.get_by_role("textbox", name="Contact (adresse électronique ou téléphone) *").fill("zoe@example.org")
        page.get_by_role("checkbox", name="J'accepte que ces informations", exact=False).check()
        page.get_by_role("button", name="Envoyer").click()
        page.wait_for_load_state()
        return page.locator("body").inner_text()
    finally:
        context.close()


def test_a_rotated_forwarded_address_is_still_the_same_client(untrusting, browser):
    assert SENT in _answer(browser, untrusting, "203.0.113.1", "Première structure")  # the limit's last answer
    text = _answer(browser, untrusting, "203.0.113.2", "Deuxième structure")  # "another client", says the header
    assert TOO_MANY in text and SENT not in text


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(behind_proxy, browser):
    # 127.0.0.1 (the load balancer itself) and 198.51.100.9 are at the limit; 203.0.113.5 is another client
    assert SENT in _answer(browser, behind_proxy, "203.0.113.5", "Structure derrière le répartiteur")
    text = _answer(browser, behind_proxy, "198.51.100.9", "Structure au-delà de la limite")
    assert TOO_MANY in text and SENT not in text
