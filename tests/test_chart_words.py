"""French in what the room reads (issue 13): counts agree with their noun, no « (s) » shortcut."""
import pandas as pd

from nrdash import charts


def _actors(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"family": [r[0] for r in rows], "type": [r[1] for r in rows],
                         "level": pd.array([r[2] for r in rows], dtype="Int64"),
                         "commune": ["La Rochelle"] * len(rows), "insee": ["17300"] * len(rows),
                         "source": ["Enquête"] * len(rows)})


def test_levels_by_summary_counts_in_words_with_the_nouns_gender():
    a = _actors([("Entreprises", "PME", 2), ("Entreprises", "PME", 0), ("Associations", "Associations", 1)])
    family = charts.levels_by_summary(a, "family")
    assert family.startswith("2 familles. La plus représentée : « Entreprises » (2 acteurs).")
    kinds = charts.levels_by_summary(a, "type")
    assert kinds.startswith("2 types d'acteur. Le plus représenté : « PME » (2 acteurs).")
    one = charts.levels_by_summary(a.iloc[:1], "commune")
    assert one.startswith("1 commune. La plus représentée : « La Rochelle » (1 acteur).")
    assert "(s)" not in family + kinds + one


def test_level_axis_labels_break_after_the_level_name_not_inside_it():
    """« 1 — / Sensibilisé au / NR » read badly from the back of a room: each level on one line, the longest on
    two, its number and first word together."""
    fig = charts.level_distribution(_actors([("Entreprises", "PME", 2)]))
    assert list(fig.layout.xaxis.ticktext) == ["0 — Non impliqué", "1 — Sensibilisé<br>au NR", "2 — Acteur du NR",
                                               "3 — Leader du NR"]
