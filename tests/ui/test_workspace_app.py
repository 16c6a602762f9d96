"""The shared workspace in the app (issue 14): territory and version from the address, an editor's draft,
publishing with what it would undo, history and restore, closed territories, locked workshop links, and personal
data never in a viewer's census. The signed-in account is set through nrdash.ui.account.current_account (the
sign-in itself is tested end to end in the browser tests); the store is a real embedded database per test."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT, actors_sheet
from tests.mdtext import displayed
from tests.principals import OP

APP = str(ROOT / "app.py")
EPCI = "241700434"
HEADER_P = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"]


def census(*rows) -> bytes:
    return actors_sheet([list(r) for r in rows], HEADER_P)


V1 = census(["Atelier Vélo", "Associations du NR", 1, "Aytré", "Hugo Guérin", "hugo@example.org"],
            ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org"])


@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    source.store.clear()




def app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def history(at: AppTest) -> pd.DataFrame:
    """The Versions page's history table (ui.html_table), as a frame of its cells' text."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    block = next(m.value for m in at.markdown if 'class="nr-table"' in m.value)
    p = Cells()
    p.feed(block)
    return pd.DataFrame(p.rows[1:], columns=p.rows[0])


def texts(at: AppTest) -> str:
    parts = [displayed(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
             for e in getattr(at, kind)]
    return "\n".join(parts)


def test_territory_from_the_address_without_personal_data_for_a_viewer(db):
    at = app(territoire=EPCI)
    assert not at.exception
    ds = at.session_state[source.SOURCE_KEY].dataset
    assert sorted(ds.census.actors["name"]) == ["Atelier Vélo", "Mairie de Lagord"]
    assert "referent" not in ds.census.actors and "contact" not in ds.census.actors  # never loaded for a viewer
    side = "\n".join(displayed(m.value) for m in at.sidebar.markdown)
    assert "Version 1 publiée le" in side and "2 acteurs" in side


def test_editor_sees_personal_data_but_not_in_workshop_mode(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=EPCI)
    actors = at.session_state[source.SOURCE_KEY].dataset.census.actors
    assert set(actors["referent"]) == {"Hugo Guérin", "Ana Lopez"}
    at = app(territoire=EPCI, atelier="1")
    assert "referent" not in at.session_state[source.SOURCE_KEY].dataset.census.actors


def test_an_unknown_or_closed_territory_shows_nothing_but_why(db, monkeypatch):
    at = app(territoire="17300")  # La Rochelle: a real commune, nothing published
    assert not at.exception and "aucune version publiée" in texts(at) and source.SOURCE_KEY in at.session_state
    unknown = at.session_state[source.SOURCE_KEY]
    assert unknown.dataset is None and not at.get("plotly_chart")
    db.set_territory(OP, EPCI, anonymous_read=False)
    at = app(territoire=EPCI)
    assert "visible que des personnes qui y ont un rôle" in texts(at)
    closed = at.session_state[source.SOURCE_KEY]
    assert closed.dataset is None
    # the same words for both (but the territory's name, which is public): nothing says which one exists
    assert unknown.problem.replace(unknown.name, "…") == closed.problem.replace(closed.name, "…")
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's first account is its administrator
    db.add_user(OP, "paul@x.fr", "motdepasse-long", "lecteur", EPCI)
    signed_in(monkeypatch, "paul@x.fr")
    at = app(territoire=EPCI)
    ds = at.session_state[source.SOURCE_KEY].dataset
    assert len(ds.census.actors) == 2 and "referent" not in ds.census.actors  # a reader: no personal data


def test_old_version_from_the_address_is_labelled(db):
    db.publish(OP, EPCI, census(["Seul acteur", "PME", 3, "Aytré", None, None]), "v2.xlsx")
    at = app(territoire=EPCI, version="1")
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 2
    assert "Ancienne version." in texts(at) and "la dernière est la 2" in texts(at)
    at = app(territoire=EPCI, version="9")
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 1
    assert "La version demandée dans l'adresse n'existe pas" in texts(at)


def test_draft_upload_publish_over_a_newer_version(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=EPCI)
    draft = census(["Atelier Vélo", "Associations du NR", 3, "Aytré", "Hugo Guérin", "hugo@example.org"],
                   ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org"],
                   ["Nouvelle PME", "PME", 1, "Aytré", None, None])
    assert at.radio(key="upload_target").value == "Brouillon du territoire"
    at.file_uploader[0].upload("brouillon.xlsx", draft).run()
    assert not at.exception
    assert db.draft(OP, EPCI, author="marie@x.fr").data == draft  # stored…
    assert db.versions(OP, EPCI)[-1].number == 1  # …not published
    assert "Brouillon — non publié." in texts(at)
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 3
    # meanwhile a colleague publishes version 2, which removes the Mairie
    db.publish(OP, EPCI, census(["Atelier Vélo", "Associations du NR", 1, "Aytré", None, None]), "v2.xlsx",
               author="paul@x.fr")
    at.switch_page("pages/versions.py").run()
    assert not at.exception
    body = texts(at)
    assert "La version 2 a été publiée depuis la version 1" in body
    assert "« Mairie de Lagord (Lagord) », retiré par la version 2, reviendrait." in body
    publish = at.button(key="ws_publish")
    assert publish.label == "Publier la version 3" and publish.disabled  # not before the confirmation
    at.text_area(key="ws_note_text").input("relu avec Paul")
    at.checkbox(key="ws_confirm_over").check().run()
    at.button(key="ws_publish").click().run()  # issue 25: publishing now asks for a confirmation
    at.button(key="ws_publish_confirm").click().run()
    assert not at.exception
    infos = db.versions(OP, EPCI)
    assert [v.number for v in infos] == [1, 2, 3] and infos[-1].note == "relu avec Paul"
    assert infos[-1].base_version == 1 and infos[-1].author == "marie@x.fr"
    assert db.draft(OP, EPCI, author="marie@x.fr") is None
    assert "Version 3 publiée." in texts(at) and "Brouillon — non publié." not in texts(at)
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 3


def test_history_restore_and_viewers_see_no_authors(db, monkeypatch):
    db.publish(OP, EPCI, census(["Seul acteur", "PME", 3, "Aytré", None, None]), "v2.xlsx", author="paul@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    table = history(at)
    assert list(table["Version"]) == ["2", "1"] and "Auteur" not in table.columns
    assert not at.get("download_button") or all("origine" not in b.proto.label for b in at.get("download_button"))
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    assert list(history(at)["Auteur"]) == ["paul@x.fr", "marie@x.fr"]
    at.selectbox(key="ws_pick").select(1).run()
    at.button(key="ws_restore").click().run()
    assert not at.exception and "Version 1 restaurée comme version 3." in texts(at)
    assert db.versions(OP, EPCI)[-1].restored_from == 1
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 2


def test_locked_workshop_link(db):
    token = db.create_workshop_token(OP, EPCI, "atelier", author="marie@x.fr")
    at = app(territoire="exemple", jeton=token)  # the token's territory wins over the address
    assert not at.exception
    src = at.session_state[source.SOURCE_KEY]
    assert src.code == EPCI and src.access.locked and not src.access.editor
    toggle = at.toggle(key="atelier")
    assert toggle.value is True and toggle.proto.disabled
    assert "referent" not in src.dataset.census.actors
    at.query_params.pop("jeton")  # whatever is done to the address: still locked
    at.query_params["atelier"] = "0"
    at.run()
    assert at.toggle(key="atelier").value is True and at.session_state[source.SOURCE_KEY].code == EPCI
    at.session_state["atelier"] = False  # as a crafted message switching the disabled toggle off would
    at.run()
    assert at.toggle(key="atelier").value is True and "referent" not in at.session_state[source.SOURCE_KEY].dataset.census.actors
    bad = app(territoire=EPCI, jeton="faux")
    assert "Ce lien d'atelier n'est pas valide. Demandez-en un nouveau" in texts(bad)  # issue 23: it says why
    assert bad.session_state[source.SOURCE_KEY].dataset is None


def test_a_revoked_workshop_link_stops_at_the_next_run(db):
    """The store reads the link again at every run: a session opened before the revocation is not spared."""
    import datetime as dt

    from nrdash.store import schema

    token = db.create_workshop_token(OP, EPCI, "atelier", author="marie@x.fr")
    at = app(territoire=EPCI, jeton=token)
    assert at.session_state[source.SOURCE_KEY].dataset is not None
    with db.engine.begin() as conn:  # revoked (issue 23 gives it a command), as the column says it
        conn.execute(schema.workshop_tokens.update().values(revoked_at=dt.datetime.now(dt.timezone.utc)))
    at.run()
    assert "Ce lien d'atelier a été révoqué. Demandez-en un nouveau" in texts(at)  # issue 23: it says why
    assert at.session_state[source.SOURCE_KEY].dataset is None and not at.get("plotly_chart")


def test_a_role_taken_back_before_the_click_is_refused_by_the_store(db, monkeypatch):
    """The Versions page was drawn for an editor; her role is taken back; her click on « Publier » reaches the
    store, which refuses it: the page's permission is only what it shows."""
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's first account is its administrator
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    db.save_draft(OP, EPCI, census(["Nouvelle PME", "PME", 1, "Aytré", None, None]), "b.xlsx", 1,
                  author="marie@x.fr")
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    at.text_area(key="ws_note_text").input("relu").run()  # issue 25: a note, « Publier », then the confirmation
    at.button(key="ws_publish").click().run()
    db.add_user(OP, "marie@x.fr", None, "lecteur", EPCI)
    at.button(key="ws_publish_confirm").click().run()
    assert not at.exception
    assert "seuls les éditeurs et administrateurs du territoire peuvent faire cela" in texts(at)
    assert [v.number for v in db.versions(OP, EPCI)] == [1] and db.draft(OP, EPCI, author="marie@x.fr")


def test_administrator_open_data_settings(db, monkeypatch):
    """Issue 27: the settings say, before saving, that an open territory publishes every version as open data at
    /donnees/CODE/; the licence and the citizens' counts are the territory's settings, saved by the same button."""
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # first account: administrator of the instance
    signed_in(monkeypatch, "admin@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    assert not at.exception
    assert any(f"toutes ses versions, les anciennes comprises, comme données ouvertes à l'adresse /donnees/{EPCI}/"
               in displayed(c.value) for c in at.caption)
    assert at.selectbox(key="ws_licence").value == "etalab-2.0" and at.checkbox(key="ws_citizens").value is True
    at.selectbox(key="ws_licence").select("odbl-1.0")
    at.checkbox(key="ws_citizens").uncheck()
    at.button(key="ws_settings").click().run()
    assert not at.exception
    assert db.open_data_settings(OP, EPCI) == {"name": db.territory(OP, EPCI)["name"], "open_licence": "odbl-1.0",
                                               "open_citizens": False}


def test_administrator_settings_roles_and_erasure(db, monkeypatch):
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # first account: administrator of the instance
    signed_in(monkeypatch, "admin@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    assert not at.exception and "Réglages du territoire" in [s.value for s in at.subheader]
    at.text_input(key="ws_role_email").input("paul@x.fr")
    at.selectbox(key="ws_role").select("éditeur")
    at.button(key="ws_give_role").click().run()
    assert db.role_of(OP, "paul@x.fr", EPCI) == "éditeur" and "paul@x.fr : rôle « éditeur »" in texts(at)
    assert not db.verify_password(OP, "paul@x.fr", "")  # no local password: signs in through the provider
    # Closing the reading is a button of its own (issue 25: was a box « Lecture sans connexion » saved with the
    # settings); opening asks for a confirmation (tests/ui/test_territory_settings_app.py).
    at.button(key="ws_close_reading").click().run()
    assert db.territory(OP, EPCI)["anonymous_read"] is False
    assert {r["referent"] for r in db.personal_rows(OP, EPCI, 1)} == {"Hugo Guérin", "Ana Lopez"}
    at.text_input(key="ws_erase_who").input("hugo guerin")
    at.checkbox(key="ws_erase_sure").check().run()
    at.button(key="ws_erase").click().run()
    assert "Données effacées de 1 version." in texts(at)
    assert {r["referent"] for r in db.personal_rows(OP, EPCI, 1)} == {"Ana Lopez"}
    # an editor who is not an administrator gets no settings
    signed_in(monkeypatch, "paul@x.fr")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    assert "Réglages du territoire" not in [s.value for s in at.subheader]
    assert "Votre brouillon" in [s.value for s in at.subheader]


def test_first_census_of_a_territory_by_its_editor(db, monkeypatch):
    code = "17300"  # La Rochelle (commune): given to an editor, nothing published yet
    at = app(territoire=code)
    body = texts(at)
    assert "La Rochelle" in body and "n'a encore aucune version publiée sur cette instance" in body
    assert at.session_state[source.SOURCE_KEY].dataset is None and not at.get("file_uploader")
    db.add_user(OP, "admin@x.fr", "motdepasse-long")
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", code)
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=code)
    assert "Chargez votre recensement" in texts(at) and at.session_state[source.SOURCE_KEY].dataset is None
    at.file_uploader[0].upload("premier.xlsx", V1).run()
    assert not at.exception and db.draft(OP, code, author="marie@x.fr").base_version is None
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 2
    at.switch_page("pages/versions.py").run()
    assert at.button(key="ws_publish").label == "Publier la version 1"
    at.text_area(key="ws_note_text").input("Premier recensement").run()  # issue 25: a note, then a confirmation
    at.button(key="ws_publish").click().run()
    at.button(key="ws_publish_confirm").click().run()
    assert [v.number for v in db.versions(OP, code)] == [1] and "Version 1 publiée." in texts(at)


def test_history_notes_are_shown_as_typed(db):
    db.publish(OP, EPCI, census(["Seul acteur", "PME", 3, "Aytré", None, None]), "v2.xlsx",
               note="<img src=x onerror=alert(1)> *gras* https://exemple.fr | colonne")
    at = app(territoire=EPCI)
    at.switch_page("pages/versions.py").run()
    assert history(at)["Note"][0] == "<img src=x onerror=alert(1)> *gras* https://exemple.fr | colonne"
    block = next(m.value for m in at.markdown if 'class="nr-table"' in m.value)
    assert "<img" not in block and "&lt;img src=x" in block and "\n" not in block  # one line: markdown reads none
