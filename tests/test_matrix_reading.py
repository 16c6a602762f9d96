"""Reading the Matrice page (issue 25): the gaps stand out on their own (a dark outline and the word, in the
high-contrast mode too) while the count scale stays; the kit's dimensions and La Rochelle's action types in two
labelled blocks."""
from __future__ import annotations

import html

from nrdash import charts
from nrdash import referential as ref
from nrdash.matrix import categories_by_family, category_blocks, engaged_by_target, plan_counts
from nrdash.ui.elements import workshop_figure


def _gap_cells(fig) -> set[tuple[int, int]]:
    heat = fig.data[0]
    return {(i, j) for i, row in enumerate(heat.z) for j, v in enumerate(row) if v == 0}


def test_gaps_are_outlined_and_named_whatever_the_scale(sample_census):
    fig = charts.plan_heatmap(plan_counts(sample_census.actions), engaged_by_target(sample_census.actors))
    gaps = _gap_cells(fig)
    assert gaps  # the sample's plan leaves some
    outlined = {(round((s.y0 + s.y1) / 2), round((s.x0 + s.x1) / 2)) for s in fig.layout.shapes}
    assert outlined == gaps  # one outline per gap, none elsewhere
    assert all(s.line.width >= 3 and s.line.dash and s.line.color == charts.GAP_OUTLINE for s in fig.layout.shapes)
    heat, text = fig.data[0], fig.data[1]
    assert heat.zmin == 0 and heat.zmax == max(max(r) for r in heat.z)  # the count scale kept
    written = list(text.text)
    assert written.count("<b>lacune</b>") == len(gaps) and not any("lacune" in t and "<b>" not in t for t in written)
    workshop_figure(fig, contrast=True)  # high contrast: black, thicker, still dashed
    assert all(s.line.color == "#000000" and s.line.width >= 3 and s.line.dash for s in fig.layout.shapes)
    assert len(fig.layout.shapes) == len(gaps)


def test_categories_in_two_labelled_blocks(sample_census):
    table = categories_by_family(sample_census.actors)
    blocks = category_blocks(table)
    assert [(key, label) for key, label, _ in blocks] == [("dimensions", "Dimensions du NR (kit)"),
                                                           ("action_types", "Types d'action (La Rochelle)")]
    for key, label, part in blocks:
        fig = charts.categories_heatmap(part, label)
        rows = [html.unescape(y.replace("<br>", " ")) for y in fig.data[0].y]
        vocabulary = ref.NR_DIMENSIONS if key == "dimensions" else ref.ACTION_TYPES
        assert rows and set(rows) <= set(vocabulary), rows  # never the two vocabularies mixed
        assert label in html.unescape(fig.layout.title.text)
    only_types = table[table["category"].isin(ref.ACTION_TYPES)]
    assert [k for k, _, _ in category_blocks(only_types)] == ["action_types"]  # an empty block is not drawn
