"""The actors' questionnaire as the server writes it (nrdash.web.public, nrdash.web.form_page; issue 29: a plain HTML form,
light and usable without JavaScript), through its real Starlette routes on a real store: the form's words (the
kit's types, actions, levels, needs, the consent), errors listed at the top and beside each field, consent, SIRET
key, hostile and huge text, robots (hidden field, speed), a closed questionnaire and unknown territories, the known
structure told only on an open census, a burst told to wait, cross-site posts refused.

Ported from the Streamlit form's AppTests (tests/ui/test_questionnaire_app.py, issue 17): same cases, same
assertions on what is stored and said."""
from __future__ import annotations

import html
import re
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nrdash.web import form_page, public
from nrdash import questionnaire as quest
from nrdash import referential as ref
from nrdash import store as st_store
from nrdash.ui import source
from tests.appstore import fresh_store
from tests.principals import OP
from tests.ui.test_questionnaire_app import EPCI, HOSTILE, V1

SECRET = "secret du questionnaire public"
ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    source.store.clear()


@pytest.fixture
def client(db):
    app = Starlette(routes=public.routes(trusted=[], store_factory=lambda: db, secret_factory=lambda: SECRET))
    with TestClient(app) as c:
        yield c


def text(page: str) -> str:
    """The page's text as read (tags out, entities decoded, spaces folded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def problems(page: str) -> str:
    found = re.findall(r'<div class="erreur"[^>]*>.*?</div>|<p class="erreur"[^>]*>.*?</p>', page, re.S)
    return " ".join(text(m) for m in found)


def form(client, territory: str | None = EPCI):
    return client.get("/questionnaire" + (f"?territoire={territory}" if territory else ""))


def fields(**over) -> dict:
    values = {"name": "La Ressourcerie", "actor_type": "Autres associations", "level": "2",
              "referent": "Zoé Martin", "contact": "zoe@example.org", "consent": "oui",
              "debut": form_page.start_token(SECRET, EPCI, time.time() - 60), **over}  # a person took a minute
    return {k: v for k, v in values.items() if v is not None}


def send(client, territory: str = EPCI, **over):
    return client.post(f"/questionnaire?territoire={territory}", data=fields(**over), headers=ORIGIN)


def test_the_form_lists_the_kits_words_and_stands_alone(client):
    page = form(client).text
    assert "<h1>Questionnaire des acteurs du Numérique responsable</h1>" in page
    assert "<script" not in page and "http" not in page.split("<footer>")[0].replace(' action="', '')  # nothing else
    select = page.split('id="champ-actor_type"')[1].split("</select>")[0]
    types = [html.unescape(t) for t in re.findall(r"<option value=\"([^\"]*)\"", select)]
    assert types == ["", *[t for f in ref.FAMILIES for t in ref.TYPES if ref.FAMILY_OF_TYPE[t] == f]]
    assert sorted(types[1:]) == sorted(ref.TYPES)
    shown = [html.unescape(t) for t in re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]*)<", select)]
    assert shown == [quest.type_label(t) for t in types[1:]]  # « NR » said in full to the public (issue 25)
    assert "Associations du Numérique responsable" in shown and not any("NR" in t for t in shown)
    intro = text(page.split("<p>Ce questionnaire recense")[1].split("</p>")[0])
    assert "Numérique responsable (NR)" in intro  # the kit's abbreviation said in full before the form uses it
    actions = re.findall(r'name="action_types" value="([^"]*)"', page)
    assert [html.unescape(a) for a in actions] == list(ref.ACTION_TYPES)
    communes = page.split('id="champ-commune"')[1].split("</select>")[0]
    assert ">Aytré<" in communes and ">Lagord<" in communes and "Autre commune" in communes.rsplit("<option", 1)[1]
    levels = re.findall(r'name="level" value="(\d)"[^>]*>([^<]*)<', page)
    assert len(levels) == 4 and html.unescape(levels[2][1]).startswith("2 — Acteur du NR : ")
    assert [html.unescape(n) for n in re.findall(r'name="needs" value="([^"]*)"', page)] == list(quest.NEEDS)
    consent = text(page.split('id="champ-consent"')[1].split("</label>")[0])
    assert "J'accepte" in consent and "2 ans" in consent and "effacer" in consent
    assert 'href="accessibilite?territoire=241700434">Déclaration d\'accessibilité</a>' in page


def test_consent_is_required(client, db):
    page = send(client, consent=None).text
    assert "Consentement" in problems(page) and "Cochez « J'accepte … »" in problems(page)
    assert db.submissions(OP, EPCI) == []
    assert 'value="La Ressourcerie"' in page  # nothing typed is lost


def test_siret_key_and_every_problem_listed_at_the_top(client, db):
    page = send(client, siret="732 829 320 00075", name="", level=None).text
    top = text(page.split('id="problemes"')[1].split("</div>")[0])
    assert "3 points à corriger" in top and "clé de contrôle" in top and "Nom de la structure" in top
    assert "Niveau d'engagement" in top
    assert 'role="alert"' in page and "autofocus" in page.split('id="problemes"')[1].split(">")[0]
    assert '<a href="#champ-siret">SIRET</a>' in page and 'id="champ-siret"' in page  # each item leads to its field
    siret_input = re.search(r'<input[^>]*id="champ-siret"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in siret_input and "erreur-siret" in siret_input  # and the field says it
    assert "clé de contrôle" in text(page.split('id="erreur-siret"')[1].split("</p>")[0])
    assert page.startswith("<!DOCTYPE html>") and "<title>Erreur – " in page
    assert db.submissions(OP, EPCI) == []
    send(client, siret="732 829 320 00074")
    assert db.submissions(OP, EPCI)[0].answer.siret == "73282932000074"


def test_a_100_kb_field_is_refused_with_a_message(client, db):
    page = send(client, actions_text="x" * 100_000).text
    assert "« Vos actions de Numérique responsable » fait 100 000 caractères : 4 000 au plus" in \
        problems(page).replace("\u202f", " ")
    assert db.submissions(OP, EPCI) == []


def test_hostile_markup_is_stored_and_shown_as_typed(client, db):
    page = send(client, name=HOSTILE, needs_text=HOSTILE, needs="Autre").text
    assert "Merci, votre réponse est envoyée." in text(page)
    sub = db.submissions(OP, EPCI)[0]
    assert sub.answer.name == HOSTILE and sub.answer.needs == ("Autre",) and sub.answer.needs_text == HOSTILE
    page = send(client, name=HOSTILE, consent=None).text  # shown again after a problem: as typed, never as markup
    assert "<img" not in page and f'value="{html.escape(HOSTILE)}"' in page


class FakeClock:
    """The start time's clock, moved by hand: the time rule is tested without waiting, whatever the machine's speed."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_robots_hidden_field_and_speed(client, db, monkeypatch):
    page = send(client, website="http://spam.example").text
    assert "Merci, votre réponse est envoyée." in text(page) and db.submissions(OP, EPCI) == []  # told nothing
    clock = FakeClock()
    monkeypatch.setattr(form_page, "clock", clock)
    monkeypatch.delenv(quest.FILL_SECONDS_ENV, raising=False)
    opened = re.search(r'name="debut" value="([^"]*)"', form(client).text).group(1)  # the form opens now
    clock.now += 1.0
    page = send(client, debut=html.unescape(opened)).text
    assert "envoyé très vite" in problems(page) and db.submissions(OP, EPCI) == []
    again = re.search(r'name="debut" value="([^"]*)"', page).group(1)
    assert html.unescape(again) == html.unescape(opened)  # the time still counts from the first display
    clock.now += 0.5
    page = send(client, debut=html.unescape(again)).text  # an immediate second click is judged like the first
    assert "envoyé très vite" in problems(page) and db.submissions(OP, EPCI) == []
    clock.now += quest.MIN_FILL_SECONDS  # the form has now been open longer than the rule asks
    assert "Merci, votre réponse est envoyée." in text(send(client, debut=html.unescape(again)).text)
    assert len(db.submissions(OP, EPCI)) == 1
    for forged in ("", "241700434:1:AAAA", form_page.start_token("un autre secret", EPCI, clock.now - 60),
                   form_page.start_token(SECRET, "17300", clock.now - 60)):
        assert "envoyé très vite" in problems(send(client, debut=forged).text)
    assert len(db.submissions(OP, EPCI)) == 1


