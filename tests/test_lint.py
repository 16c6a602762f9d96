"""ruff (settings in pyproject.toml) keeps the whole repository clean, and scripts/test.sh, the command CI runs,
checks it before the tests and stops with a French message when it is not."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_repository_passes_ruff():
    result = ruff(".", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_settings_catch_an_unused_import_and_an_undefined_name(tmp_path):
    config = str(ROOT / "pyproject.toml")
    (tmp_path / "bad.py").write_text("import os\n\n\ndef f():\n    return undefined_name\n")
    (tmp_path / "good.py").write_text("import os\n\nprint(os.sep)\n")
    bad = ruff("--config", config, "--output-format", "concise", "bad.py", cwd=tmp_path)
    assert bad.returncode == 1
    assert "bad.py:1:8: F401" in bad.stdout and "bad.py:5:12: F821" in bad.stdout, bad.stdout
    good = ruff("--config", config, "good.py", cwd=tmp_path)
    assert good.returncode == 0, good.stdout


def _project(tmp_path: Path, lint_fails: bool) -> tuple[Path, Path]:
    """scripts/test.sh in a copy of the project, with install.sh a no-op, a stand-in .venv/bin/python that records
    each call (and fails `-m ruff` when asked), and `id` saying "not root", so nothing is ever installed."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test.sh", tmp_path / "scripts" / "test.sh")
    (tmp_path / "scripts" / "install.sh").write_text("exit 0\n")
    calls = tmp_path / "calls.log"
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    fail = 'case "$*" in "-m ruff"*) echo "bad.py:1:8: F401 [*] os imported but unused"; exit 1;; esac\n'
    python.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n' + (fail if lint_fails else ""))
    python.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    return tmp_path, calls


def _test_sh(project: Path, *args: str, workers: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{project / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NRDASH_TEST_WORKERS", None)
    if workers is not None:
        env["NRDASH_TEST_WORKERS"] = workers
    return subprocess.run(["bash", "scripts/test.sh", *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=60)


def test_test_sh_runs_ruff_then_pytest(tmp_path):
    project, calls = _project(tmp_path, lint_fails=False)
    result = _test_sh(project, "-q", "tests/test_census.py")
    assert result.returncode == 0, result.stderr
    # on two processes by default (pytest-xdist, a file's tests together): the whole suite in CI
    assert calls.read_text().splitlines() == ["-m ruff check .",
                                              "-m pytest -n 2 --dist loadfile --no-loadscope-reorder -q "
                                              "tests/test_census.py"]


def test_test_sh_runs_pytest_in_one_process_when_asked(tmp_path):
    project, calls = _project(tmp_path, lint_fails=False)
    result = _test_sh(project, "-q", "tests/test_census.py", workers="1")
    assert result.returncode == 0, result.stderr
    assert calls.read_text().splitlines() == ["-m ruff check .", "-m pytest -q tests/test_census.py"]


def test_test_sh_stops_on_a_lint_failure_and_says_what_to_run(tmp_path):
    project, calls = _project(tmp_path, lint_fails=True)
    result = _test_sh(project, "-q")
    assert result.returncode == 1
    assert "F401" in result.stdout
    assert "Le code ne passe pas ruff" in result.stderr and "ruff check --fix ." in result.stderr
    assert calls.read_text().splitlines() == ["-m ruff check ."]  # pytest never started


def test_no_module_name_serves_two_layers():
    """A module's name says what it holds, once: the pure logic keeps the domain's name (nrdash/vote.py), the layers
    that serve it say what they do with it (ui/vote_room.py, cli/voting.py, store/votes.py), so an import reads
    without an alias (issue 24: workspace, questionnaire, vote… in two or three packages at once)."""
    from collections import defaultdict

    where = defaultdict(list)
    for path in (ROOT / "nrdash").rglob("*.py"):
        rel = path.relative_to(ROOT / "nrdash")
        if rel.parts[0] == "migrations" or path.name in ("__init__.py", "__main__.py"):
            continue
        where[path.stem].append(str(rel))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
