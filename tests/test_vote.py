"""The room decides (issue 28): what a vote offers, ballots checked, one ballot per browser changed in place and
never doubled, the per-address bound that lets a room behind one NAT vote, the closing that keeps the result and
drops every ballot, the result drawn as the matrix, and the chosen cells or actions into the plan."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from nrdash import referential as ref
from nrdash import vote as vt
from nrdash.census import load_census
from nrdash.store import Principal, Store, StoreError, TooManyBallots, schema
from nrdash.template import census_to_xlsx
from tests.principals import OP

T = "exemple"


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}")
    yield s
    s.close()


def phone(code: str, browser: str, client: str = "203.0.113.9") -> Principal:
    return Principal.vote(code, browser, client)


# ---------------------------------------------------------------------------------------------
# Pure logic
# ---------------------------------------------------------------------------------------------
def test_a_matrix_vote_offers_the_sixteen_cells_in_the_kit_order():
    choices = vt.matrix_choices()
    assert len(choices) == len(ref.AXES) * len(ref.TARGETS) == 16
    assert choices[0].label == "Connaître × Institutions publiques" and choices[-1].label == "Innover × Citoyens"
    assert len({c.key for c in choices}) == 16
    assert [c.label for c in vt.example_choices()] == [a.text for a in ref.EXAMPLE_ACTIONS]


def test_a_plan_vote_offers_each_action_once_and_refuses_an_empty_or_huge_plan():
    actions = pd.DataFrame({"action": ["Fresque", " fresque ", None, "Guide"], "axis": [ref.AXES[1]] * 4,
                            "targets": [["Citoyens"], ["Citoyens"], [], ["Citoyens", "Entreprises"]]})
    assert [(c.label, c.targets) for c in vt.plan_choices(actions)] == [
        ("Fresque", ("Citoyens",)), ("Guide", ("Citoyens", "Entreprises"))]
    with pytest.raises(vt.VoteError, match="aucune action"):
        vt.plan_choices(actions.iloc[:0])
    many = pd.DataFrame({"action": [f"A{i}" for i in range(41)], "axis": [None] * 41, "targets": [[]] * 41})
    with pytest.raises(vt.VoteError, match="41 actions"):
        vt.plan_choices(many)


@pytest.mark.parametrize("value", [0, 11, "3.5", "", "trois", -1, "1e1"])
def test_choices_per_person_outside_one_to_ten_are_refused_in_french(value):
    with pytest.raises(vt.VoteError, match="Nombre de choix par personne invalide.*de 1 à 10"):
        vt.check_max_choices(value)


def test_a_ballot_is_checked():
    choices = vt.matrix_choices()
    assert vt.check_ballot(["m33", "m00", "m00"], choices, 3) == ["m00", "m33"]
    with pytest.raises(vt.VoteError, match="^Aucun choix coché"):
        vt.check_ballot([], choices, 3)
    with pytest.raises(vt.VoteError, match="^Vous avez coché 4 choix : 3 au plus. Décochez-en 1"):
        vt.check_ballot(["m00", "m01", "m02", "m03"], choices, 3)
    with pytest.raises(vt.VoteError, match="pas proposé"):
        vt.check_ballot(["m99"], choices, 3)


def test_codes_are_read_as_typed():
    code = vt.new_code()
    assert len(code) == 6 and set(code) <= set(vt.CODE_ALPHABET)
    assert vt.normalise_code(f" {code[:3].lower()}-{code[3:]} ") == code
    for bad in ("", "ABC", "ABCDEFG", "<b>AB</b>", "O0I1L5", None, "A" * 10_000):
        assert vt.normalise_code(bad) == ""


def test_tally_and_the_matrix_of_counts():
    choices = vt.matrix_choices()
    counts = vt.tally([["m00", "m13"], ["m13"], ["m13", "m13", "zz"]], choices)
    assert counts["m13"] == 3 and counts["m00"] == 1 and sum(counts.values()) == 4
    grid = vt.matrix_counts(counts, choices)
    assert grid.loc[ref.AXES[1], "Citoyens"] == 3 and grid.loc[ref.AXES[0], "Institutions publiques"] == 1
    assert int(grid.to_numpy().sum()) == 4
    assert vt.summary(3, counts, choices).startswith("3 participants. En tête : Sensibiliser × Citoyens (3 voix)")


def test_the_result_is_drawn_as_the_matrix_in_the_figures_colours_and_escapes_labels():
    from nrdash.charts import count_fill, text_color

    choices = vt.matrix_choices()
    counts = vt.tally([["m13"], ["m13"], ["m00"]], choices)
    html = vt.results_html(vt.MATRIX, choices, counts, 3)
    assert html.count("<td style=") == 16 and "3 participants" in html
    dark = count_fill(2, 2)
    assert f"background:{dark};color:{text_color(dark)}" in html  # the cell with the most votes
    assert '<th scope="col">Citoyens</th>' in html and '<th scope="row">Sensibiliser</th>' in html
    hostile = [vt.Choice("p0", "<img src=x onerror=alert(1)>", ref.AXES[0], ("Citoyens",))]
    out = vt.results_html(vt.PLAN, hostile, {"p0": 1}, 1)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_chosen_cells_and_actions_go_into_the_plan_once():
    when = dt.date(2026, 5, 12)
    actions = pd.DataFrame({"row": [2, 3], "action": ["Fresque du numérique", "Guide"], "axis": [ref.AXES[1]] * 2,
                            "targets": [["Citoyens"], ["Citoyens"]], "status": ["Idée", "En cours"],
                            "lead": [None, None], "due": [None, None],
                            "quick_win": pd.array([None, False], dtype="boolean"), "description": [None, None],
                            "has_error": [False, False]})
    cell = vt.matrix_choices()[7]  # Sensibiliser × Citoyens
    out, added, updated = vt.plan_with(actions, [cell], vt.MATRIX, False, when, "Q ?")
    assert (added, updated) == (1, 0) and len(out) == 3
    new = out.iloc[2]
    assert new["action"] == "Action à préciser : Sensibiliser × Citoyens" and new["status"] == "Planifiée"
    assert new["axis"] == ref.AXES[1] and list(new["targets"]) == ["Citoyens"] and not new["quick_win"]
    assert "12/05/2026" in new["description"]
    again, added, updated = vt.plan_with(out, [cell], vt.MATRIX, False, when, "Q ?")
    assert (added, updated, len(again)) == (0, 0, 3)
    plan = [vt.Choice("p0", "Fresque du numérique", ref.AXES[1], ("Citoyens",)),
            vt.Choice("p1", "Guide", ref.AXES[1], ("Citoyens",))]
    out, added, updated = vt.plan_with(actions, plan, vt.PLAN, True, when, "Q ?")
    assert (added, updated) == (0, 2)
    assert list(out["status"]) == ["Planifiée", "En cours"]  # an idea becomes planned; what runs stays as it is
    assert list(out["quick_win"]) == [True, True]


def test_the_plan_with_the_votes_loads_back_from_the_workbook(store):
    """Into the editor's draft: the workbook written with the new actions reads back with them."""
    census = store.open_version(OP, T, personal=True).census
    chosen = [vt.example_choices()[3]]
    actions, added, _ = vt.plan_with(census.actions, chosen, vt.EXAMPLES, True, dt.date(2026, 5, 12), "Q")
    from dataclasses import replace

    back = load_census(census_to_xlsx(replace(census, actions=actions), with_contacts=True), "brouillon.xlsx")
    row = back.actions[back.actions["action"] == chosen[0].label].iloc[0]
    assert added == 1 and row["status"] == "Planifiée" and bool(row["quick_win"]) is True
    assert list(row["targets"]) == list(chosen[0].targets) and row["axis"] == chosen[0].axis
    assert len(back.actions) == len(census.actions) + 1 and not back.errors


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------
def test_one_ballot_per_browser_changed_until_the_vote_closes(store):
    code = store.open_vote(OP, T).code
    a, b = phone(code, "navigateur-a"), phone(code, "navigateur-b")
    store.cast_vote(a, T, ["m00", "m01"])
    store.cast_vote(a, T, ["m13"])  # changed: not a second ballot (a reload, a second tab: the same token)
    store.cast_vote(b, T, ["m13"])
    live = store.latest_vote(OP, T)
    assert live.participants == 2 and live.counts["m13"] == 2 and live.counts["m00"] == 0
    assert store.vote_ballot(a, T).mine == ("m13",)
    assert store.vote_ballot(a, T).vote.counts == {}  # a phone sees no count while the room votes
    closed = store.close_vote(OP, T)
    assert closed.participants == 2 and closed.counts["m13"] == 2 and not closed.open
    with store.engine.connect() as conn:  # no per-person record once closed
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.vote_ballots)).scalar() == 0
        stored = conn.execute(sa.select(schema.votes_table)).one()
    assert json.loads(stored.counts)["m13"] == 2 and stored.participants == 2
    with pytest.raises(StoreError, match="^Ce vote est clos.$"):
        store.cast_vote(a, T, ["m00"])
    assert [v.summary() for v in store.votes(OP, T)] == [closed.summary()]


