"""Property-based: whatever the bytes or the table, the loader raises nothing but its own error type."""
import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrdash.census import CensusError, load_census
from nrdash import referential as ref
from tests.conftest import xlsx_bytes

cells = st.one_of(
    st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from([c.header for c in ref.ACTOR_COLUMNS]),
    st.sampled_from(list(ref.TYPES) + list(ref.LEVELS.values()) + ["2", "N3", "oui", "2A004", "46,1"]),
)
tables = st.lists(st.lists(cells, max_size=8), max_size=12)


def _load(data, name):
    try:
        census = load_census(data, name)
    except CensusError as exc:
        assert str(exc)
        return None
    assert len(census.actors) >= 1
    assert all(i.severity in ("error", "warning") for i in census.issues)
    return census


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(["f.xlsx", "f.csv", "f.ods", "f.xls", "f", "f.bin"]))
def test_random_bytes_only_raise_census_error(data, name):
    _load(data, name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(0, 2000))
def test_corrupted_workbook_only_raises_census_error(noise, pos):
    good = xlsx_bytes({"Acteurs": [["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé"], ["A", "PME", 1]]})
    pos = min(pos, len(good))
    _load(good[:pos] + noise + good[pos + len(noise):], "f.xlsx")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_random_tables_as_xlsx(rows):
    rows = [[v if not (isinstance(v, str) and v.startswith("=")) else "x" + v for v in r] for r in rows]
    rows = [[("".join(ch for ch in v if ch.isprintable()) if isinstance(v, str) else v) for v in r] for r in rows]
    rows = [[(None if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))) else v) for v in r]
            for r in rows]
    _load(xlsx_bytes({"Acteurs": rows}), "f.xlsx")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from([";", ",", "\t"]))
def test_random_tables_as_csv(rows, delim):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim).writerows(["" if v is None else v for v in r] for r in rows)
    _load(buf.getvalue().encode("utf-8"), "f.csv")
