"""``python -m nrdash campaign …`` as whole processes (issue 26): create (levels, « à actualiser », end date, JSON,
refusals with exit 2 and nothing created), links (the mail-merge CSV), status (no address unless asked), send through
a real SMTP server, remind, and a sending killed with SIGKILL twice (once just after the server took a message, once
between claiming a recipient and giving its content) then resumed: never twice to one actor."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys

import pytest

from nrdash.store import Store
from tests.conftest import ROOT, actors_sheet
from tests.principals import OP
from tests.smtp import smtp_server
from tests.test_campaigns import EPCI, HEADER, sheet


@pytest.fixture
def data(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, sheet(), "v1.xlsx")
    s.close()
    return tmp_path


def env_of(data, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NRDASH_")}
    return {**env, "NRDASH_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), **more}


def nrdash(data, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nrdash", *args], cwd=ROOT, env=env_of(data, **env),
                          capture_output=True, text=True, timeout=300)


def store(data) -> Store:
    return Store(f"sqlite:///{data / 'nrdash.db'}", migrate=False)


MAIL = {"NRDASH_MAIL_FROM": "nr@agglo.test", "NRDASH_PUBLIC_URL": "https://nrdash.agglo.test",
        "NRDASH_MAIL_RATE": "6000"}


def test_create_by_level_and_freshness_and_refusals(data):
    r = nrdash(data, "campaign", "create", "--territoire", EPCI, "--niveau", "2", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["recipients"] == 2 and got["with_email"] == 2 and got["without_email"] == 0 and got["id"] == 1
    r = nrdash(data, "campaign", "create", "--territoire", EPCI, "--a-actualiser", "--fin", "2099-01-01", "--json")
    assert r.returncode == 2 and "plus d'un an" in r.stderr  # a campaign lasts weeks
    r = nrdash(data, "campaign", "create", "--territoire", EPCI, "--a-actualiser", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["recipients"] == 3  # the Mairie was updated recently
    for args, words in ((["--fin", "2020-01-01"], "passée"), (["--fin", "31/12/2026"], "illisible"),
                        (["--niveau", "3"], "aucun acteur")):
        r = nrdash(data, "campaign", "create", "--territoire", EPCI, *args, "--json")
        assert r.returncode == 2 and words in r.stderr and r.stdout == "" and "Traceback" not in r.stderr, args
    s = store(data)
    try:
        assert [c.id for c in s.campaigns(OP, EPCI)] == [2, 1]  # nothing made by the refusals
    finally:
        s.close()


def test_links_and_status(data):
    assert nrdash(data, "campaign", "create", "--territoire", EPCI).stdout.strip() == "1"
    r = nrdash(data, "campaign", "links", "1")
    assert r.returncode == 2 and "NRDASH_PUBLIC_URL" in r.stderr
    r = nrdash(data, "campaign", "links", "1", **MAIL)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Nom de l'acteur", "Adresse électronique", "Lien personnel", "Date de fin"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Atelier Vélo", "Mairie de Lagord", "Recyclerie du Port", "Café numérique"}
    assert by_name["Café numérique"][1] == "" and by_name["Atelier Vélo"][1] == "hugo@example.org"
    assert by_name["Atelier Vélo"][2].startswith(f"https://nrdash.agglo.test/questionnaire?territoire={EPCI}&acteur=")
    r = nrdash(data, "campaign", "status", "1", "--json")
    status = json.loads(r.stdout)
    assert status["recipients"] == 4 and "example.org" not in r.stdout  # no address unless asked
    assert {d["statut"] for d in status["destinataires"]} == {"lien exporté (publipostage)", "sans adresse"}
    r = nrdash(data, "campaign", "status", "1", "--json", "--with-contacts")
    assert "hugo@example.org" in {d["email"] for d in json.loads(r.stdout)["destinataires"]}
    r = nrdash(data, "campaign", "status", "99")
    assert r.returncode == 2 and "introuvable" in r.stderr


def test_send_and_remind_through_a_real_server(data):
    nrdash(data, "campaign", "create", "--territoire", EPCI)
    r = nrdash(data, "campaign", "send", "1", **MAIL)
    assert r.returncode == 2 and "NRDASH_SMTP_URL" in r.stderr  # no server: refused, said in French
    with smtp_server("plain") as (url, got):
        r = nrdash(data, "campaign", "send", "1", NRDASH_SMTP_URL=url, **MAIL)
        assert r.returncode == 0, r.stderr
        assert "3/3 : 3 envoyés" in r.stderr and len(got.messages) == 3
        r = nrdash(data, "campaign", "remind", "--territoire", EPCI, NRDASH_SMTP_URL=url, **MAIL)
        assert r.returncode == 0 and "Aucune relance due" in r.stderr and len(got.messages) == 3  # not yet due


SIX = [[f"Structure {k}", "PME", 1, "Aytré", None, None, None, None, f"s{k}@example.org", None, None]
       for k in range(1, 7)]


def test_a_sending_killed_twice_then_resumed_sends_to_each_actor_once(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, actors_sheet(SIX, HEADER), "v1.xlsx")
    s.create_campaign(OP, EPCI, None)
    s.close()
    running: dict = {}

    def kill(n: int, at: int) -> None:
        if n == at and running.get("proc"):
            os.kill(running["proc"].pid, signal.SIGKILL)
            running["proc"].wait(30)

    def send() -> subprocess.CompletedProcess:
        proc = subprocess.Popen([sys.executable, "-m", "nrdash", "campaign", "send", "1"], cwd=ROOT,
                                env=env_of(tmp_path, NRDASH_SMTP_URL=url, **MAIL), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        running["proc"] = proc
        out, err = proc.communicate(timeout=300)
        running["proc"] = None
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    hooks = {"data": lambda n: None, "rcpt": lambda n: None}
    with smtp_server("plain", on_data=lambda n: hooks["data"](n), on_rcpt=lambda n: hooks["rcpt"](n)) as (url, got):
        # 1. Killed once the server holds the second message, before the sender hears « 250 ».
        hooks["data"] = lambda n: kill(n, 2)
        assert send().returncode == -signal.SIGKILL and len(got.messages) == 2
        # 2. Resumed, killed between claiming a recipient and giving its content (at its recipient command).
        hooks["data"] = lambda n: None
        hooks["rcpt"] = lambda n: kill(n, 3)
        resumed = send()
        assert resumed.returncode == -signal.SIGKILL and len(got.messages) == 2  # the third never reached it
        # 3. Resumed again: to the end.
        hooks["rcpt"] = lambda n: None
        last = send()
        assert last.returncode == 0, last.stderr
        assert "1 envoi(s) incertain(s), jamais renvoyé(s) d'eux-mêmes" in resumed.stderr
    addresses = [a for _, rcpt, _ in got.messages for a in rcpt]
    assert sorted(addresses) == sorted(f"s{k}@example.org" for k in range(1, 7))  # each once, never twice
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}", migrate=False)
    try:
        statuses = {r.email: r.status for r in s.campaign_recipients(OP, EPCI, 1, with_contacts=True)}
    finally:
        s.close()
    assert statuses["s2@example.org"] == "envoi incertain"  # it had reached the server: never sent again by itself
    assert {v for k, v in statuses.items() if k != "s2@example.org"} == {"envoyé"}
