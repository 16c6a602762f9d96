"""workspace.draft_changes: what publishing a draft changes against the latest version, as the Versions page shows
it before asking for confirmation (issue 25)."""
from __future__ import annotations

from nrdash.census import load_census
from nrdash.workspace import draft_changes
from tests.conftest import actors_sheet

HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent"]


def census(*rows):
    return load_census(actors_sheet([list(r) for r in rows], HEADER), "c.xlsx")


LATEST = census(["Atelier Vélo", "Associations du NR", 1, "Aytré", "Hugo"],
                ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana"],
                ["Fablab", "Autres associations", 0, "Aytré", None])


def test_new_gone_and_changed_actors_with_what_changed():
    draft = census(["Atelier Vélo", "Associations du NR", 3, "Aytré", "Hugo Guérin"],
                   ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana"],
                   ["Repair Café", "Associations du NR", 1, "Périgny", None])
    ch = draft_changes(LATEST, draft, 2, include_personal=True)
    assert (ch.n_new, ch.n_gone, ch.n_changed, ch.n_same) == (1, 1, 1, 1) and not ch.nothing
    assert ch.sentence == ("Par rapport à la version 2 : 1 nouvel acteur, 1 acteur retiré, 1 acteur modifié, "
                           "1 inchangé.")
    assert ch.new == ["« Repair Café (Périgny) »"] and ch.gone == ["« Fablab (Aytré) »"]
    [line] = ch.changed
    assert line.startswith("« Atelier Vélo (Aytré) » — Niveau d'engagement estimé : 1 - Sensibilisé au NR → "
                           "3 - Leader du NR"), line
    assert "Référent modifié" in line and "Hugo" not in line  # a personal field is named, never quoted
    assert ch.plan == ["Le plan d'actions n'a pas changé."]


def test_an_identical_draft_changes_nothing_and_lists_are_bounded():
    ch = draft_changes(LATEST, LATEST, 4)
    assert ch.nothing and ch.sentence.endswith(": 0 nouvel acteur, 0 acteur retiré, 0 acteur modifié, 3 inchangés.")
    many = census(*[[f"Acteur {i}", "PME", 1, "Aytré", None] for i in range(30)])
    ch = draft_changes(LATEST, many, 1, limit=5)
    assert ch.n_new == 30 and len(ch.new) == 5 and ch.n_gone == 3


def test_a_name_that_already_says_its_commune_is_not_followed_by_it_twice():
    latest = census(["Vice-présidence au numérique (Aytré)", "Élus", 1, "Aytré", None])
    ch = draft_changes(latest, census(["Autre", "PME", 1, "Aytré", None]), 1)
    assert ch.gone == ["« Vice-présidence au numérique (Aytré) »"]
