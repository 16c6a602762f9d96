"""The Suivi page (issue 15) in the app: two published versions of a territory compared (values), the shared
filters acting on the comparison, manual pairing and objectives by an editor, nothing editable and no personal data
in mode atelier, two uploaded files compared without the store keeping them, and the freshness line on Accueil."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import compare as cp
from nrdash import store as st_store
from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT, actors_sheet
from tests.mdtext import displayed
from tests.ui.test_app import chart_summaries, figures
from tests.principals import OP

APP = str(ROOT / "app.py")
EPCI = "241700434"
HEADER = ["Nom de l'acteur", "Famille d'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent",
          "Contact", "Date de mise à jour"]
OLD, RECENT = dt.date(2020, 1, 15), dt.date.today()


def census(*rows) -> bytes:
    return actors_sheet([list(r) for r in rows], HEADER)


V1 = census(["Vélo Solidaire", "Organismes associatifs", "Association", 1, "Aytré", "Hugo Guérin", "hugo@example.org", OLD],
            ["Mairie de Lagord", "Acteurs publics & semi-publics", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org", RECENT],
            ["Garage Martin", "Entreprises", "PME", 0, "Aytré", None, None, RECENT],
            ["Imprimerie Durand", "Entreprises", "PME", 1, "Lagord", None, None, RECENT])
V2 = census(["Roue Libre", "Organismes associatifs", "Association", 2, "Aytré", "Hugo Guérin", "hugo@example.org", OLD],
            ["Mairie de Lagord", "Acteurs publics & semi-publics", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org", RECENT],
            ["Imprimerie Durand SARL", "Entreprises", "PME", 2, "Lagord", "Nouveau Référent", None, RECENT])


@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1), ("v2.xlsx", V2))
    source.store.clear()




def suivi(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/suivi.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """The page's texts, the sentences under its charts included (written by the chart component)."""
    return "\n".join([*(displayed(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
                        for e in getattr(at, kind)), *chart_summaries(at)])


def transitions(at: AppTest) -> dict:
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Transitions de niveau"))
    heat = fig["data"][0]
    rows = [y.replace("<br>", " ") for y in heat["y"]]
    cols = [x.replace("<br>", " ") for x in heat["x"]]
    return {(r, c): v for r, row in zip(rows, heat["customdata"]) for c, v in zip(cols, row) if v}


L = {n: cp.ref.level_label(n) for n in range(4)}


def test_two_versions_compared_for_a_viewer(db):
    at = suivi(territoire=EPCI)
    body = texts(at)
    assert at.selectbox(key="suivi_a").value == 1 and at.selectbox(key="suivi_b").value == 2
    assert "1 nouvel acteur, 2 sortis, 1 modifié, 1 inchangé." in body  # Roue Libre new; Vélo and Garage gone
    assert transitions(at) == {("Nouveau", L[2]): 1, (L[1], L[2]): 1, (L[2], L[2]): 1, (L[0], "Sorti"): 1,
                               (L[1], "Sorti"): 1}
    assert f"1 acteur est passé de « {L[1]} » à « {L[2]} »" in body
    assert "Entreprises : 0 % des acteurs au niveau ≥ 2 → 100 % (+100 points)." in body
    # the changed actor, matched by its name without its legal form; the personal column is not compared
    changed = at.dataframe[2].value
    assert changed["Nom"].tolist() == ["Imprimerie Durand SARL"]
    assert changed["Champs modifiés"].tolist() == ["Nom de l'acteur, Niveau d'engagement estimé, Cercle"]
    assert "Référent" not in changed["Champs modifiés"].iloc[0]
    assert not [b for b in at.button if b.key in ("suivi_link", "suivi_unlink", "suivi_obj_add")]
    assert "Aucun objectif n'est encore fixé pour ce territoire." in body
    # freshness: Vélo Solidaire / Roue Libre was last updated in 2020
    assert "1 acteur n'a pas été mis à jour depuis plus de 12 mois" in body


def test_the_shared_filters_act_on_the_comparison_and_not_on_the_transitions_levels(db):
    at = suivi(territoire=EPCI, famille="Entreprises", niveau="2")
    body = texts(at)
    # Imprimerie: level 1 -> 2 (passes in B); Garage Martin: level 0, gone (fails in A): not kept
    assert "0 nouvel acteur, 0 sorti, 1 modifié, 0 inchangé." in body
    # the transitions ignore the level filter (but not the family one), and say so
    assert transitions(at) == {(L[1], L[2]): 1, (L[0], "Sorti"): 1}
    assert cp.TRANSITIONS_IGNORE_LEVEL in body


def test_editor_pairs_a_renamed_association_and_sets_an_objective(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = suivi(territoire=EPCI)
    assert "Référent" in at.dataframe[2].value["Champs modifiés"].iloc[0]  # an editor compares personal columns
    at.selectbox(key="suivi_pair_a").set_value("nom:velo solidaire|aytre")
    at.selectbox(key="suivi_pair_b").set_value("nom:roue libre|aytre")
    at.button(key="suivi_link").click().run()
    assert not at.exception
    assert db.pairings(OP, EPCI) == ([("nom:velo solidaire|aytre", "nom:roue libre|aytre")], [])
    body = texts(at)
    assert "Les deux acteurs sont appariés." in body
    assert "0 nouvel acteur, 1 sorti, 2 modifiés, 1 inchangé." in body
    assert transitions(at)[(L[1], L[2])] == 2
    # an objective: actors at level >= 2, from version 2 (3 engaged) to 5
    at.selectbox(key="suivi_obj_indicator").set_value("engaged_actors")
    at.number_input(key="suivi_obj_target").set_value(5.0)
    at.date_input(key="suivi_obj_deadline").set_value(dt.date.today() + dt.timedelta(days=365))
    at.button(key="suivi_obj_add").click().run()
    assert not at.exception
    (so,) = db.objectives(OP, EPCI)
    assert (so.objective.start_value, so.objective.target, so.start_version) == (3.0, 5.0, 2)
    body = texts(at)
    assert "Acteurs de niveau ≥ 2 : 3 acteurs au" in body and "pour une cible de 5 acteurs" in body
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Acteurs de niveau ≥ 2")
    assert fig["data"][0]["y"] == [1.0, 3.0] and fig["data"][1]["y"] == [5.0, 5.0]
    # a viewer sees it, cannot change it
    signed_in(monkeypatch, None)
    at = suivi(territoire=EPCI)
    assert "Acteurs de niveau ≥ 2 : 3 acteurs au" in texts(at)
    assert not [b for b in at.button if b.key in ("suivi_link", "suivi_obj_add", "suivi_obj_delete")]
    assert "0 nouvel acteur, 1 sorti, 2 modifiés" in texts(at)  # the pairing is the territory's


def test_workshop_mode_has_no_editing_controls_nor_personal_data(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = suivi(territoire=EPCI, atelier="1")
    assert not [b for b in at.button if b.key.startswith("suivi_")]
    assert not at.get("file_uploader") or not [u for u in at.get("file_uploader") if "suivi" in str(u.proto.id)]
    assert "Référent" not in at.dataframe[2].value["Champs modifiés"].iloc[0]
    cmp = at.session_state["_suivi_cmp"][1]
    assert "referent" not in cmp.a and not [f for f in cmp.pairs["changed"] if "Référent" in f]
    assert "1 nouvel acteur, 2 sortis, 1 modifié, 1 inchangé." in texts(at)


def test_two_uploaded_files_without_the_store(db):
    at = suivi(territoire=EPCI)
    at.radio(key="suivi_mode").set_value("Deux fichiers chargés").run()
    uploads = [u for u in at.get("file_uploader")]
    assert len(uploads) >= 2
    n_versions = len(db.versions(OP, EPCI))
    at.file_uploader(key="suivi_file_a").upload("ancien.xlsx", V1)
    at.file_uploader(key="suivi_file_b").upload("nouveau.xlsx", V2).run()
    assert not at.exception
    assert "Entre « ancien.xlsx » et « nouveau.xlsx » : 1 nouvel acteur, 2 sortis, 1 modifié, 1 inchangé." in texts(at)
    assert len(db.versions(OP, EPCI)) == n_versions  # nothing stored


def test_accueil_counts_the_actors_to_update(db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    at.run()
    assert not at.exception
    assert "1 acteur : actualisation conseillée (non mis à jour depuis plus de 12 mois)." in texts(at)


def test_report_suivi_from_the_store(db):
    """The report's « Suivi » for a stored territory: the objectives and the two latest versions compared, with the
    territory's pairings, under the shared filters, without personal data."""
    from types import SimpleNamespace

    from nrdash import workspace as ws
    from nrdash.filters import Filters
    from nrdash.report import ReportInput, build_report
    from nrdash.ui import suivi as suivi_ui

    db.set_pairing(OP, EPCI, "nom:velo solidaire|aytre", "nom:roue libre|aytre", st_store.PAIR_LINK)
    start = db.versions(OP, EPCI)[-1].created_at.astimezone().date()
    db.add_objective(OP, EPCI, cp.Objective("engaged_actors", 5, start + dt.timedelta(days=365), start, 3), 2)
    src = source.Source(None, "", EPCI, "CA", ws.Access(None, True), None, 2, 2)
    ctx = SimpleNamespace(source=src, territory=None, filters=Filters(), include_error_rows=True)
    report = suivi_ui.report_suivi(ctx)
    assert report.summary.endswith(": 0 nouvel acteur, 1 sorti, 2 modifiés, 1 inchangé.")
    assert report.comparison_title.startswith("Version 1 (") and "→ Version 2 (" in report.comparison_title
    assert [v.objective.target for v in report.objectives] == [5.0]
    assert report.objectives[0].progress.value == 3.0
    census = db.open_version(OP, EPCI).census
    html = build_report(ReportInput(census, census.actors, census.actions, "aucun filtre", suivi=report))
    assert "Acteurs de niveau ≥ 2 : 3 acteurs au" in html and "Nouveau Référent" not in html
    assert "hugo@example.org" not in html


def test_editor_forgets_a_pairing_and_removes_an_objective(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    db.set_pairing(OP, EPCI, "nom:velo solidaire|aytre", "nom:roue libre|aytre", st_store.PAIR_LINK)
    start = db.versions(OP, EPCI)[0].created_at.astimezone().date()
    db.add_objective(OP, EPCI, cp.Objective("actions_done", 4, start + dt.timedelta(days=400), start, 0), 1)
    signed_in(monkeypatch, "marie@x.fr")
    at = suivi(territoire=EPCI)
    choice = at.selectbox(key="suivi_choice")
    assert choice.options == ["Apparié : « velo solidaire » (aytre) ↔ « roue libre » (aytre)"]
    at.button(key="suivi_forget").click().run()
    assert db.pairings(OP, EPCI) == ([], []) and "Choix retiré." in texts(at)
    assert "1 nouvel acteur, 2 sortis, 1 modifié, 1 inchangé." in texts(at)  # back to the automatic pairs
    assert at.selectbox(key="suivi_obj_pick").options == ["Actions « Réalisée »"]
    at.button(key="suivi_obj_delete").click().run()
    assert not at.exception
    assert "Supprimer l'objectif « Actions « Réalisée » » ?" in texts(at)  # asked first
    assert len(db.objectives(OP, EPCI)) == 1 and "Objectif retiré." not in texts(at)
    at.button(key="suivi_obj_confirm").click().run()
    assert db.objectives(OP, EPCI) == [] and "Objectif retiré." in texts(at)
    assert "Aucun objectif n'est encore fixé pour ce territoire." in texts(at)


def test_removing_an_objective_asks_first_and_cancel_keeps_it(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    start = db.versions(OP, EPCI)[0].created_at.astimezone().date()
    db.add_objective(OP, EPCI, cp.Objective("actions_done", 4, start + dt.timedelta(days=400), start, 0), 1)
    db.add_objective(OP, EPCI, cp.Objective("engaged_actors", 9, start + dt.timedelta(days=400), start, 1), 1)
    signed_in(monkeypatch, "marie@x.fr")
    at = suivi(territoire=EPCI)
    assert not [b for b in at.button if b.key in ("suivi_obj_confirm", "suivi_obj_cancel")]
    at.selectbox(key="suivi_obj_pick").set_value(db.objectives(OP, EPCI)[1].id)
    at.button(key="suivi_obj_delete").click().run()
    assert "Supprimer l'objectif « Acteurs de niveau ≥ 2 » ?" in texts(at)
    assert at.button(key="suivi_obj_delete").disabled
    at.button(key="suivi_obj_cancel").click().run()
    assert not at.exception
    assert [o.objective.indicator for o in db.objectives(OP, EPCI)] == ["actions_done", "engaged_actors"]
    assert "Supprimer l'objectif" not in texts(at) and "Objectif retiré." not in texts(at)
    assert not [b for b in at.button if b.key in ("suivi_obj_confirm", "suivi_obj_cancel")]
    at.button(key="suivi_obj_delete").click().run()  # the pick is still the second one
    at.button(key="suivi_obj_confirm").click().run()
    assert [o.objective.indicator for o in db.objectives(OP, EPCI)] == ["actions_done"]
    assert "Objectif retiré." in texts(at)
    # a viewer never gets there, even with a pending confirmation in the session
    signed_in(monkeypatch, None)
    at = suivi(territoire=EPCI)
    assert not [b for b in at.button if b.key.startswith("suivi_obj")]


MANY = 260  # gone and new actors: more than the LISTED (200) options a list sends to the browser


def test_an_editor_reaches_every_gone_actor_through_the_search(tmp_path, monkeypatch):
    kept = ["Mairie de Lagord", "Acteurs publics & semi-publics", "Commune", 2, "Lagord", None, None, RECENT]
    old = census(*[[f"Ancienne structure {i:03d}", "Organismes associatifs", "Association", 1, "Aytré", None, None,
                    RECENT] for i in range(MANY)], kept)
    new = census(*[[f"Nouvelle structure {i:03d}", "Organismes associatifs", "Association", 1, "Lagord", None, None,
                    RECENT] for i in range(MANY)], kept)
    db = fresh_store(tmp_path, monkeypatch, ("a.xlsx", old), ("b.xlsx", new))
    try:
        db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
        signed_in(monkeypatch, "marie@x.fr")
        at = suivi(territoire=EPCI)
        pick_a, pick_b = at.selectbox(key="suivi_pair_a"), at.selectbox(key="suivi_pair_b")
        assert len(pick_a.options) == len(pick_b.options) == 200
        body = texts(at)
        assert (f"{MANY} acteurs sortis : les 200 premiers sont proposés, précisez la recherche pour atteindre les "
                "autres.") in body
        assert "ancienne structure 249" not in " ".join(pick_a.options).casefold()
        at.text_input(key="suivi_pair_a_q").input("STRUCTURE  249 aytre").run()  # case, spaces, accents ignored
        assert not at.exception
        assert at.selectbox(key="suivi_pair_a").options == ["Ancienne structure 249 — Aytré (ligne 251)"]
        assert f"1 acteur sorti sur {MANY} pour « STRUCTURE  249 aytre »." in texts(at)
        at.text_input(key="suivi_pair_b_q").input("nouvelle 2").run()
        with_2 = sum("2" in f"{i:03d}" for i in range(MANY))  # every word anywhere: « 2 » in 002, 012… 259
        assert f"{with_2} nouveaux acteurs sur {MANY} pour « nouvelle 2 »." in texts(at)
        at.selectbox(key="suivi_pair_b").set_value("nom:nouvelle structure 251|lagord")
        at.button(key="suivi_link").click().run()
        assert not at.exception
        assert db.pairings(OP, EPCI) == ([("nom:ancienne structure 249|aytre", "nom:nouvelle structure 251|lagord")],
                                         [])
        assert "Les deux acteurs sont appariés." in texts(at)
        at.text_input(key="suivi_pair_a_q").input("zzz introuvable").run()
        assert at.selectbox(key="suivi_pair_a").options == [] and at.button(key="suivi_link").disabled
        assert f"0 acteur sorti sur {MANY - 1} pour « zzz introuvable »." in texts(at)
    finally:
        source.store.clear()
