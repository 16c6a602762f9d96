"""Limits that hold under concurrency (issue 23 §3), on SQLite and PostgreSQL.

- Sign-in, against the real server (``streamlit run nrdash/server.py``): 40 wrong passwords for one account sent at
  once, each from its own loopback address (127.0.1.x: the client socket is bound to it), are checked 5 times, not
  31; 60 attempts sent at once from one address (127.0.2.1) are checked 20 times, not 47. The failures are counted
  and the attempt recorded in one transaction (``Store.sign_in``).
- The questionnaire's burst limit: 30 answers sent at once from one client address, to two territories, by as many
  stores (as replicas would: their own connections) are stored 20 times, the others refused."""
from __future__ import annotations

import http.client
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from nrdash.store import SUBMISSION_BURST, Principal, Store, TooManySubmissions
from tests.e2e.harness import streamlit_server
from tests.principals import OP
from tests.test_questionnaire import V1, answer

SECRET = "secret des répliques du test de concurrence"
TARGET, PASSWORD = "cible@exemple.fr", "un mot de passe long"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'nrdash.db'}"
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def server(database, tmp_path):
    s = Store(database, seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)
    s.add_user(OP, TARGET, PASSWORD)
    s.close()
    env = {"NRDASH_DATABASE_URL": database, "NRDASH_DATA_DIR": str(tmp_path / "data"),
           "STREAMLIT_SERVER_COOKIE_SECRET": SECRET, "NRDASH_TRUSTED_PROXIES": ""}
    with streamlit_server(env=env) as url:
        yield url


def attempt(url: str, source: str, email: str, password: str) -> int:
    """One POST /connexion from the loopback address ``source`` (the socket's own address): its HTTP status."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300, source_address=(source, 0))
    try:
        body = urllib.parse.urlencode({"email": email, "mot_de_passe": password, "suivant": "/"})
        conn.request("POST", "/connexion", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": url})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def at_once(calls: list) -> list:
    """Every call started together (a barrier), their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_parallel_wrong_passwords_on_one_account_are_checked_five_times(server):
    statuses = at_once([lambda i=i: attempt(server, f"127.0.1.{i + 1}", TARGET, f"faux {i}") for i in range(40)])
    assert sorted(statuses) == [401] * 5 + [429] * 35, statuses
    assert attempt(server, "127.0.1.200", TARGET, PASSWORD) == 429  # even the right one, until the window passes


def test_parallel_attempts_from_one_address_are_checked_twenty_times(server):
    statuses = at_once([lambda i=i: attempt(server, "127.0.2.1", f"u{i}@exemple.fr", "faux") for i in range(60)])
    assert sorted(statuses) == [401] * 20 + [429] * 40, statuses
    assert attempt(server, "127.0.2.2", TARGET, PASSWORD) == 303  # another address, the right password


def test_parallel_answers_from_one_address_stop_at_the_burst_limit(database):
    setup = Store(database, seed_sample=False)
    for code in ("241700434", "17300"):
        setup.publish(OP, code, V1, "v1.xlsx")
    setup.close()
    replicas = [Store(database, migrate=False) for _ in range(3)]
    who = Principal.anonymous("203.0.113.77")

    def send(i: int):
        store = replicas[i % len(replicas)]
        try:
            return store.submit(who, ("241700434", "17300")[i % 2], answer(name=f"Structure {i}"))[0]
        except TooManySubmissions:
            return "refusée"

    try:
        results = at_once([lambda i=i: send(i) for i in range(30)])
        stored = replicas[0].submissions(OP, "241700434") + replicas[0].submissions(OP, "17300")
    finally:
        for store in replicas:
            store.close()
    assert results.count("refusée") == 30 - SUBMISSION_BURST, results
    assert len(stored) == SUBMISSION_BURST
