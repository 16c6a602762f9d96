"""``check`` starts the file's checks in a child before importing pandas; the reader then gets the very bytes that
were checked, never the file read again."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nrdash import sandbox
from nrdash.sandbox import PendingChecks, load_census_isolated
from nrdash.workbook import CensusError
from tests.bombs import sparse_xlsx
from tests.conftest import ROOT, SAMPLE


def test_check_command_imports_no_pandas_before_its_checks_start():
    code = ("import sys, nrdash.__main__ as m\n"
            "print(sorted(k for k in ('pandas', 'numpy', 'pyarrow', 'nrdash.census') if k in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_checks_run_in_a_child_and_refuse_the_far_cell(tmp_path, monkeypatch):
    path = tmp_path / "far.xlsx"
    path.write_bytes(sparse_xlsx(200_000, 16_384))
    parent = os.getpid()
    seen = []
    real = sandbox.preflight
    monkeypatch.setattr(sandbox, "preflight", lambda *a: (seen.append(os.getpid()), real(*a))[1])
    checks = PendingChecks(path)
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        checks.cells()
    assert seen == []  # not here: in the child
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        load_census_isolated(PendingChecks(path), mode="fork")
    assert parent == os.getpid()


def test_the_reader_gets_the_checked_bytes_not_the_file_again(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    checks = PendingChecks(path)
    path.write_bytes(sparse_xlsx(200_000, 16_384))  # swapped after the checks started
    census = load_census_isolated(checks, mode="fork")
    assert census.sha256 == __import__("hashlib").sha256(SAMPLE.read_bytes()).hexdigest()
    checks = PendingChecks(path)  # the far cell, checked...
    path.write_bytes(SAMPLE.read_bytes())  # ...then a harmless file in its place: still refused
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        load_census_isolated(checks, mode="fork")


def test_checks_without_the_sandbox_run_here(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "0")
    path = tmp_path / "far.xlsx"
    path.write_bytes(sparse_xlsx(200_000, 16_384))
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        PendingChecks(path).cells()
    assert len(load_census_isolated(PendingChecks(SAMPLE)).actors) > 0
