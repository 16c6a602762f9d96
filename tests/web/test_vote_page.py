"""The phones' vote page, /vote (issue 28), through its real Starlette route: the code as the only credential, a
hostile code shown as text, one ballot per browser (its cookie) changed and never doubled, a reload that never
votes again, refusals in French, a closed vote that shows its result, a bounded address, a cross-site POST refused."""
from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nrdash.web import vote_page
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


def plain(r) -> str:
    """The page's text with its no-break spaces (French typography) as plain spaces."""
    return r.text.replace("\xa0", " ")


def ticked(page: str) -> list[str]:
    return re.findall(r'value="(\w+)" checked', page)


def test_a_hostile_or_unknown_code_is_shown_as_text(store):
    client = phone(store)
    r = client.get("/vote")
    assert r.status_code == 200 and "Code du vote" in plain(r) and "role=\"alert\"" not in plain(r)
    r = client.get("/vote", params={"code": '"><script>alert(1)</script><img src=x onerror=alert(2)>'})
    assert r.status_code == 404 and "Aucun vote ouvert avec ce code." in plain(r)
    assert "<script>" not in plain(r) and "<img" not in plain(r) and "&lt;script&gt;alert(1)&lt;/script&gt;" in plain(r)
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'none'" in \
        r.headers["content-security-policy"]
    assert client.get("/vote", params={"code": "ZZZZZZ"}).status_code == 404


def test_a_phone_votes_changes_its_vote_and_a_reload_never_doubles_it(store):
    code = store.open_vote(OP, T).code
    a, b = phone(store), phone(store)
    r = a.get("/vote", params={"code": code.lower()})
    assert r.status_code == 200 and "Quelles cases de la matrice sont nos priorités ?" in plain(r)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{vote_page.COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert '<label for="c-m13"><input type="checkbox" id="c-m13" name="choix" value="m13"><span>Sensibiliser × ' \
           'Citoyens</span></label>' in plain(r)  # each checkbox named by its label
    assert "<script" not in plain(r) and ticked(plain(r)) == []
    assert store.latest_vote(OP, T).participants == 0  # nothing recorded before « Voter »
    r = a.post(f"/vote?code={code}", data={"choix": ["m13", "m31"]}, headers=ORIGIN)
    assert r.status_code == 303 and r.headers["location"] == f"/vote?code={code}&vote=enregistre"
    r = a.get(r.headers["location"])
    assert "Votre vote est enregistré : Sensibiliser × Citoyens ; Innover × Entreprises." in plain(r)
    assert "<title>Vote enregistré – Quelles cases" in plain(r)  # said first by a screen reader, after the reload
    assert ticked(plain(r)) == ["m13", "m31"]
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
    assert r.status_code == 400 and "Aucun choix coché : cochez au moins une case" in plain(r) and 'role="alert"' in plain(r)
    r = a.post(f"/vote?code={code}", data={"choix": ["m00", "m01", "m02", "m03"]}, headers=ORIGIN)
    assert r.status_code == 400 and "Vous avez coché 4 choix : 3 au plus. Décochez-en 1" in plain(r)
    assert ticked(plain(r)) == ["m00", "m01", "m02", "m03"]  # what the person ticked stays ticked
    r = a.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers={"origin": "http://ailleurs.example"})
    assert r.status_code == 403
    fresh = phone(store)  # a browser that never got its cookie (blocked cookies)
    r = fresh.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN)
    assert r.status_code == 400 and "jeton de vote" in plain(r) and vote_page.COOKIE in r.headers["set-cookie"]
    assert store.latest_vote(OP, T).participants == 0


def test_a_closed_vote_refuses_and_shows_its_result(store):
    code = store.open_vote(OP, T).code
    a = phone(store)
    a.get("/vote", params={"code": code})
    a.post(f"/vote?code={code}", data={"choix": ["m13"]}, headers=ORIGIN)
    store.close_vote(OP, T)
    r = a.get("/vote", params={"code": code})
    assert r.status_code == 200 and "<h1>Ce vote est clos.</h1>" in plain(r) and "1 participant." in plain(r)
    assert '<th scope="row">Sensibiliser × Citoyens</th><td>1 voix</td>' in plain(r) and "<form" not in plain(r)
    r = a.post(f"/vote?code={code}", data={"choix": ["m00"]}, headers=ORIGIN)
    assert r.status_code == 409 and "Ce vote est clos." in plain(r)
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
