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
    code = ("import sys, nrdash.cli as m\nm.build_parser(['check', 'f.xlsx'])\n"
            "print(sorted(k for k in ('pandas', 'numpy', 'pyarrow', 'nrdash.census') if k in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


CHILD_CHECKS = """
import json, os, sys
from nrdash import sandbox
from nrdash.sandbox import PendingChecks, load_census_isolated
from nrdash.workbook import CensusError
seen, parent, refused = [], os.getpid(), []
real = sandbox.preflight
sandbox.preflight = lambda *a: (seen.append(os.getpid()), real(*a))[1]
try:
    PendingChecks(sys.argv[1], in_child=True).cells()
except CensusError as e:
    refused.append(str(e))
try:
    load_census_isolated(PendingChecks(sys.argv[1], in_child=True), mode="fork")
except CensusError as e:
    refused.append(str(e))
print(json.dumps({"seen": seen, "refused": refused, "same_pid": parent == os.getpid()}))
"""


def test_checks_run_in_a_child_and_refuse_the_far_cell(tmp_path):
    """In a fresh process (one thread, as `check` is): the checks run in a forked child, never in the process
    itself. (Run apart: a test process that has started threads, after the browser tests say, never forks.)"""
    import json

    path = tmp_path / "far.xlsx"
    path.write_bytes(sparse_xlsx(200_000, 16_384))
    res = subprocess.run([sys.executable, "-c", CHILD_CHECKS, str(path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-800:]
    out = json.loads(res.stdout)
    assert out["seen"] == []  # not in the process itself: in the child
    assert len(out["refused"]) == 2 and all("cellule XFD200000" in r for r in out["refused"])
    assert out["same_pid"]


def test_the_reader_gets_the_checked_bytes_not_the_file_again(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    checks = PendingChecks(path, in_child=True)
    path.write_bytes(sparse_xlsx(200_000, 16_384))  # swapped after the checks started
    census = load_census_isolated(checks, mode="fork")
    assert census.sha256 == __import__("hashlib").sha256(SAMPLE.read_bytes()).hexdigest()
    checks = PendingChecks(path, in_child=True)  # the far cell, checked...
    path.write_bytes(SAMPLE.read_bytes())  # ...then a harmless file in its place: still refused
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        load_census_isolated(checks, mode="fork")


def test_a_threaded_process_never_forks_for_its_checks(monkeypatch):
    """A server runs threads: its checks run in its own process, its reading in a warm worker, never a fork."""
    import threading

    forks = []
    real = sandbox._fork
    monkeypatch.setattr(sandbox, "_fork", lambda *a: (forks.append(a), real(*a))[1])
    assert len(load_census_isolated(SAMPLE, mode="worker").actors) > 0  # the app's and the store's call
    PendingChecks(SAMPLE).cells()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        PendingChecks(SAMPLE, in_child=True).cells()
    finally:
        stop.set()
        other.join()
    assert forks == []


def test_checks_without_the_sandbox_run_here(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "0")
    path = tmp_path / "far.xlsx"
    path.write_bytes(sparse_xlsx(200_000, 16_384))
    with pytest.raises(CensusError, match=r"cellule XFD200000"):
        PendingChecks(path).cells()
    assert len(load_census_isolated(PendingChecks(SAMPLE)).actors) > 0


# ---------------------------------------------------------------------------------------------
# finish: what check makes of the census is made in the reading child, only the result comes back
# ---------------------------------------------------------------------------------------------
def test_finish_runs_in_the_reading_child_beside_its_alongside_thread(monkeypatch):
    import threading

    def alongside():
        return os.getpid(), threading.current_thread() is threading.main_thread()

    def finish(census, extra):
        return len(census.actors), os.getpid(), extra

    rows, pid, (thread_pid, in_main_thread) = load_census_isolated(PendingChecks(SAMPLE, in_child=True), mode="fork",
                                                                   alongside=alongside, finish=finish)
    assert rows == len(load_census_isolated(SAMPLE).actors)
    assert pid == thread_pid != os.getpid() and not in_main_thread
    # The same outcome without a fork: the worker (census pickled back), or no sandbox at all.
    assert load_census_isolated(SAMPLE, mode="worker", finish=lambda c, x: (len(c.actors), x),
                                alongside=lambda: "geo") == (rows, "geo")
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "0")
    assert load_census_isolated(SAMPLE, finish=lambda c, x: (len(c.actors), x), alongside=lambda: "geo") == (rows, "geo")


def test_a_failing_alongside_becomes_a_french_error():
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(CensusError, match=r"Le lecteur de classeur a échoué \(RuntimeError\)"):
        load_census_isolated(SAMPLE, mode="fork", alongside=broken, finish=lambda c, x: x)


def test_check_error_after_the_read_is_one_message(monkeypatch, capsys):
    from nrdash import cli

    def broken(*args, **kwargs):
        raise ValueError("placement")

    monkeypatch.setattr(cli.census_file, "place", broken)  # in the reading child, which sees the patch
    message = "Erreur inattendue à la lecture (ValueError). Signalez-la avec le fichier si possible."
    assert cli.main(["check", str(SAMPLE)]) == 2
    out = capsys.readouterr()
    assert out.err == message + "\n" and out.out == ""
    assert cli.main(["check", str(SAMPLE), "--json"]) == 2
    assert __import__("json").loads(capsys.readouterr().out)["error"] == message


def test_check_prints_what_the_child_wrote(capsys):
    from nrdash import cli

    code = cli.main(["check", str(SAMPLE)])
    out = capsys.readouterr().out
    census = load_census_isolated(SAMPLE)
    assert code == (1 if census.errors else 0)
    assert out.startswith(f"Recensement « {SAMPLE.name} »") and out.endswith("\n")
