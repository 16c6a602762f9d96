from nrdash import referential as ref


def test_every_type_has_one_family_and_family_a_target():
    assert len(ref.TYPES) == len(set(ref.TYPES)) == 22
    assert set(ref.FAMILY_OF_TYPE.values()) == set(ref.FAMILIES)
    assert set(ref.TARGET_OF_FAMILY) == set(ref.FAMILIES)
    assert set(ref.TARGET_OF_FAMILY.values()) == set(ref.TARGETS)


def test_aliases_point_to_canonical_values():
    assert set(ref.TYPE_ALIASES.values()) <= set(ref.TYPES)
    assert set(ref.ACTION_TYPE_ALIASES.values()) <= set(ref.ACTION_TYPES)
    assert set(ref.SOURCE_ALIASES.values()) <= set(ref.SOURCES)
    assert set(ref.STATUS_ALIASES.values()) <= set(ref.STATUSES)


def test_default_circle_rules():
    assert ref.default_circle(ref.ADMINISTRATION, 0) == 1
    assert ref.default_circle(ref.PARTNER, None) == 1
    assert ref.default_circle("PME", 2) == 2
    assert ref.default_circle("PME", 3) == 2
    assert ref.default_circle("PME", 1) == 3
    assert ref.default_circle("PME", None) == 3


def test_levels_ordered_scale_and_palette():
    assert list(ref.LEVELS) == [0, 1, 2, 3]
    assert list(ref.LEVEL_COLORS) == [0, 1, 2, 3]
    assert ref.level_label(2) == "2 — Acteur du NR"
    assert ref.level_label(None) == "Non renseigné"


def test_example_actions_cover_every_axis():
    assert {a.axis for a in ref.EXAMPLE_ACTIONS} == set(ref.AXES)
    assert all(set(a.targets) <= set(ref.TARGETS) for a in ref.EXAMPLE_ACTIONS)
    assert ref.example_actions_for(ref.AXES[1], "Citoyens")


def test_norm_key_folds_case_accents_apostrophes_spaces():
    assert ref.norm_key("Niveau d’Engagement  estimé ") == ref.norm_key("niveau d'engagement estime")
    assert ref.norm_key("Acteurs publics & semi-publics") == "acteurs publics et semi publics"


def test_dimensions_are_data():
    """The kit announces 7 dimensions and names 6: ref.NR_DIMENSIONS is the one place to change, so the reader
    and the template's drop-down list must both take their values from it."""
    import io

    from openpyxl import load_workbook

    from nrdash import fields as fx
    from nrdash.template import LISTS_SHEET, build_workbook

    for dimension in ref.NR_DIMENSIONS:
        (types, dims, free), problem = fx.parse_categories(dimension.upper(), "dimensions")
        assert (types, dims, free, problem) == ([], [dimension], [], None)
    buf = io.BytesIO()
    build_workbook().save(buf)
    lists = load_workbook(io.BytesIO(buf.getvalue()))[LISTS_SHEET]
    column = next(col for col in lists.iter_cols(values_only=True) if col[0] == "dimensions")
    assert [v for v in column[1:] if v is not None] == list(ref.NR_DIMENSIONS)
