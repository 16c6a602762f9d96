"""The first hour of a project lead with nrdash (issue 25), in the app: landing on one's territory, the first
census, publishing with a view of what changes, the draft's words, whole locked links, the sample labelled as
fictional on every page. AppTest over a real embedded store per test (tests/appstore.py)."""
from __future__ import annotations

import pytest

from nrdash.store import Principal
from nrdash.ui import source
from tests.appstore import signed_in
from tests.principals import OP, anon
from tests.ui import test_workspace_app
from tests.ui.test_workspace_app import EPCI, V1, app, census, texts

db = test_workspace_app.db  # the store fixture (pytest finds it by this name; not imported: each db parameter shadowed it)


def as_editor(db, monkeypatch, page: str, code: str = EPCI):
    """An AppTest of ``page`` for marie@x.fr, editor of ``code`` (the address names the territory)."""
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", code)
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=code)
    at.switch_page(page).run()
    return at


def test_a_locked_link_is_shown_whole_from_the_public_address_setting(db, monkeypatch):
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "https://nrdash.agglo.fr/")
    at = as_editor(db, monkeypatch, "pages/versions.py")
    at.text_input(key="ws_link_label").input("Atelier du 12 mars")
    at.button(key="ws_link").click().run()
    assert not at.exception
    [code] = [c.value for c in at.code]
    assert code.startswith(f"https://nrdash.agglo.fr/?territoire={EPCI}&atelier=1&jeton="), code
    token = code.rsplit("jeton=", 1)[1]
    assert db.workshop_territory(Principal.workshop(token)) == EPCI
    assert "précéder" not in texts(at)


def test_a_wrong_public_address_setting_is_said(db, monkeypatch):
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "nrdash.agglo.fr")
    at = as_editor(db, monkeypatch, "pages/soumissions.py")
    assert not at.exception
    assert [c.value for c in at.code] == [f"/questionnaire?territoire={EPCI}"]
    assert "NRDASH_PUBLIC_URL « nrdash.agglo.fr » n'est pas une adresse web complète" in texts(at)


def test_a_draft_saved_twice_keeps_one_suffix_and_its_words_do_not_repeat(db, monkeypatch):
    at = as_editor(db, monkeypatch, "pages/recensement.py")
    for _ in range(2):  # saved from the published version, then from the draft itself
        at.toggle(key="edit_mode").set_value(True).run()
        at.button(key="edit_save_draft").click().run()
        assert not at.exception
        assert db.draft(OP, EPCI, author="marie@x.fr").file_name == "v1-corrige.xlsx"
    body = texts(at)
    assert "« v1-corrige.xlsx »" in body and "corrige-corrige" not in body
    [banner] = [w.value for w in at.warning if "Brouillon" in w.value]
    assert banner.count("Brouillon") == 1 and banner.count("brouillon") == 0, banner
    assert "**Brouillon — non publié.** D'après la version 1 ; vous seul le voyez." in banner
    at.switch_page("pages/versions.py").run()
    assert "d'après la version 1 :" in texts(at) and "version —" not in texts(at)


def test_a_first_draft_is_not_said_to_come_from_version_dash(db, monkeypatch):
    code = "17300"
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", code)
    db.save_draft(OP, code, V1, "premier.xlsx", None, author="marie@x.fr")
    signed_in(monkeypatch, "marie@x.fr")
    at = app(territoire=code)
    at.switch_page("pages/versions.py").run()
    body = texts(at)
    assert "version —" not in body and "premier recensement du territoire" in body


def test_an_editor_of_one_territory_lands_on_it(db, monkeypatch):
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # the first account: the instance's administrator
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    db.publish(OP, "17300", V1, "autre.xlsx")  # another territory, readable by anyone: not hers
    db.set_territory(OP, "17300", anonymous_read=True)  # (a new territory opens closed: opened, as issue 25 allows)
    signed_in(monkeypatch, "marie@x.fr")
    at = app()
    assert not at.exception and at.session_state[source.SOURCE_KEY].code == EPCI
    assert "Territoire affiché" in [s.label for s in at.sidebar.selectbox]
    at.switch_page("pages/versions.py").run()  # and stays there from page to page
    assert at.session_state[source.SOURCE_KEY].code == EPCI
    signed_in(monkeypatch, None)
    assert app().session_state[source.SOURCE_KEY].code == "exemple"  # anyone else: the sample
    db.add_user(OP, "marie@x.fr", None, "lecteur", "17300")
    signed_in(monkeypatch, "marie@x.fr")
    assert app().session_state[source.SOURCE_KEY].code == "exemple"  # two territories: the chooser decides