def test_the_revision_changes_with_each_ballot_and_the_closing(store):
    assert store.vote_revision(OP, T) is None
    code = store.open_vote(OP, T).code
    first = store.vote_revision(OP, T)
    store.cast_vote(phone(code, "x"), T, ["m00"])
    second = store.vote_revision(OP, T)
    store.cast_vote(phone(code, "x"), T, ["m00"])  # the same ballot again: nothing changes
    assert store.vote_revision(OP, T) == second != first
    store.close_vote(OP, T)
    assert store.vote_revision(OP, T) != second


def test_a_room_behind_one_address_votes_but_a_script_is_bounded(store, monkeypatch):
    code = store.open_vote(OP, T).code
    for i in range(60):  # sixty phones behind one NAT address
        store.cast_vote(phone(code, f"tel-{i}", "198.51.100.1"), T, ["m00"])
    assert store.latest_vote(OP, T).participants == 60
    monkeypatch.setenv("NRDASH_VOTE_PAR_ADRESSE", "61")
    store.cast_vote(phone(code, "tel-60", "198.51.100.1"), T, ["m00"])
    with pytest.raises(TooManyBallots, match="Trop de votes depuis cette adresse"):
        store.cast_vote(phone(code, "script-1", "198.51.100.1"), T, ["m00"])
    store.cast_vote(phone(code, "tel-3", "198.51.100.1"), T, ["m01"])  # a known browser still changes its ballot
    store.cast_vote(phone(code, "autre", "198.51.100.2"), T, ["m00"])  # another address is not bounded by it
    assert store.latest_vote(OP, T).participants == 62


