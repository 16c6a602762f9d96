"""A throw-away PostgreSQL server for the store tests: Debian's binaries, a cluster in a temporary folder,
loopback only, stopped at the end of the session. NRDASH_TEST_DATABASE_URL (a server where the user may
create databases) replaces it. Missing binaries: the tests skip locally and fail in CI (CI=true)."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

INSTALL = "apt-get install postgresql (Debian's PostgreSQL 15: /usr/lib/postgresql/15/bin)"


# The test being run and whether it carries the pg marker (set by tests/conftest.py before each test): a test that
# reaches PostgreSQL without it fails, so that `pytest -m "not pg"` never needs PostgreSQL. Empty outside pytest.
RUNNING: dict[str, object] = {}


def _require_marker() -> None:
    if RUNNING and not RUNNING["marked"]:
        pytest.fail(f"{RUNNING['test']} uses PostgreSQL without the pg marker: take the pg_server or db_url fixture, "
                    "or write @pytest.mark.pg on the test (tests/conftest.py)", pytrace=False)


def pg_bin() -> Path | None:
    for version in ("15", "16", "17"):
        d = Path(f"/usr/lib/postgresql/{version}/bin")
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


def unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)  # never a silent skip in CI
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster() -> Iterator[str]:
    """Yield a server URL (postgresql+psycopg://…/postgres) for the session."""
    _require_marker()
    given = os.environ.get("NRDASH_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bindir = pg_bin()
    if bindir is None:
        unavailable(f"PostgreSQL absent: the store tests on PostgreSQL need {INSTALL}")
    as_root = os.geteuid() == 0
    if as_root:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            unavailable(f"no 'postgres' system user to run the server as ({INSTALL})")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="nrdash-pg-"))
    if as_root:
        os.chown(tmp, user.pw_uid, user.pw_gid)
    data, port = tmp / "data", _free_port()
    run = lambda *cmd: subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
            "--locale", "C")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o",
            f"-k {tmp} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')[-2000:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import sqlalchemy as sa

    _require_marker()

    name = "nrdash_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
