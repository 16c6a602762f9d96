"""The Atelier page (issue 28) in the app: an editor opens a vote, sees the code, the QR code and the live result,
closes it, and turns its chosen cells into plan actions in their draft; a locked workshop link shows the vote
read only; a reader sees results but never the code; a second vote is refused while one is open."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401  (the type of what the helpers return)

from nrdash import vote as vt
from nrdash.store import Principal
from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.mdtext import displayed
from tests.principals import OP
from tests.ui.test_share_app import app_at

T = "exemple"
EDITOR = "anim@x.fr"


@pytest.fixture
def db(tmp_path, monkeypatch):
    s = fresh_store(tmp_path, monkeypatch)
    s.add_user(OP, EDITOR, "motdepasse-long", "éditeur", T)
    yield s
    source.store.clear()


def atelier(**params) -> AppTest:
    at = app_at(**params)
    at.switch_page("pages/atelier.py").run()
    assert not at.exception, at.exception
    return at


def html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def texts(at: AppTest) -> str:
    return "\n".join(displayed(e.value) for kind in ("markdown", "error", "warning", "info", "success", "title")
                     for e in getattr(at, kind))


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def test_an_editor_opens_a_vote_the_room_votes_and_it_goes_into_the_draft(db, monkeypatch):
    signed_in(monkeypatch, EDITOR)
    at = atelier()
    assert "Aucun vote pour l'instant" in html(at)
    at.number_input(key="vote_n").set_value(2)
    submit(at, "Ouvrir le vote")
    vote = db.latest_vote(OP, T)
    assert vote.open and vote.max_choices == 2 and vote.kind == vt.MATRIX
    page = html(at)
    assert f'<p class="nr-vote-code">{vote.code}</p>' in page and 'class="nr-qr"' in page
    assert "data:image/svg+xml" in page and "/vote</p>" in page  # the QR code made here, the short address
    assert at.title[0].value == vote.question and f"Vote ouvert, code {vote.code}" in texts(at)
    for i, picks in enumerate([["m13", "m31"], ["m13"], ["m00", "m13"]]):
        db.cast_vote(Principal.vote(vote.code, f"tel-{i}", "203.0.113.5"), T, picks)
    at.run()  # the live fragment reads the new revision
    page = html(at)
    assert "3 participants" in page and "En tête : Sensibiliser × Citoyens (3 voix)" in page
    submit(at, "Clore le vote")
    closed = db.votes(OP, T)
    assert len(closed) == 1 and closed[0].participants == 3 and "Vote clos : 3 participants." in texts(at)
    assert not [b for b in at.button if b.label == "Clore le vote"]
    key = f"vote_plan_{closed[0].id}"
    assert at.multiselect(key=key).value == ["m13", "m00"]  # the most chosen, as many as each person had
    at.multiselect(key=key).set_value(["m13"])
    at.checkbox(key=f"vote_quick_{closed[0].id}").check()
    submit(at, "Ajouter au plan")
    assert "1 action ajoutée au plan dans votre brouillon" in texts(at)
    draft = db.draft(Principal.account(EDITOR), T)
    from nrdash.census import load_census

    actions = load_census(draft.data, draft.file_name).actions
    new = actions[actions["action"] == "Action à préciser : Sensibiliser × Citoyens"]
    assert len(new) == 1 and new.iloc[0]["status"] == "Planifiée" and bool(new.iloc[0]["quick_win"])
    assert len(actions) == len(db.open_version(OP, T).census.actions) + 1
    referents = load_census(draft.data, draft.file_name).actors["referent"].dropna()
    assert len(referents) > 0  # the editor's draft keeps the census whole, personal data included


def test_a_second_vote_is_refused_while_one_is_open(db, monkeypatch):
    signed_in(monkeypatch, EDITOR)
    at = atelier()
    code = db.open_vote(OP, T).code  # opened elsewhere meanwhile (the command line, another editor)
    submit(at, "Ouvrir le vote")
    assert f"Un vote est déjà ouvert sur ce territoire (code {code})" in texts(at)
    assert len([v for v in [db.latest_vote(OP, T)] if v.open]) == 1


def test_the_locked_workshop_link_shows_the_vote_read_only(db):
    token = db.create_workshop_token(OP, T, "projecteur")
    vote = db.open_vote(OP, T, vt.EXAMPLES, 3)
    at = atelier(jeton=token)
    assert f'<p class="nr-vote-code">{vote.code}</p>' in html(at)
    labels = {b.label for b in at.button}
    assert not {"Clore le vote", "Ouvrir le vote", "Ajouter au plan"} & labels
    assert 'class="nr-vote-ranking"' in html(at)  # example actions: ranked, with their bars


def test_a_reader_sees_the_result_never_the_code(db):
    vote = db.open_vote(OP, T)
    db.cast_vote(Principal.vote(vote.code, "tel", "203.0.113.5"), T, ["m00"])
    at = atelier()  # anonymous: « exemple » is open to anonymous reading
    page = html(at)
    assert "1 participant" in page and vote.code not in page and 'class="nr-qr"' not in page
    assert vote.code not in texts(at)
    assert not [b for b in at.button if b.label in ("Clore le vote", "Ouvrir le vote")]
