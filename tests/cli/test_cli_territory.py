"""``python -m nrdash territory show|open|close|set`` (issue 25), run as a person runs it (a subprocess), on SQLite
and PostgreSQL: a new territory is shown closed, opening makes its versions readable without an account and closing
undoes it, the contact address is checked, an unknown code is said in French with exit code 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nrdash.store import Forbidden, Store
from tests.conftest import ROOT
from tests.principals import OP, anon
from tests.test_questionnaire import V1

EPCI = "241700434"
KEYS = {"code", "name", "anonymous_read", "questionnaire_open", "contact_email", "retention_months"}


@pytest.fixture
def cli(db_url):
    s = Store(db_url, seed_sample=False)
    s.publish(OP, EPCI, V1, "v1.xlsx")
    s.close()

    def run(*args: str) -> tuple[int, str, str]:
        env = {**os.environ, "NRDASH_DATABASE_URL": db_url}
        p = subprocess.run([sys.executable, "-m", "nrdash", *args], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr
    return run


def shown(cli) -> dict:
    code, out, err = cli("territory", "show", EPCI, "--json")
    assert code == 0, err
    return json.loads(out)


def anonymously_readable(db_url: str) -> bool:
    s = Store(db_url, seed_sample=False)
    try:
        s.open_version(anon(), EPCI)
        return True
    except Forbidden:
        return False
    finally:
        s.close()


def test_show_open_close_and_set(cli, db_url):
    got = shown(cli)
    assert set(got) == KEYS
    assert got == {"code": EPCI, "name": got["name"], "anonymous_read": False, "questionnaire_open": True,
                   "contact_email": None, "retention_months": 24} and "La Rochelle" in got["name"]
    code, out, err = cli("territory", "show", EPCI)
    assert code == 0 and err == ""
    assert "Lecture sans connexion : fermée" in out and "Questionnaire : ouvert aux réponses" in out
    assert "Adresse de contact : non renseignée" in out and "24 mois" in out
    code, out, err = cli("territory", "open", EPCI)
    assert code == 0 and "lisible" in out and "anciennes comprises" in out
    assert shown(cli)["anonymous_read"] is True and anonymously_readable(db_url)
    code, out, _ = cli("territory", "close", EPCI)
    assert code == 0 and "fermé" in out
    assert shown(cli)["anonymous_read"] is False and not anonymously_readable(db_url)
    code, out, err = cli("territory", "set", EPCI, "--contact", "pas une adresse")
    assert code == 2 and "Adresse électronique invalide" in err and "Traceback" not in err
    assert shown(cli)["contact_email"] is None
    code, out, _ = cli("territory", "set", EPCI, "--contact", "numerique@agglo-larochelle.fr", "--conservation", "12")
    assert code == 0 and "numerique@agglo-larochelle.fr" in out
    got = shown(cli)
    assert (got["contact_email"], got["retention_months"], got["anonymous_read"]) == \
        ("numerique@agglo-larochelle.fr", 12, False)  # setting the contact opens nothing
    assert "Adresse de contact : numerique@agglo-larochelle.fr" in cli("territory", "show", EPCI)[1]
    assert cli("territory", "set", EPCI, "--contact", "")[0] == 0  # unset
    assert shown(cli)["contact_email"] is None
    code, _, err = cli("territory", "set", EPCI)
    assert code == 2 and "--contact" in err


@pytest.mark.parametrize("action", ["show", "open", "close", "set"])
def test_an_unknown_territory_is_said_in_french(cli, action):
    args = ["territory", action, "17300"] + (["--contact", "a@b.fr"] if action == "set" else [])
    code, out, err = cli(*args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "17300" in err and "absent de cette instance" in err and EPCI in err  # and which ones it has
