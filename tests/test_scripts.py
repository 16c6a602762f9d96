"""scripts/install.sh: installs once, then starts without touching the network (a council room has none)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["scripts/install.sh", "scripts/geo.sh", "requirements.txt", "requirements-dev.txt", "requirements-geo.txt"]


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the install scripts around a stand-in .venv/bin/python that records each call (no real install)."""
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    calls = tmp_path / "calls.log"
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n')
    python.chmod(0o755)
    npm_data = tmp_path / ".geo/node_modules/@etalab/decoupage-administratif/data/communes.json"
    npm_data.parent.mkdir(parents=True)
    npm_data.write_text("[]")
    for f in ("communes.parquet", "contours.parquet", "epci.parquet", "meta.json"):
        (tmp_path / "data" / "geo").mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / "geo" / f).write_text("")
    return tmp_path, calls


def _install(project: Path, req: str = "requirements.txt") -> subprocess.CompletedProcess:
    # Any network use would fail at once: unreachable package index and npm registry.
    env = {**os.environ, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "npm_config_registry": "http://127.0.0.1:9/"}
    return subprocess.run(["bash", "scripts/install.sh", req], cwd=project, env=env, capture_output=True, text=True,
                          timeout=60)


def test_installs_once_then_starts_silently(tmp_path):
    project, calls = _project(tmp_path)
    first = _install(project)
    assert first.returncode == 0, first.stderr
    assert "Installation des dépendances de nrdash" in first.stderr and "4/4 géographie" in first.stderr
    assert "-m pip install --progress-bar off -r requirements.txt" in calls.read_text()
    calls.unlink()
    second = _install(project)
    assert second.returncode == 0 and second.stdout == "" and second.stderr == ""
    assert not calls.exists()  # nothing run: no pip, no network


def test_a_changed_requirement_or_a_missing_geography_installs_again(tmp_path):
    project, calls = _project(tmp_path)
    assert _install(project).returncode == 0
    with open(project / "requirements.txt", "a") as f:
        f.write("# changed\n")
    calls.unlink()
    assert "Installation des dépendances" in _install(project).stderr and calls.exists()
    calls.unlink()
    (project / "data" / "geo" / "epci.parquet").unlink()
    assert "Installation des dépendances" in _install(project).stderr and calls.exists()


def test_a_failed_install_says_so_in_french_and_stamps_nothing(tmp_path):
    project, calls = _project(tmp_path)
    python = project / ".venv" / "bin" / "python"
    python.write_text('#!/bin/sh\necho "ERROR: No matching distribution found" >&2\nexit 1\n')
    result = _install(project)
    assert result.returncode == 1
    assert "Échec de l'installation" in result.stderr and "No matching distribution" in result.stderr
    assert not (project / ".venv" / ".nrdash-requirements").exists()


def test_file_durations_name_test_files_that_exist_and_order_the_collection(tmp_path):
    """scripts/test_durations.py sums a JUnit report per file (a class's tests under their file); the listed files
    exist (a renamed file would fall back to its default place), and the collection starts with the longest."""
    import json

    from scripts.test_durations import durations
    from tests.conftest import FILE_DURATIONS, file_duration

    report = tmp_path / "junit.xml"
    report.write_text('<testsuites><testsuite name="pytest">'
                      '<testcase classname="tests.test_census" name="a" time="1.25"/>'
                      '<testcase classname="tests.test_census" name="b" time="2.5"/>'
                      '<testcase classname="tests.e2e.test_browser.TestMap" name="c" time="7.4"/>'
                      '</testsuite></testsuites>', encoding="utf-8")
    assert durations(report) == {"tests/e2e/test_browser.py": 7, "tests/test_census.py": 4}
    missing = [name for name in FILE_DURATIONS if not (ROOT / name).is_file()]
    assert missing == [], "tests/file_durations.json names files that no longer exist: run scripts/test_durations.py"
    assert json.loads((ROOT / "tests" / "file_durations.json").read_text()) == FILE_DURATIONS
    longest = max(FILE_DURATIONS, key=FILE_DURATIONS.get)
    assert file_duration(ROOT / longest) == FILE_DURATIONS[longest]
    assert file_duration(ROOT / "tests" / "e2e" / "test_new.py") == 30 and file_duration(ROOT / "tests" / "x.py") == 0
    res = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "tests/test_census.py", longest], cwd=ROOT, capture_output=True, text=True, timeout=120)
    first = res.stdout.splitlines()[0]
    assert first.startswith(longest), res.stdout[:500]
