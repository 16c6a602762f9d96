"""nrdash/workspace.py: the version in the address, the history list, what a draft undoes (who may do what is the
store's: tests/store/test_store_access.py)."""
from __future__ import annotations

import datetime as dt

from nrdash import workspace as ws
from nrdash.census import load_census
from nrdash.dataset import prepare
from nrdash.store import VersionInfo
from tests.conftest import actors_sheet

HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune"]


def test_parse_version():
    assert [ws.parse_version(v) for v in ("3", " 12 ", "0", "-1", "2.0", "abc", "", None, "9" * 12)] == \
        [3, 12, None, None, None, None, None, None, None]


def _info(n, **kw):
    d = dict(number=n, created_at=dt.datetime(2026, 3, 7, 13, 5, tzinfo=dt.timezone.utc), author="marie@x.fr",
             note=f"note {n}", force_reason=None, base_version=None, restored_from=None, file_name=f"v{n}.xlsx",
             file_sha256="a", original_sha256="a", redacted_at=None, redaction_note=None, n_actors=10,
             n_actions=2, n_errors=0, n_warnings=1, n_error_rows=0)
    d.update(kw)
    return VersionInfo(**d)


def test_history_table_newest_first_authors_for_editors_only():
    infos = [_info(1), _info(2, restored_from=1), _info(3, force_reason="urgent", n_error_rows=2)]
    viewer = ws.history_table(infos, editor=False)
    assert list(viewer["Version"]) == [3, 2, 1] and "Auteur" not in viewer.columns
    # issue 25: the remarks follow the note (the table fits 1280 px), the counts are words in two columns
    assert list(viewer["Note"]) == ["note 3 — (publiée malgré les erreurs : urgent)",
                                    "note 2 — (restauration de la version 1)", "note 1"]
    assert list(viewer["Vérification"]) == ["2 lignes en erreur, 1 avertissement", "1 avertissement",
                                            "1 avertissement"]
    assert list(viewer["Contenu"]) == ["10 acteurs, 2 actions"] * 3
    assert list(ws.history_table(infos, editor=True)["Auteur"]) == ["marie@x.fr"] * 3


def _census(rows):
    return prepare(load_census(actors_sheet(rows, HEADER), "x.xlsx"), "upload", None).census


def test_undone_by_lists_what_the_newer_version_changed_that_the_draft_puts_back():
    base = _census([["Atelier", "PME", 1, "Aytré"], ["Mairie", "Commune", 2, "Lagord"], ["Club", "PME", 1, "Aytré"]])
    # version 2 (a colleague): Atelier to level 3, Mairie removed, Café added
    latest = _census([["Atelier", "PME", 3, "Aytré"], ["Club", "PME", 1, "Aytré"], ["Café", "PME", 1, "Aytré"]])
    # the draft, started from version 1: still Atelier at 1, still the Mairie, no Café; it adds Vélo
    draft = _census([["Atelier", "PME", 1, "Aytré"], ["Mairie", "Commune", 2, "Lagord"], ["Club", "PME", 1, "Aytré"],
                     ["Vélo", "PME", 1, "Aytré"]])
    u = ws.undone_by(base, latest, draft, 1, 2)
    assert sorted(u.lines) == sorted([
        "« Café (Aytré) », ajouté par la version 2, serait retiré.",
        "« Atelier (Aytré) » : ce que la version 2 a changé (Niveau d'engagement estimé, Cercle) serait remplacé par votre "
        "brouillon.",
        "« Mairie (Lagord) », retiré par la version 2, reviendrait.",
    ])
    assert u.sentence.endswith("défera 3 changements de cette version :")
    # a draft that kept version 2's changes undoes nothing
    kept = ws.undone_by(base, latest, latest, 1, 2)
    assert kept.lines == [] and "ne défait aucun" in kept.sentence
