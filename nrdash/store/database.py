"""The store's database: the engine (SQLite in ``NRDASH_DATA_DIR`` by default: WAL, a writer takes the write lock
at once; PostgreSQL when ``NRDASH_DATABASE_URL`` names one), the Alembic migrations run under a lock (several
replicas may start together), and the unit of work every operation runs in: one transaction, in which the acting
principal's rights are read and checked before anything else."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .access import OPERATIONS, Principal, Unit, rights
from .common import RETENTION_MONTHS, SAMPLE_CODE, utcnow
from .schema import maintenance, territories

log = logging.getLogger("nrdash")
ROOT = Path(__file__).resolve().parent.parent.parent
URL_ENV, DIR_ENV = "NRDASH_DATABASE_URL", "NRDASH_DATA_DIR"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_ADVISORY_KEY = 0x6E72646173680001  # "nrdash" + 1: PostgreSQL lock held while migrating


def data_dir() -> Path:
    return Path(os.environ.get(DIR_ENV) or ROOT / "instance").expanduser()


def database_url() -> str:
    url = os.environ.get(URL_ENV, "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'nrdash.db'}"


def make_engine(url: str) -> Engine:
    u = sa.engine.make_url(url)
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 60})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event says BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # What is deleted is overwritten with zeros in the database file, not left in its free space: an erasure
        # (then a checkpoint, Database._scrub) leaves no copy of the person in the files.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        # A writer takes the database's write lock at once: no two publishers read the same last number.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _null() -> Iterator[None]:
    yield


def upgrade_schema(engine: Engine, revision: str = "head") -> str | None:
    """Run the migrations up to ``revision`` under a lock (file lock for SQLite, advisory lock for
    PostgreSQL) and return the database's revision afterwards."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = _alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    db = engine.url.database
    lock = _file_lock(Path(db + ".lock")) if sqlite and db and db != ":memory:" else _null()
    with lock, engine.connect().execution_options(write=True) as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


# A snapshot of this database older than the scrub (a transaction of another connection that began before it and
# holds a snapshot or a transaction id: a report, a backup, autovacuum's ANALYZE) may still read the rows the
# erasure deleted, and PostgreSQL's VACUUM FULL copies every row version such a reader may see into the new files.
_OLDER_READERS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) AND xact_start < :started")
SCRUB_TASK = "scrub"  # a row of ``maintenance`` while an erasure's scrub is still to be finished