def test_opening_a_vote(store):
    with pytest.raises(StoreError, match="de 1 à 10"):
        store.open_vote(OP, T, max_choices=11)
    info = store.open_vote(OP, T, vt.EXAMPLES, 10, purpose=vt.QUICK_WINS, question="  Nos   gains ?  ")
    assert info.question == "Nos gains ?" and info.purpose == vt.QUICK_WINS and len(info.choices) == 11
    assert info.max_choices == 10
    with pytest.raises(StoreError, match=f"^Un vote est déjà ouvert sur ce territoire \\(code {info.code}\\)"):
        store.open_vote(OP, T)
    store.close_vote(OP, T)
    plan = store.open_vote(OP, T, vt.PLAN, 3)
    assert [c.label for c in plan.choices] == list(dict.fromkeys(store.open_version(OP, T).census.actions["action"]))
    store.close_vote(OP, T)
    few = store.open_vote(OP, T, vt.PLAN, 5, choices=[vt.Choice("p0", "Seule action")])
    assert few.max_choices == 1  # never more choices per person than offered
    with pytest.raises(StoreError, match="Aucun vote ouvert sur ce territoire"):
        store.close_vote(OP, T, "ZZZZZZ")


def test_past_votes_are_in_the_report(store, sample_census):
    """The report's « Votes en atelier »: each closed vote's question, date, participants and votes per choice."""
    from nrdash.report import VOTES_SECTION, ReportInput, build_report

    code = store.open_vote(OP, T, question="<b>Nos priorités ?</b>").code
    store.cast_vote(phone(code, "a"), T, ["m13"])
    store.close_vote(OP, T)
    report = build_report(ReportInput(sample_census, sample_census.actors, sample_census.actions, "tout",
                                      votes=store.votes(OP, T)))
    section = report.split(f"<section id='{VOTES_SECTION}'>")[1].split("</section>")[0]
    assert "<h3>&lt;b&gt;Nos priorités ?&lt;/b&gt;</h3>" in section and "1 participant." in section
    assert "<td>Sensibiliser × Citoyens</td>" in section and "<td>1</td>" in section
    assert f"<section id='{VOTES_SECTION}'>" not in build_report(ReportInput(
        sample_census, sample_census.actors, sample_census.actions, "tout"))