def test_the_time_rule_never_asks_more_than_four_seconds_and_can_be_turned_off(client, db, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(form_page, "clock", clock)
    monkeypatch.setenv(quest.FILL_SECONDS_ENV, "60")  # an operator's typo: bounded to 4 s
    opened = form_page.start_token(SECRET, EPCI)
    clock.now += 4.0
    assert "Merci, votre réponse est envoyée." in text(send(client, debut=opened).text)
    assert len(db.submissions(OP, EPCI)) == 1
    monkeypatch.setenv(quest.FILL_SECONDS_ENV, "0")  # no time rule: the hidden field and the burst limit stay
    page = send(client, name="Envoyée aussitôt", debut=form_page.start_token(SECRET, EPCI)).text
    assert "Merci, votre réponse est envoyée." in text(page) and len(db.submissions(OP, EPCI)) == 2


def test_a_known_structure_is_told_only_when_the_census_is_public(client, db):
    page = send(client, name="L'atelier vélo", commune="17028").text
    assert "connaît déjà une structure de ce nom" in text(page)
    assert db.submissions(OP, EPCI)[0].match_ref == "nom:atelier velo|aytre"
    db.set_territory(OP, EPCI, anonymous_read=False)
    page = send(client, name="L'atelier vélo", commune="17028").text
    assert "Merci, votre réponse est envoyée." in text(page) and "connaît déjà" not in text(page)
    assert db.submissions(OP, EPCI)[1].match_ref == "nom:atelier velo|aytre"  # flagged all the same


def test_closed_questionnaire_and_unknown_territory(client, db):
    db.set_questionnaire_open(OP, EPCI, False)
    page = form(client).text
    assert "Ce questionnaire est fermé" in text(page) and "Envoyer" not in text(page)
    send(client)
    assert db.submissions(OP, EPCI) == []
    response = form(client, "17300")
    assert response.status_code == 404 and "n'existe pas sur ce serveur" in text(response.text)
    response = form(client, None)
    assert response.status_code == 400 and "lien de questionnaire est incomplet" in text(response.text)


def test_burst_from_the_form_is_told_to_wait(client, db, monkeypatch):
    monkeypatch.setattr(st_store.answers, "SUBMISSION_BURST", 2)
    for i in range(3):
        response = send(client, name=f"Structure {i}")
        if i < 2:
            assert "Merci" in text(response.text)
    assert response.status_code == 429 and "patientez" in problems(response.text)
    assert len(db.submissions(OP, EPCI)) == 2
    assert 'value="Structure 2"' in response.text  # kept for the next try


def test_cross_site_and_oversized_posts_are_refused(client, db):
    response = client.post(f"/questionnaire?territoire={EPCI}", data=fields(),
                           headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "ne vient pas d'une page de ce site" in text(response.text)
    response = client.post(f"/questionnaire?territoire={EPCI}", data=fields(actions_text="x" * 300_000),
                           headers=ORIGIN)
    assert response.status_code == 413 and db.submissions(OP, EPCI) == []
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_a_campaigns_personal_link_is_left_to_streamlits_page(db):
    """/questionnaire with ``acteur=TOKEN`` (issue 26) is not the public form's: the next route answers it (in the
    server, Streamlit's catch-all, whose page fills the form in with that actor's record: tests/e2e/test_campaign.py).
    An empty ``acteur`` is the public form (Streamlit's page would send the browser back to it: no loop)."""
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def next_route(request):
        return PlainTextResponse("route suivante")

    app = Starlette(routes=[*public.routes(trusted=[], store_factory=lambda: db, secret_factory=lambda: SECRET),
                            Route("/{path:path}", next_route, methods=["GET", "POST"])])
    with TestClient(app) as c:
        assert "<h1>Questionnaire des acteurs du Numérique responsable</h1>" in form(c).text
        for query in (f"territoire={EPCI}&acteur=jeton-personnel", f"acteur=jeton-personnel&territoire={EPCI}",
                      f"territoire={EPCI}&acteur=jeton-personnel&courriels=refus"):
            assert c.get(f"/questionnaire?{query}").text == "route suivante", query
        for query in (f"territoire={EPCI}&acteur=", f"territoire={EPCI}&acteur=%20"):
            assert "<h1>Questionnaire des acteurs" in c.get(f"/questionnaire?{query}").text, query
        assert c.post(f"/questionnaire?territoire={EPCI}&acteur=jeton", data=fields(),
                      headers=ORIGIN).text == "route suivante"
        assert db.submissions(OP, EPCI) == []
    assert public.personal_link(b"territoire=1&acteur=x") and not public.personal_link("territoire=1&acteur=+")
