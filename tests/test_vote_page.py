"""The phones' vote page, /vote (issue 28), through its real Starlette route: the code as the only credential, a
hostile code shown as text, one ballot per browser (its cookie) changed and never doubled, a reload that never
votes again, refusals in French, a closed vote that shows its result, a bounded address, a cross-site POST refused."""
from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nrdash import vote_page
from nrdash.store import Store
from tests.principals import OP

T = "exemple"
ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}")
    yield s
    s.close()


def phone(store) -> TestClient:
    """A browser: its own cookie jar (a new browser context)."""
    return TestClient(Starlette(routes=vote_page.routes(store_factory=lambda: store, trusted=[])),
                      follow_redirects=False)


def ticked(page: str) -> list[str]:
    return re.findall(r'value="(\w+)" checked', page)


def test_a_hostile_or_unknown_code_is_shown_as_text(store):
    client = phone(store)
    r = client.get("/vote")
    assert r.status_code == 200 and "Code du vote" in r.text and "role=\"alert\"" not in r.text
    r = client.get("/vote", params={"code": '"><script>alert(1)</script><img src=x onerror=alert(2)>'})
    assert r.status_code == 404 and "Aucun vote ouvert avec ce code." in r.text
    assert "<script>" not in r.text and "<img" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'none'" in \
        r.headers["content-security-policy"]
    assert client.get("/vote", params={"code": "ZZZZZZ"}).status_code == 404


def test_a_phone_votes_changes_its_vote_and_a_reload_never_doubles_it(store):
    code = store.open_vote(OP, T).code
    a, b = phone(store), phone(store)
    r = a.get("/vote", params={"code": code.lower()})
    assert r.status_code == 200 and "Quelles cases de la matrice sont nos priorités ?" in r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{vote_page.COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert '<label for="c-m13"><input type="checkbox" id="c-m13" name="choix" value="m13"><span>Sensibiliser × ' \
           'Citoyens</span></label>' in r.text  # each checkbox named by its label
    assert "<script" not in r.text and ticked(r.text) == []
    assert store.latest_vote(OP, T).participants == 0  # nothing recorded before « Voter »
    r = a.post(f"/vote?code={code}", data={"choix": ["m13", "m31"]}, headers=ORIGIN)
    assert r.status_code == 303 and r.headers["location"] == f"/vote?code={code}&vote=enregistre"
    r = a.get(r.headers["location"])
    assert "Votre vote est enregistré : Sensibiliser × Citoyens ; Innover × Entreprises." in r.text
    assert "<title>Vote enregistré – Quelles cases" in r.text  # said first by a screen reader, after the reload
    assert ticked(r.text) == ["m13", "m31"]
    for _ in range(2):  # a reload, a second tab: the same browser, the same ballot
        assert ticked(a.get("/vote", params={"code": code}).text) == ["m13", "m31"]
    a.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN)  # changed
    b.get("/vote", params={"code": code})
    b.post(f"/vote?code={code}", data={"choix": ["m00", "m13"]}, headers=ORIGIN)
    live = store.latest_vote(OP, T)
    assert live.participants == 2 and live.counts["m00"] == 2 and live.counts["m13"] == 1 and live.counts["m31"] == 0


def test_refusals_are_said_in_french_and_record_nothing(store):
    code = store.open_vote(OP, T).code
    a = phone(store)
    a.get("/vote", params={"code": code})
    r = a.post(f"/vote?code={code}", data={}, headers=ORIGIN)
    assert r.status_code == 400 and "Aucun choix coché : cochez au moins une case" in r.text and 'role="alert"' in r.text
    r = a.post(f"/vote?code={code}", data={"choix": ["m00", "m01", "m02", "m03"]}, headers=ORIGIN)
    assert r.status_code == 400 and "Vous avez coché 4 choix : 3 au plus. Décochez-en 1" in r.text
    assert ticked(r.text) == ["m00", "m01", "m02", "m03"]  # what the person ticked stays ticked
    r = a.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers={"origin": "http://ailleurs.example"})
    assert r.status_code == 403
    fresh = phone(store)  # a browser that never got its cookie (blocked cookies)
    r = fresh.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN)
    assert r.status_code == 400 and "jeton de vote" in r.text and vote_page.COOKIE in r.headers["set-cookie"]
    assert store.latest_vote(OP, T).participants == 0


def test_a_closed_vote_refuses_and_shows_its_result(store):
    code = store.open_vote(OP, T).code
    a = phone(store)
    a.get("/vote", params={"code": code})
    a.post(f"/vote?code={code}", data={"choix": ["m13"]}, headers=ORIGIN)
    store.close_vote(OP, T)
    r = a.get("/vote", params={"code": code})
    assert r.status_code == 200 and "<h1>Ce vote est clos.</h1>" in r.text and "1 participant." in r.text
    assert '<th scope="row">Sensibiliser × Citoyens</th><td>1 voix</td>' in r.text and "<form" not in r.text
    r = a.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN)
    assert r.status_code == 409 and "Ce vote est clos." in r.text
    assert store.votes(OP, T)[0].counts["m00"] == 0


def test_one_address_is_bounded(store, monkeypatch):
    monkeypatch.setenv("NRDASH_VOTE_PAR_ADRESSE", "2")
    code = store.open_vote(OP, T).code
    statuses = []
    for _ in range(3):  # a script: a new cookie each time, from one address
        c = phone(store)
        c.get("/vote", params={"code": code})
        statuses.append(c.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN).status_code)
    assert statuses == [303, 303, 429] and store.latest_vote(OP, T).participants == 2