def test_migration_0010_holds_one_open_vote_per_territory_and_goes_down(db_url):
    """On SQLite and PostgreSQL: the database itself refuses a second open vote on a territory (the store checks it
    first); the migration goes down one step and up again."""
    from alembic import command

    from nrdash.store import database

    s = Store(db_url)
    try:
        s.open_vote(OP, T)
        with pytest.raises(sa.exc.IntegrityError), s.engine.begin() as conn:
            row = conn.execute(sa.select(schema.votes_table)).one()._asdict()
            conn.execute(schema.votes_table.insert().values({**row, "id": None, "code": "ZZZZZZ"}))
        s.close_vote(OP, T)
        s.open_vote(OP, T)  # closed ones do not count
        command.downgrade(database._alembic_config(s.url), "-1")
        assert not {"votes", "vote_ballots"} & set(sa.inspect(s.engine).get_table_names())
        assert database.upgrade_schema(s.engine) == database.head_revision()
        assert {"votes", "vote_ballots"} <= set(sa.inspect(s.engine).get_table_names())
    finally:
        s.close()


def test_the_address_phones_use():
    """The QR code's address and the short one: from NRDASH_PUBLIC_URL or the projector's own address; a warning when
    only the projector's computer reaches it."""
    local = vt.vote_address("http://localhost:8501/vote?code=K7P3QX", configured=False)
    assert local.short == "localhost:8501/vote" and "NRDASH_PUBLIC_URL" in local.warning
    room = vt.vote_address("http://192.168.1.20:8501/nrdash/vote?code=K7P3QX", configured=False)
    assert (room.short, room.warning) == ("192.168.1.20:8501/nrdash/vote", None)
    assert vt.vote_address("http://localhost:8501/vote?code=K7P3QX", configured=True).warning is None
    img = vt.qr_image(room.url, 'Code QR "<b>')
    assert img.startswith('<img class="nr-qr" src="data:image/svg+xml') and 'alt="Code QR &quot;&lt;b&gt;"' in img


def test_closed_votes_travel_with_the_territory_archive(store, tmp_path):
    """The territory's archive (export / import) carries its closed votes (question, choices, participants, counts),
    not the open one (its ballots are the room's of the moment); a code already taken in the instance that imports
    is replaced (codes are unique for ever); an altered votes file refuses the whole import."""
    import io
    import zipfile

    from nrdash.store.archive import VOTES_FILE
    from nrdash.dataset import SAMPLE_PATH

    code = store.open_vote(OP, T, question="<b>Nos priorités ?</b>", max_choices=2).code
    store.cast_vote(phone(code, "a"), T, ["m13", "m00"])
    store.cast_vote(phone(code, "b"), T, ["m13"])
    first = store.close_vote(OP, T)
    store.open_vote(OP, T, kind=vt.PLAN)  # still open when exported: not in the archive
    archive = store.export_territory(OP, T)

    there = Store(f"sqlite:///{tmp_path / 'autre.db'}", seed_sample=False)
    there.publish(OP, "17300", SAMPLE_PATH.read_bytes(), "autre.xlsx")
    taken = there.open_vote(OP, "17300")
    with there.engine.begin() as conn:  # the instance already has a vote with the archived code
        conn.execute(schema.votes_table.update().where(schema.votes_table.c.code == taken.code).values(code=code))
    assert there.import_territory(OP, archive)[0] == T
    kept = there.votes(OP, T)
    assert [(v.question, v.participants, v.counts, v.max_choices, v.kind, v.open) for v in kept] == \
        [(first.question, 2, first.counts, 2, vt.MATRIX, False)]
    assert kept[0].counts["m13"] == 2 and kept[0].counts["m00"] == 1
    assert kept[0].code != code and vt.normalise_code(kept[0].code) == kept[0].code
    assert kept[0].summary() == first.summary() and there.latest_vote(OP, T).open is False
    there.close()

    altered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            blob = src.read(item)
            dst.writestr(item, blob.replace(b'"participants": 2', b'"participants": 20') if item.filename == VOTES_FILE
                         else blob)
    fresh = Store(f"sqlite:///{tmp_path / 'neuve.db'}", seed_sample=False)
    with pytest.raises(StoreError, match="Archive altérée : ateliers/votes.json"):
        fresh.import_territory(OP, altered.getvalue())
    with fresh.engine.connect() as conn:  # nothing of it written
        for table in (schema.votes_table, schema.versions, schema.territories):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    fresh.close()
