"""The access commands of ``python -m nrdash`` (issue 23): ``user role`` / ``user remove`` / ``user logout``,
``link create`` / ``list`` / ``revoke`` and ``retention``; French messages and exit code 2 for what is refused, nothing
changed then."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest

from nrdash.cli import main
from nrdash.store import Principal, Store
from tests.principals import OP
from tests.test_questionnaire import V1

T = "241700434"
PASSWORD = "un mot de passe long"


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("NRDASH_DATABASE_URL", url)
    monkeypatch.delenv("NRDASH_PUBLIC_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    s = Store(url, seed_sample=False)
    s.add_user(OP, "chef@x.fr", PASSWORD)  # the instance's administrator
    s.add_user(OP, "ed@x.fr", PASSWORD, "éditeur", T)
    s.publish(OP, T, V1, "v1.xlsx")
    yield s
    s.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def session(s: Store, email: str) -> Principal:
    return Principal.session(s.sign_in(Principal.anonymous("192.0.2.1"), email, PASSWORD).session)


def test_user_role_downgrades_and_folds_accents(db, capsys):
    who = session(db, "ed@x.fr")
    code, out, _ = run(capsys, "user", "role", "ed@x.fr", "--role", "lecteur", "--territoire", T)
    assert code == 0 and "ed@x.fr : rôle lecteur sur le territoire 241700434" in out and "1 session(s)" in out
    assert db.role_of(OP, "ed@x.fr", T) == "lecteur" and db.signed_in(who) is None
    for typed in ("editeur", "Éditeur", "EDITEUR"):
        assert run(capsys, "user", "role", "ed@x.fr", "--role", typed, "--territoire", T)[0] == 0
        assert db.role_of(OP, "ed@x.fr", T) == "éditeur"
    code, _, err = run(capsys, "user", "role", "ed@x.fr", "--role", "chef", "--territoire", T)
    assert code == 2 and "rôle « chef » inconnu : « lecteur », « éditeur » ou « administrateur »" in err
    code, _, err = run(capsys, "user", "role", "inconnu@x.fr", "--role", "lecteur", "--territoire", T)
    assert code == 2 and "Aucun compte pour « inconnu@x.fr »" in err and not db.user_exists(OP, "inconnu@x.fr")
    code, _, err = run(capsys, "user", "role", "ed@x.fr", "--territoire", T)
    assert code == 2 and "Précisez le nouveau rôle" in err


def test_the_last_administrator_and_user_add_downgrading_one(db, capsys):
    for argv in (("user", "role", "chef@x.fr", "--role", "lecteur", "--territoire", T),
                 ("user", "add", "chef@x.fr", "--role", "lecteur", "--territoire", T),
                 ("user", "remove", "chef@x.fr")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "dernier administrateur de l'instance" in err, argv
    assert db.role_of(OP, "chef@x.fr", T) == "administrateur"
    assert run(capsys, "user", "role", "ed@x.fr", "--role", "administrateur")[0] == 0  # a second one
    code, out, _ = run(capsys, "user", "add", "chef@x.fr", "--role", "lecteur", "--territoire", T)
    assert code == 0 and "Compte mis à jour : chef@x.fr, rôle lecteur" in out and "administrateur de l'instance" \
        not in out
    assert db.role_of(OP, "chef@x.fr", T) == "lecteur"  # was left an administrator before issue 23


def test_user_remove_a_role_or_the_account_and_logout(db, capsys):
    first, second = session(db, "ed@x.fr"), session(db, "ed@x.fr")
    code, out, _ = run(capsys, "user", "logout", "ed@x.fr")
    assert code == 0 and "2 session(s)" in out and db.signed_in(first) is None and db.signed_in(second) is None
    who = session(db, "ed@x.fr")
    code, out, _ = run(capsys, "user", "remove", "ed@x.fr", "--territoire", T)
    assert code == 0 and "Rôle éditeur retiré à ed@x.fr sur le territoire 241700434" in out
    assert db.role_of(OP, "ed@x.fr", T) is None and db.signed_in(who) is None and db.user_exists(OP, "ed@x.fr")
    code, _, err = run(capsys, "user", "remove", "ed@x.fr", "--territoire", T)
    assert code == 2 and "n'a aucun rôle sur" in err
    code, out, _ = run(capsys, "user", "remove", "ed@x.fr")
    assert code == 0 and "Compte retiré : ed@x.fr" in out and not db.user_exists(OP, "ed@x.fr")
    for argv in (("user", "remove", "ed@x.fr"), ("user", "logout", "personne@x.fr")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "Aucun compte pour" in err
    code, _, err = run(capsys, "user", "remove", "chef@x.fr", "--sans-mot-de-passe")
    assert code == 2 and "--sans-mot-de-passe ne s'emploie qu'avec « user add »" in err


def test_link_create_list_revoke(db, capsys, monkeypatch):
    code, out, err = run(capsys, "link", "create", "--territoire", T, "--jours", "7", "--json")
    made = json.loads(out)
    assert code == 0 and set(made) >= {"id", "url"} and made["url"].startswith(f"/?territoire={T}&atelier=1&jeton=")
    assert "NRDASH_PUBLIC_URL n'est pas réglé" in err  # without the setting: the path, and it says so
    token = made["url"].rsplit("jeton=", 1)[1]
    assert db.workshop_territory(Principal.workshop(token)) == T
    expires = dt.datetime.fromisoformat(made["expire_le"])
    assert dt.timedelta(days=7) - dt.timedelta(minutes=5) < expires - dt.datetime.now(dt.timezone.utc) \
        <= dt.timedelta(days=7)
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "https://nrdash.agglo.fr")
    code, out, err = run(capsys, "link", "create", "--territoire", T, "--libelle", "Atelier du 12 mars")
    assert code == 0 and out.startswith(f"https://nrdash.agglo.fr/?territoire={T}&atelier=1&jeton=")
    assert "NRDASH_PUBLIC_URL" not in err and "valable jusqu'au" in err
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "nrdash.agglo.fr")
    code, _, err = run(capsys, "link", "create", "--territoire", T)
    assert code == 2 and "n'est pas une adresse web complète" in err and "Aucun lien n'a été créé" in err
    for days in ("0", "366", "deux"):
        code, _, err = run(capsys, "link", "create", "--territoire", T, "--jours", days)
        assert code == 2 and "de 1 à 365" in err, days
    assert len(db.workshop_links(OP, T)) == 2  # nothing made by the refusals
    code, out, _ = run(capsys, "link", "list", "--territoire", T, "--json")
    assert code == 0 and [(x["id"], x["libelle"], x["etat"]) for x in json.loads(out)] == [
        (made["id"] + 1, "Atelier du 12 mars", "valide"), (made["id"], "", "valide")]
    code, out, _ = run(capsys, "link", "revoke", str(made["id"]))
    assert code == 0 and f"Lien d'atelier n° {made['id']} révoqué (territoire {T})" in out
    assert db.access(Principal.workshop(token), T).link_problem == "Ce lien d'atelier a été révoqué."
    code, _, err = run(capsys, "link", "revoke", str(made["id"]))
    assert code == 2 and "est déjà révoqué" in err
    code, _, err = run(capsys, "link", "revoke", "999")
    assert code == 2 and "Aucun lien d'atelier n° 999" in err
    code, out, _ = run(capsys, "link", "list", "--territoire", T)
    assert code == 0 and f"n° {made['id']}  révoqué" in out


def test_retention_command(db, capsys):
    code, out, _ = run(capsys, "retention")
    assert code == 0 and "aucune donnée personnelle n'avait dépassé" in out
    with db.engine.begin() as conn:
        from nrdash.store import schema

        conn.execute(schema.versions.update().values(
            created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=800)))
    code, out, _ = run(capsys, "retention")
    assert code == 0 and f"Territoire {T} : 1 version(s)" in out and db.personal_rows(OP, T, 1) == []
