"""The markers of pyproject.toml are put on the right tests by tests/conftest.py, so that the fast loop,
``pytest -m "not browser and not pg"``, needs neither Chromium nor PostgreSQL; tests/pg.py fails a test that reaches
PostgreSQL without the pg marker."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg
from tests.conftest import SLOW

ROOT = Path(__file__).resolve().parent.parent
# One file of each kind: the PostgreSQL side of db_url, pg_server asked for by getfixturevalue (marked on the test),
# a browser test, a browser test with its own PostgreSQL, a plain test file.
FILES = ["tests/store/test_store_access.py", "tests/store/test_backup.py", "tests/e2e/test_share.py", "tests/e2e/test_replicas.py",
         "tests/test_text.py"]


REPORT = """
def pytest_collection_finish(session):
    for item in session.items:
        marks = sorted({m.name for m in item.iter_markers()} & {"browser", "pg", "slow"})
        print("MARKS", item.nodeid, ",".join(marks), sep="\\t")
"""


def _marks(tmp_path: Path, files: list[str] = FILES) -> dict[str, set[str]]:
    """Each test of files and its markers among browser, pg and slow, as a collection in a new process sees them."""
    (tmp_path / "marks_report.py").write_text(REPORT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p",
                          "marks_report", *files], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line.split("\t") for line in out.stdout.splitlines() if line.startswith("MARKS\t")]
    return {nodeid: set(filter(None, marks.split(","))) for _, nodeid, marks in lines}


def test_each_test_carries_the_markers_of_what_it_uses(tmp_path):
    marks = _marks(tmp_path)
    pg_ids = {i for i, m in marks.items() if "pg" in m}
    browser = {i for i, m in marks.items() if "browser" in m}
    fast = {i for i, m in marks.items() if not m & {"browser", "pg"}}  # -m "not browser and not pg"
    assert {i.split("::")[0] for i in pg_ids} == {"tests/store/test_store_access.py", "tests/store/test_backup.py",
                                                   "tests/e2e/test_replicas.py"}
    assert "tests/store/test_backup.py::test_postgresql_backup_of_a_live_store_restores_everything" in pg_ids
    assert all("[postgresql" in i for i in pg_ids if i.startswith("tests/store/test_store_access.py"))
    assert all("[postgresql" in i or "[sqlite" not in i for i in pg_ids)
    assert {i.split("::")[0] for i in browser} == {"tests/e2e/test_share.py", "tests/e2e/test_replicas.py"}
    assert browser == {i for i in marks if i.startswith("tests/e2e/")}
    assert not [i for i in fast if "postgresql" in i]
    assert any("[sqlite" in i for i in fast) and any(i.startswith("tests/test_text.py") for i in fast)


def test_reaching_postgresql_without_the_marker_fails():
    assert pg.RUNNING == {"test": "tests/test_markers.py::test_reaching_postgresql_without_the_marker_fails",
                          "marked": False}  # set by tests/conftest.py for the running test
    with pytest.raises(pytest.fail.Exception, match="uses PostgreSQL without the pg marker"):
        pg.fresh_database("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(pytest.fail.Exception, match="uses PostgreSQL without the pg marker"):
        with pg.cluster():
            pass


def test_each_test_named_slow_exists_and_is_marked_and_nothing_else_is(tmp_path):
    assert SLOW, "no test named slow in tests/conftest.py"
    marks = _marks(tmp_path, sorted({name.split("::")[0] for name in SLOW}))
    slow = {nodeid.split("[")[0] for nodeid, m in marks.items() if "slow" in m}
    assert slow == SLOW, f"named in SLOW but not collected: {sorted(SLOW - slow)}"
    assert all("slow" in m for nodeid, m in marks.items() if nodeid.split("[")[0] in SLOW)