class Database:
    """The engine, the schema, and the unit of work (``_unit``) that every operation of the store opens."""

    SCRUB_WAIT = 30.0  # seconds a scrub waits for the readers of older snapshots before it is left pending
    SCRUB_LOCK_TIMEOUT_MS = 5_000  # PostgreSQL: a table another transaction holds (a backup) is not waited for longer
    _clock = staticmethod(time.monotonic)  # (given by the tests: nothing here depends on the machine's speed)
    _sleep = staticmethod(time.sleep)

    def __init__(self, url: str | None = None, *, migrate: bool = True, seed_sample: bool = True):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self._key = self.engine.url.render_as_string(hide_password=True)
        if migrate:
            self._migrate(seed_sample)

    def close(self) -> None:
        self.engine.dispose()

    def _migrate(self, seed_sample: bool) -> str | None:
        revision = upgrade_schema(self.engine)
        if seed_sample:
            self._seed_sample()
        return revision

    def ensure_schema(self, who: Principal, seed_sample: bool = True) -> str | None:
        """Migrate the schema to the code's (``python -m nrdash db upgrade``); the sample is seeded on a fresh
        store when asked. Returns the database's revision."""
        with self._unit(who, "ensure_schema"):
            pass
        return self._migrate(seed_sample)

    def _seed_sample(self) -> int | None:
        raise NotImplementedError  # versions.Versions

    @contextmanager
    def _unit(self, who: Principal, operation: str, territory: str | None = None, *, write: bool = False,
              create: bool = False, option: str | None = None) -> Iterator[Unit]:
        """The operation's unit of work: one transaction (a writing one takes the write lock at once on SQLite and
        locks the territory's row on PostgreSQL), the territory's row, the principal's rights read there and the
        operation's rule checked (Forbidden) before anything else; ``option``: the rule an option asked for needs
        besides (READ_PERSONAL for personal data), checked first. ``create``: a territory not yet on this instance
        is created (its code checked against the offline geography) once the rules are met."""
        rules = [r for r in (option, OPERATIONS[operation]) if r is not None]
        code = None if territory is None else str(territory).strip()
        with self._transaction(write) as conn:
            trow = None
            if code is not None:
                q = sa.select(territories).where(territories.c.code == code)
                trow = conn.execute(q.with_for_update() if write else q).first()
            unit = Unit(conn, who, code, trow, rights(conn, who, trow))
            for rule in rules:
                unit.require(rule)
            if create and trow is None and code is not None:
                unit.territory = self._create_territory(conn, code)
            yield unit

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Connection]:
        conn = self.engine.connect()
        if write:
            conn = conn.execution_options(write=True)
        with conn, conn.begin():
            yield conn

    def _create_territory(self, conn: Connection, code: str):
        from .territories import territory_label

        name = territory_label(code)
        # A new territory opens closed: its administrator opens it to reading without an account deliberately
        # (the Versions page, « territory open »). Only the fictional sample is open from the start.
        conn.execute(self._insert(territories).values(
            code=code, name=name, anonymous_read=code == SAMPLE_CODE, retention_months=RETENTION_MONTHS,
            created_at=utcnow()).on_conflict_do_nothing(index_elements=["code"]))
        return conn.execute(sa.select(territories).where(territories.c.code == code).with_for_update()).one()

    def _serialize(self, conn: Connection, name: str) -> None:
        """Make the transactions that name the same thing (a limit's counter: an e-mail's sign-in failures, a client
        address's answers) run one after the other, until this one ends: what they count and decide is never read
        by two at once. SQLite: a writing transaction already holds the database's write lock. PostgreSQL: a
        transaction-level advisory lock on the name's hash. Take several in a fixed order (no deadlock)."""
        if self.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def _scrub(self, tables: tuple[str, ...]) -> bool:
        """After an erasure or the retention period (committed): remove what the database files still hold of the
        rows deleted or rewritten in ``tables``. Returns whether it completed; when it did not, it says so in the
        log and stays pending (``_scrub_pending``): the next retention run (daily, by whichever replica, or
        ``python -m nrdash retention``) does it again.

        - SQLite (secure_delete is on): VACUUM rewrites the file from the live rows only, then a TRUNCATE
          checkpoint writes the pages back and empties the WAL (it waits, up to the busy timeout, for the readers
          of an older snapshot).
        - PostgreSQL: VACUUM FULL rewrites each table and its TOAST into new files (a plain VACUUM can leave a
          deleted row's bytes in a page's free space: measured). It copies the row versions that a transaction
          older than the erasure may still read, so it first waits, up to ``SCRUB_WAIT``, for those to end; and it
          waits at most ``SCRUB_LOCK_TIMEOUT_MS`` for a table another transaction holds (a backup), rather than
          stopping every reader of that table behind its lock. WAL segments and backups keep the rows until they
          are recycled (docs/securite.md)."""
        done = self._scrub_postgresql(tables) if self.engine.dialect.name == "postgresql" else self._scrub_sqlite()
        if not done:
            log.warning("Effacement : des lectures plus anciennes occupaient la base ; les fichiers de la base "
                        "seront nettoyés à la prochaine application de la durée de conservation.")
        self._set_scrub_pending(not done)
        return done

    def _scrub_postgresql(self, tables: tuple[str, ...]) -> bool:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            started = conn.execute(sa.text("SELECT statement_timestamp()")).scalar()
            deadline = self._clock() + self.SCRUB_WAIT
            while conn.execute(_OLDER_READERS, {"started": started}).scalar():
                if self._clock() >= deadline:
                    return False
                self._sleep(0.2)
            conn.execute(sa.text(f"SET lock_timeout = {int(self.SCRUB_LOCK_TIMEOUT_MS)}"))
            try:
                for table in tables:
                    conn.execute(sa.text(f'VACUUM FULL "{table}"'))
            except sa.exc.OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available: pending, done later
                    raise
                return False
            finally:
                conn.execute(sa.text("RESET lock_timeout"))
        return True

    def _scrub_sqlite(self) -> bool:
        if not self.engine.url.database or self.engine.url.database == ":memory:":
            return True
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.execute("VACUUM")
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    def _set_scrub_pending(self, pending: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(maintenance.delete().where(maintenance.c.task == SCRUB_TASK))
            if pending:
                conn.execute(maintenance.insert().values(task=SCRUB_TASK, done_at=utcnow()))

    def _scrub_pending(self) -> bool:
        """Whether an erasure's scrub is still to be finished (the row of ``maintenance`` says since when)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(maintenance.c.task).where(maintenance.c.task == SCRUB_TASK)).first() \
                is not None

    def _insert(self, table: sa.Table):
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)