def test_an_empty_territory_says_what_to_do_first_without_an_error(db, monkeypatch):
    code = "17300"
    db.add_user(OP, "admin@x.fr", "motdepasse-long")
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", code)
    signed_in(monkeypatch, "marie@x.fr")
    at = app()  # no territory in the address: hers
    assert not at.exception and at.session_state[source.SOURCE_KEY].code == code
    assert not at.error, [e.value for e in at.error]
    assert "Publiez votre premier recensement" in [h.value for h in at.header]
    assert "Chargez votre recensement" in texts(at)
    [upload] = at.main.get("file_uploader")  # in the page itself, not folded in the sidebar
    assert any(b.proto.label == "Modèle vierge (.xlsx)" for b in at.main.get("download_button"))
    upload.upload("premier.xlsx", V1).run()
    assert not at.exception and db.draft(OP, code, author="marie@x.fr").file_name == "premier.xlsx"
    assert len(at.session_state[source.SOURCE_KEY].dataset.census.actors) == 2
    signed_in(monkeypatch, None)  # a visitor: a new territory opens closed (issue 25), so it is refused to him
    at = app(territoire=code)
    assert [e.icon for e in at.error] == [":material/lock:"] and "pas visible ici" in at.error[0].value
    db.set_territory(OP, code, anonymous_read=True)  # once its administrator opens it: said plainly, not as an error
    at = app(territoire=code)
    assert not at.error and "n'a encore aucune version publiée" in texts(at)


SAMPLE_HEADING = "Recensement d'exemple (fictif)"


def _main_texts(at) -> list[str]:
    return [m.value for m in at.main.markdown] + [t.value for t in at.main.title]


@pytest.mark.parametrize("params", [{}, {"atelier": "1"}])
def test_the_sample_is_said_fictional_above_every_page(db, params):
    from nrdash.ui import PAGES

    at = app(**params)
    assert at.session_state[source.SOURCE_KEY].code == "exemple"
    for path, _, _ in PAGES:
        at.switch_page(path).run()
        assert not at.exception, path
        main = _main_texts(at)
        assert any(SAMPLE_HEADING in m and "inventés" in m for m in main), (path, main[:3])
    at.switch_page("pages/accueil.py").run()
    assert not any("Version publiée" in m for m in _main_texts(at))
    at = app(territoire=EPCI, **params)  # a real territory: no such heading
    assert not any(SAMPLE_HEADING in m for m in _main_texts(at))


def test_publishing_shows_what_changes_and_asks_for_a_note_and_a_confirmation(db, monkeypatch):
    db.save_draft(OP, EPCI, census(
        ["Atelier Vélo", "Associations du NR", 3, "Aytré", "Hugo Guérin", "hugo@example.org"],
        ["Nouvelle PME", "PME", 1, "Aytré", None, None]), "v2.xlsx", 1, author="marie@x.fr")
    at = as_editor(db, monkeypatch, "pages/versions.py")
    assert not at.exception
    body = texts(at)
    assert ("Par rapport à la version 1 : 1 nouvel acteur, 1 acteur retiré, 1 acteur modifié, 0 inchangé." in body)
    assert "« Nouvelle PME (Aytré) »" in body and "« Mairie de Lagord (Lagord) »" in body
    assert "Niveau d'engagement estimé : 1 - Sensibilisé au NR → 3 - Leader du NR" in body
    publish = at.button(key="ws_publish")
    assert publish.label == "Publier la version 2" and publish.disabled  # no note yet
    assert "il manque : la note de version" in body
    at.text_area(key="ws_note_text").input("Niveaux revus en mars").run()
    at.button(key="ws_publish").click().run()
    assert [v.number for v in db.versions(OP, EPCI)] == [1]  # one click does not publish: it asks
    box = " ".join(m.value for m in at.main.markdown if "Publier la version 2 ?" in m.value)
    assert "1 nouvel acteur, 1 acteur retiré, 1 acteur modifié" in box
    at.button(key="ws_publish_cancel").click().run()
    assert [v.number for v in db.versions(OP, EPCI)] == [1] and not at.button(key="ws_publish").disabled
    at.button(key="ws_publish").click().run()
    at.button(key="ws_publish_confirm").click().run()
    assert not at.exception
    infos = db.versions(OP, EPCI)
    assert [v.number for v in infos] == [1, 2] and infos[-1].note == "Niveaux revus en mars"
    assert "Version 2 publiée." in texts(at)


def test_versions_page_says_accepted_answers_wait_on_the_questionnaire_page(db, monkeypatch):
    from nrdash import questionnaire as quest

    answer = quest.Answer(name="Repair Café de l'Aunis", actor_type="Associations du NR", commune="Aytré", level=2)
    sid, _ = db.submit(anon("198.51.100.7"), EPCI, answer)
    db.review_submission(OP, EPCI, sid, decision=quest.Decision(quest.ACCEPTED), author="marie@x.fr")
    at = as_editor(db, monkeypatch, "pages/versions.py")
    assert not at.exception
    body = texts(at)
    assert "1 réponse acceptée au questionnaire attend d'être publiée" in body
    assert "Vous n'avez pas de brouillon personnel" in body
    assert any(link.proto.page.endswith("soumissions") or "soumissions" in link.proto.page
               for link in at.main.get("page_link")), [link.proto for link in at.main.get("page_link")]


def test_the_administrator_of_a_one_territory_instance_lands_on_it(db, monkeypatch):
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's administrator: a role everywhere
    signed_in(monkeypatch, "admin@x.fr")
    assert app().session_state[source.SOURCE_KEY].code == EPCI  # the sample aside, the instance has one territory
    db.publish(OP, "17300", V1, "autre.xlsx")
    at = app()
    assert at.session_state[source.SOURCE_KEY].code == "exemple"  # several: the chooser decides
