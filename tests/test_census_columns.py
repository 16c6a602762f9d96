"""The census reader's column-at-once paths give exactly what the per-cell parsers give (issue #12: reading speed)."""
import math

import numpy as np
from hypothesis import given, settings, strategies as st

from nrdash import fields as fx
from nrdash import referential as ref
from nrdash.census import SLOW, _Builder, _Table, load_census
from tests.conftest import HEADER, actors_sheet


def _siret(body13: str) -> str:
    return next(body13 + k for k in "0123456789" if fx.luhn_ok(body13 + k))


VALID = [_siret(f"{i:013d}") for i in (123456789, 4000000001234, 7328293200007, 3560000000004)]
sirets = st.one_of(
    st.sampled_from(VALID),
    st.sampled_from(VALID).map(lambda s: f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}"),
    st.sampled_from(VALID).map(lambda s: f" {s} "),
    st.sampled_from(VALID).map(lambda s: s[:-1] + str((int(s[-1]) + 3) % 10)),  # a wrong key
    st.sampled_from(VALID).map(lambda s: s[:9] + "\u00a0" + s[9:]),
    st.sampled_from(VALID).map(lambda s: s + ".0"),
    st.sampled_from(VALID).map(int), st.sampled_from(VALID).map(float),
    st.sampled_from(["35600000000048", "35600000000049", "３５６０００００００００４８", "", "  ", "abc", "1e13"]),
    st.none(), st.just(math.nan), st.text(alphabet="0123456789 .,e+", max_size=20), st.integers(), st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(sirets, max_size=30))
def test_plain_sirets_give_what_parse_siret_gives(cells):
    column = np.empty(len(cells), dtype=object)
    column[:] = cells
    fast = fx.plain_sirets(column, SLOW)
    for cell, got in zip(cells, fast):
        if got is not SLOW:
            assert fx.parse_siret(cell) == (got, None), cell


def test_plain_sirets_settle_plain_valid_sirets_and_leave_the_rest():
    wrong_key = VALID[0][:-1] + str((int(VALID[0][-1]) + 3) % 10)
    cells = np.array([VALID[0], f"{VALID[1][:3]} {VALID[1][3:]}", wrong_key, None, "35600000000001", 12],
                     dtype=object)
    fast = fx.plain_sirets(cells, SLOW)
    assert list(fast[:2]) == [VALID[0], VALID[1]]
    assert all(v is SLOW for v in fast[2:])
    assert fx.parse_siret("35600000000001") == ("35600000000001", None)  # La Poste, outside Luhn: parse_siret


cells_of_all_kinds = st.one_of(st.none(), st.just(math.nan), st.sampled_from(["", " ", "\t\n", "\u00a0", "2", " 3 ",
                                                                                "niveau 2", "sept"]),
                               st.integers(-2, 5), st.floats(allow_nan=True), st.booleans(), st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(cells_of_all_kinds, max_size=30))
def test_written_is_exactly_not_blank(cells):
    raw = np.empty(len(cells), dtype=object)
    raw[:] = cells
    table = _Table("Acteurs", 1, {"level": (0, "Niveau")}, np.arange(2, 2 + len(cells)), {"level": raw})
    b = _Builder(table, [])
    parsed = b.parse("level", fx.parse_level)
    assert b.written("level", parsed).tolist() == [not fx.is_blank(c) for c in cells]


def test_row_messages_keep_row_order_and_duplicates_name_the_first_row():
    header = HEADER + ["Famille d'acteurs", "Commune"]
    rows = [
        ["Acme SARL", "PME", 1, None, "Aytré"],                       # row 2
        ["Club", "PME", 1, "Citoyens", "Aytré"],                      # 3: family contradicts the type
        ["Truc", "Machin", 1, None, "Aytré"],                         # 4: unknown type, no family
        ["ACME  sarl", "PME", 2, None, "AYTRE"],                      # 5: same as row 2, written otherwise
        ["Acme SARL", "PME", 2, None, "Lagord"],                      # 6: another commune: not a duplicate
        ["Coop", "Coopérative", 1, "Entreprises", "Lagord"],          # 7: unknown type kept as « Autre »
        ["Club", "Autres", 1, "Associations", "Lagord"],              # 8: « Autres » of its family
        ["acme sarl", "PME", 0, None, "aytré"],                       # 9: a third of row 2
    ]
    c = load_census(actors_sheet(rows, header), "t.xlsx")
    found = [(i.row, i.column, i.severity, i.message.split(" ")[0]) for i in c.issues]
    assert found == [
        (3, "Famille d'acteurs", "error", "La"), (4, "Type d'acteur", "error", "Type"),
        (7, "Type d'acteur", "warning", "Type"),
        (5, "Nom de l'acteur", "warning", "Acteur"), (9, "Nom de l'acteur", "warning", "Acteur"),
    ]
    assert [i.message for i in c.issues if i.row in (5, 9)] == [
        f"Acteur « {name} » déjà présent ligne 2 (même nom, même commune) : doublon à fusionner ou à supprimer."
        for name in ("ACME sarl", "acme sarl")]  # spaces collapsed, as everywhere
    a = c.actors
    assert a["type"].tolist() == ["PME", "PME", None, "PME", "PME", ref.OTHER_TYPE, "Autres associations", "PME"]
    assert a["family"].tolist() == [ref.COMPANIES, ref.COMPANIES, None, ref.COMPANIES, ref.COMPANIES,
                                    ref.COMPANIES, ref.ASSOCIATIONS, ref.COMPANIES]
    assert a["type_text"].tolist()[5] == "Coopérative"


def test_categories_merged_per_distinct_pair_of_cells():
    header = HEADER + ["Type d'action NR", "Dimension NR"]
    a_t, d = ref.ACTION_TYPES, ref.NR_DIMENSIONS
    rows = [["A", "PME", 1, a_t[0], d[0]], ["B", "PME", 1, a_t[0], d[1]], ["C", "PME", 1, a_t[0], d[0]],
            ["D", "PME", 1, None, d[1]], ["E", "PME", 1, f"{a_t[1]} ; {d[2]}", None], ["F", "PME", 1, None, None]]
    a = load_census(actors_sheet(rows, header), "t.xlsx").actors
    assert a["action_types"].tolist() == [[a_t[0]], [a_t[0]], [a_t[0]], [], [a_t[1]], []]
    assert a["dimensions"].tolist() == [[d[0]], [d[1]], [d[0]], [d[1]], [d[2]], []]


texts = st.one_of(st.text(max_size=12), st.text(alphabet="aàÂéèÉçÇœŒæß&’'- .,«»\u00a0\u202f\u0301ﬁ²½Ωж中", max_size=12),
                  st.none(), st.integers(), st.just(math.nan))


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, max_size=25))
def test_norm_keys_is_norm_key_of_each_text(values):
    assert ref.norm_keys(values).tolist() == [ref.norm_key(v) if isinstance(v, str) else "" for v in values]
