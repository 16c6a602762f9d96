"""The shared, versioned census store: territories, published versions, personal data apart, accounts.

No Streamlit here. One database through SQLAlchemy: SQLite in ``NRDASH_DATA_DIR`` by default (WAL, one
transaction per publish), PostgreSQL when ``NRDASH_DATABASE_URL`` names one (``postgresql+psycopg://…``).
The schema is made and upgraded by the Alembic migrations of ``nrdash/migrations`` (``ensure_schema``, under
a lock: several replicas may start together).

A version keeps the original file's bytes, the placed census without its personal columns (Parquet, fast to
open), the validation report and who published it, when and why. Référent and Contact live in
``personal_data`` (version, row), so that an erasure request or the territory's retention period removes them
from every version; the original files they came from are then replaced by redacted copies, the original's
SHA-256 kept. Every user-facing message is French.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import fcntl
import gc
import hashlib
import io
import json
import os
import re
import secrets
import threading
import time
import unicodedata
import zipfile
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import questionnaire as quest
from . import referential as ref
from .census import Census, CensusError, Issue, Territory
from .placement import TerritoryInfo
from .sandbox import load_census_isolated
from .text import count_noun, thousands

ROOT = Path(__file__).resolve().parent.parent
URL_ENV, DIR_ENV = "NRDASH_DATABASE_URL", "NRDASH_DATA_DIR"
PAUSE_ENV = "NRDASH_TEST_PAUSE_IN_PUBLISH"  # tests only: a file path; publish creates it then waits inside its transaction
SAMPLE_CODE = "exemple"
SAMPLE_NAME = "Recensement d'exemple (fictif)"
ROLES = ref.ROLES
RETENTION_MONTHS = 24
MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW = 5, 20, dt.timedelta(minutes=15)
LIMITS = {"note": 2000, "author": 200, "reason": 2000, "email": 254, "file_name": 255, "label": 200}
FIELD_LABEL = {"note": "La note", "author": "Le nom de l'auteur", "reason": "La raison",
               "email": "L'adresse électronique", "file_name": "Le nom du fichier", "label": "Le libellé"}
for _key, (_label, _limit) in quest.TEXT_FIELDS.items():  # the questionnaire's text fields, defined once there
    LIMITS[f"q_{_key}"], FIELD_LABEL[f"q_{_key}"] = _limit, f"« {_label} »"
SUBMISSION_BURST, SUBMISSION_WINDOW = 20, dt.timedelta(minutes=10)  # answers per client address per window
QUESTIONNAIRE_AUTHOR = "questionnaire"  # the author key of the territory's shared draft of accepted answers
QUESTIONNAIRE_FILE = "recensement-questionnaire.xlsx"  # the shared draft's file name (and its version's)
_ADVISORY_KEY = 0x6E72646173680001  # "nrdash" + 1: PostgreSQL lock held while migrating


class StoreError(Exception):
    """A refused or impossible store operation; the message is French and says what to do."""


class PublishRefused(StoreError):
    """The census has rows in error and no reason was given to publish it anyway."""


class NewerVersion(StoreError):
    """Another version was published after the one the publisher last saw."""


class TooManySubmissions(StoreError):
    """Too many questionnaire answers from one client address in a short time (the message says how long to wait)."""


# ---------------------------------------------------------------------------------------------
# Schema as the code reads it (made by the migrations, never by metadata.create_all)
# ---------------------------------------------------------------------------------------------
metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)
territories = sa.Table(
    "territories", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(16), unique=True),
    sa.Column("name", sa.String(300)), sa.Column("anonymous_read", sa.Boolean),
    sa.Column("retention_months", sa.Integer), sa.Column("created_at", TZ),
)
versions = sa.Table(
    "versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("number", sa.Integer), sa.Column("created_at", TZ), sa.Column("author", sa.String(200)),
    sa.Column("note", sa.Text), sa.Column("force_reason", sa.Text), sa.Column("base_version", sa.Integer),
    sa.Column("restored_from", sa.Integer),
    sa.Column("file_name", sa.String(255)), sa.Column("file_bytes", sa.LargeBinary),
    sa.Column("file_sha256", sa.String(64)), sa.Column("original_sha256", sa.String(64)),
    sa.Column("redacted_at", TZ), sa.Column("redaction_note", sa.Text), sa.Column("sheet", sa.String(255)),
    sa.Column("actors_parquet", sa.LargeBinary), sa.Column("actions_parquet", sa.LargeBinary),
    sa.Column("census_territory", sa.Text), sa.Column("territory_info", sa.Text),
    sa.Column("territory_problem", sa.Text), sa.Column("issues", sa.Text),
    *(sa.Column(c, sa.Integer) for c in ("n_actors", "n_actions", "n_errors", "n_warnings", "n_error_rows")),
)
personal_data = sa.Table(
    "personal_data", metadata,
    sa.Column("version_id", sa.Integer, primary_key=True), sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("referent", sa.Text), sa.Column("contact", sa.Text),
)
workshop_tokens = sa.Table(
    "workshop_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("token_hash", sa.String(64)), sa.Column("label", sa.String(200)),
    sa.Column("created_by", sa.String(254)), sa.Column("created_at", TZ), sa.Column("revoked_at", TZ),
)
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(254)),
    sa.Column("email_key", sa.String(254)), sa.Column("password_hash", sa.String(255)),
    sa.Column("is_admin", sa.Boolean), sa.Column("created_at", TZ),
)
roles = sa.Table(
    "roles", metadata,
    sa.Column("user_id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(20)),
)
drafts = sa.Table(
    "drafts", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("author_key", sa.String(254)), sa.Column("author", sa.String(254)),
    sa.Column("base_version", sa.Integer), sa.Column("file_name", sa.String(255)),
    sa.Column("file_bytes", sa.LargeBinary), sa.Column("file_sha256", sa.String(64)), sa.Column("updated_at", TZ),
)
login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("email_key", sa.String(254)),
    sa.Column("client_ip", sa.String(64)), sa.Column("at", TZ), sa.Column("success", sa.Boolean),
)
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("created_at", TZ), sa.Column("client_key", sa.String(64)), sa.Column("origin", sa.String(20)),
    sa.Column("status", sa.String(20)), sa.Column("answer", sa.Text), sa.Column("name_key", sa.String(300)),
    sa.Column("match_ref", sa.String(400)), sa.Column("match_how", sa.String(20)), sa.Column("decision", sa.Text),
    sa.Column("reason", sa.Text), sa.Column("published_version", sa.Integer),
)
submission_contacts = sa.Table(
    "submission_contacts", metadata,
    sa.Column("submission_id", sa.Integer, primary_key=True), sa.Column("referent", sa.Text),
    sa.Column("contact", sa.Text),
)
submission_events = sa.Table(
    "submission_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("submission_id", sa.Integer), sa.Column("at", TZ),
    sa.Column("status", sa.String(20)), sa.Column("author", sa.String(254)), sa.Column("note", sa.Text),
)
questionnaire_settings = sa.Table(
    "questionnaire_settings", metadata,
    sa.Column("territory_id", sa.Integer, primary_key=True), sa.Column("open", sa.Boolean),
)

VERSION_META = ("number", "created_at", "author", "note", "force_reason", "base_version", "restored_from",
                "file_name", "file_sha256", "original_sha256", "redacted_at", "redaction_note", "n_actors",
                "n_actions", "n_errors", "n_warnings", "n_error_rows")


@dataclass(frozen=True)
class VersionInfo:
    number: int
    created_at: dt.datetime
    author: str
    note: str
    force_reason: str | None
    base_version: int | None
    restored_from: int | None
    file_name: str
    file_sha256: str
    original_sha256: str
    redacted_at: dt.datetime | None
    redaction_note: str | None
    n_actors: int
    n_actions: int
    n_errors: int
    n_warnings: int
    n_error_rows: int

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("created_at", "redacted_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass(frozen=True)
class Draft:
    """An editor's census in progress on a territory: the file as given, and the version it started from."""

    author: str
    file_name: str
    data: bytes
    sha256: str
    base_version: int | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class Submission:
    """A questionnaire answer as stored. ``answer``'s referent and contact are blank unless asked for."""

    id: int
    created_at: dt.datetime
    origin: str  # "formulaire" | "papier"
    status: str  # questionnaire.NEW | ACCEPTED | MERGED | REJECTED
    answer: "quest.Answer"
    match_ref: str | None  # the census actor it matched when it was sent
    match_how: str | None
    decision: "quest.Decision | None"
    reason: str | None
    published_version: int | None
    history: tuple[tuple[dt.datetime, str, str, str | None], ...] = ()  # (when, status, who, note)

    def as_dict(self, with_contacts: bool = False) -> dict[str, Any]:
        d = {"id": self.id, "recue_le": self.created_at.isoformat(), "origine": self.origin, "statut": self.status,
             "reponse": self.answer.public(), "acteur_correspondant": self.match_ref,
             "correspondance": self.match_how, "raison": self.reason, "version_publiee": self.published_version,
             "historique": [{"le": at.isoformat(), "statut": s, "par": who, "note": note}
                            for at, s, who, note in self.history]}
        if self.decision is not None:
            d["decision"] = json.loads(self.decision.to_json())
        if with_contacts:
            d["referent"], d["contact"] = self.answer.referent, self.answer.contact
        return d


@dataclass(frozen=True)
class PublishResult:
    number: int
    created: bool  # False: the bytes were those of the latest version, nothing new was stored
    version: VersionInfo


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fold(text: Any) -> str:
    """Case-, accent- and spacing-insensitive form, for matching a person's name or e-mail."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    return " ".join(s.split())


def check_text(value: str | None, field: str, required: bool = False) -> str:
    """The text as typed, or StoreError (French) when too long, missing or holding a NUL character."""
    value = "" if value is None else str(value)
    limit = LIMITS[field]
    if len(value) > limit:
        raise StoreError(f"{FIELD_LABEL[field]} fait {thousands(len(value))} caractères : "
                         f"{thousands(limit)} au plus. Raccourcissez-la puis réessayez.")
    if "\x00" in value:
        raise StoreError(f"{FIELD_LABEL[field]} contient un caractère nul (\\x00), refusé par la base : "
                         "retirez-le puis réessayez.")
    if required and not value.strip():
        raise StoreError(f"{FIELD_LABEL[field]} est vide : renseignez-la.")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> str:
    email = check_text(email, "email", required=True).strip()
    if not _EMAIL.match(email) or any(unicodedata.category(ch).startswith("C") for ch in email):
        raise StoreError(f"Adresse électronique invalide : « {email[:80]} ». Forme attendue : nom@domaine.fr.")
    return email


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return when.replace(year=year, month=month, day=min(when.day, days))


# ---------------------------------------------------------------------------------------------
# Frames <-> Parquet, same dtypes and Python values back
# ---------------------------------------------------------------------------------------------
def frame_to_parquet(df: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(df, preserve_index=False)
    dtypes = {c: str(df[c].dtype) for c in df.columns}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"nrdash_dtypes": json.dumps(dtypes).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _texts(arr: pa.Array) -> np.ndarray | None:
    """A text (or all-null) Arrow array as Python objects, None where null; None for another type. Dictionary-
    encoded text makes one Python string per distinct value."""
    if pa.types.is_null(arr.type):
        return np.full(len(arr), None, dtype=object)
    if _is_text(arr.type):
        return arr.to_numpy(zero_copy_only=False)
    if pa.types.is_dictionary(arr.type) and _is_text(arr.type.value_type):
        words = np.append(arr.dictionary.to_numpy(zero_copy_only=False).astype(object), None)
        return words[arr.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)]
    return None


def _object_chunk(arr: pa.Array) -> np.ndarray | None:
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        return _texts(arr)
    items = _texts(arr.values)
    if items is None:
        return None
    flat, bounds = items.tolist(), arr.offsets.to_numpy().tolist()
    out = np.empty(len(arr), dtype=object)
    # One list per row: the cyclic garbage collector, triggered again and again by so many new containers, would
    # traverse every object of the process each time; it is paused meanwhile (lists of text make no cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        out[:] = [flat[x:y] for x, y in zip(bounds, bounds[1:])]
    finally:
        if collecting:
            gc.enable()
    if arr.null_count:
        out[arr.is_null().to_numpy(zero_copy_only=False)] = None
    return out


def _object_column(column: pa.ChunkedArray) -> np.ndarray | None:
    """An object column's values as Python objects, built from Arrow in whole arrays: text as str, lists of text
    as lists (sliced from one flat list by the offsets), None where null. None for another type."""
    parts = [_object_chunk(chunk) for chunk in column.chunks]
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else np.concatenate(parts or [np.empty(0, dtype=object)])


def frame_from_parquet(data: bytes) -> pd.DataFrame:
    schema = pq.read_schema(pa.BufferReader(data))
    dtypes = json.loads(schema.metadata[b"nrdash_dtypes"])
    texts = [f.name for f in schema if dtypes.get(f.name) == "object" and _is_text(f.type)]
    table = pq.read_table(pa.BufferReader(data), read_dictionary=texts)  # as stored: one string per value
    fast = {c: v for c in table.column_names if dtypes.get(c) == "object"
            and (v := _object_column(table.column(c))) is not None}
    df = table.select([c for c in table.column_names if c not in fast]).to_pandas()
    for col, dtype in dtypes.items():
        if dtype != "object" or col in fast:
            continue
        values = df[col].to_numpy(dtype=object, na_value=None)
        if pa.types.is_list(table.schema.field(col).type):
            values = [None if v is None else list(v) for v in values]
        df[col] = pd.Series(values, dtype=object, index=df.index)
    for col, values in fast.items():
        df[col] = pd.Series(values, dtype=object, index=df.index)
    return df[table.column_names]


# ---------------------------------------------------------------------------------------------
# Geography (for territory codes and placement), loaded once
# ---------------------------------------------------------------------------------------------
_geo_lock = threading.Lock()
_geo_cache: list = []


def _geography():
    """The offline geography, or None when it is not installed."""
    from .geography import GeographyUnavailable, load_geography

    with _geo_lock:
        if not _geo_cache:
            try:
                _geo_cache.append(load_geography(build_if_missing=False))
            except GeographyUnavailable:
                return None
        return _geo_cache[0]


def territory_label(code: str) -> str:
    """The territory's name from the offline geography, or StoreError when the code is not a known one."""
    code = (code or "").strip()
    if code == SAMPLE_CODE:
        return SAMPLE_NAME
    if not re.fullmatch(r"\d{9}|[0-9][0-9AB][0-9]{3}", code):
        raise StoreError(f"Code de territoire « {code[:40]} » invalide : donnez le SIREN d'un EPCI (9 chiffres) ou le "
                         "code INSEE d'une commune (5 caractères, par exemple 17300 ou 2A004).")
    geo = _geography()
    if geo is None:
        from .geography import INSTALL_HINT

        raise StoreError(f"Géographie hors ligne absente : impossible de vérifier le code {code}. {INSTALL_HINT}")
    from .placement import territory_info

    info = territory_info(geo, "epci" if len(code) == 9 else "commune", code)
    if info is None:
        kind = "SIREN d'EPCI" if len(code) == 9 else "code INSEE de commune"
        raise StoreError(f"Territoire inconnu : {kind} {code} absent du découpage administratif. Vérifiez le code.")
    return info.label


# ---------------------------------------------------------------------------------------------
# Engine, migrations
# ---------------------------------------------------------------------------------------------
def data_dir() -> Path:
    return Path(os.environ.get(DIR_ENV) or ROOT / "instance").expanduser()


def database_url() -> str:
    url = os.environ.get(URL_ENV, "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'nrdash.db'}"


def _make_engine(url: str) -> Engine:
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
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        # A writer takes the database's write lock at once: no two publishers read the same last number.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
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


@contextmanager
def _null() -> Iterator[None]:
    yield


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


# ---------------------------------------------------------------------------------------------
# Loading cache: versions are immutable, their non-personal content is cached per process
# ---------------------------------------------------------------------------------------------
_CACHE_SIZE = 16
_cache: OrderedDict[tuple, Any] = OrderedDict()
# An editor's Dataset (Référent and Contact joined back), per version, with the stamp of the version's personal data
# (its file's SHA-256 and redaction time, which every erasure and expiry changes): a changed stamp replaces the
# entry, so erased data are never served again; an editor's rerun reuses one object instead of joining 10,000 rows.
_personal_cache: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def _with_personal(census: Census, rows) -> Census:
    """The census with Référent and Contact joined back from its personal rows (by workbook row), before
    « Date de mise à jour » as in the template."""
    by_row = {r.row: r for r in rows}
    actors = census.actors.copy()
    for col in ref.PERSONAL_FIELDS:
        values = [getattr(by_row[r], col) if r in by_row else None for r in actors["row"]]
        actors.insert(actors.columns.get_loc("updated"), col, pd.Series(values, dtype=object, index=actors.index))
    return dataclasses.replace(census, actors=actors)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _personal_cache.clear()


# ---------------------------------------------------------------------------------------------
# Redacting an original file
# ---------------------------------------------------------------------------------------------
def _personal_columns(rows: list[list[Any]]) -> list[int]:
    """0-based column indexes of Référent and Contact in a sheet, found as the census reader finds them."""
    from .census import _find_header
    from .workbook import RawSheet

    found = _find_header(RawSheet("", rows), ref.ACTOR_COLUMNS)
    if found is None:
        return []
    return [j for j, f in found[1].items() if f in ref.PERSONAL_FIELDS]


def redact_file(data: bytes, file_name: str, sheet: str, excel_rows: set[int] | None,
                fallback: Census | None = None) -> tuple[bytes, str, str | None]:
    """The file with Référent and Contact blanked on the given rows (all rows when None).

    Returns (bytes, file name, note). .xlsx and .csv keep their format; .xls and .ods (which nrdash does not
    write) become the census re-written as .xlsx from ``fallback``, and the note says so.
    """
    from .workbook import decode_text, sniff_delimiter

    kind = _file_kind(data, file_name)
    if kind == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), keep_vba=file_name.lower().endswith(".xlsm"))
        if sheet in wb.sheetnames:
            ws = wb[sheet]
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=30, values_only=True)]
            cols, hidx = _personal_columns(head), _header_index(head)
            if cols and hidx is not None:
                targets = range(hidx + 2, ws.max_row + 1) if excel_rows is None else \
                    sorted(r for r in excel_rows if r > hidx + 1)
                for r in targets:
                    for j in cols:
                        ws.cell(row=r, column=j + 1).value = None
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), file_name, None
    if kind == "csv":
        text = decode_text(data)
        delim = sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        records: list[tuple[int, list[str]]] = []
        start = 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
        by_line: list[list[Any]] = []
        for line, record in records:
            while len(by_line) < line - 1:
                by_line.append([])
            by_line.append([c if c != "" else None for c in record])
        cols, hidx = _personal_columns(by_line[:30]), _header_index(by_line[:30])
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=delim, lineterminator="\r\n")
        for line, record in records:
            hit = hidx is not None and line > hidx + 1 and (excel_rows is None or line in excel_rows)
            writer.writerow(["" if hit and j in cols else v for j, v in enumerate(record)])
        return out.getvalue().encode("utf-8-sig"), file_name, None
    if fallback is None:
        raise StoreError(f"Impossible d'expurger « {file_name} » : format {kind} non réécrit.")
    from .template import census_to_xlsx

    stem = PurePath(file_name).stem or "recensement"
    note = (f"Copie expurgée écrite au format .xlsx depuis le recensement normalisé : nrdash ne réécrit pas le "
            f"format .{kind} du fichier d'origine « {file_name} ».")
    return census_to_xlsx(fallback, with_contacts=True), f"{stem}-expurge.xlsx", note


def _file_kind(data: bytes, file_name: str) -> str:
    """'xlsx', 'ods', 'xls' or 'csv', as the census reader decides it."""
    from .workbook import Limits, check_zip, detect_format

    kind = detect_format(data, file_name)
    return check_zip(data, Limits()) if kind == "zip" else kind


def _header_index(rows: list[list[Any]]) -> int | None:
    from .census import _find_header
    from .workbook import RawSheet

    found = _find_header(RawSheet("", rows), ref.ACTOR_COLUMNS)
    return None if found is None else found[0]


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------
class Store:
    """One instance's database. ``Store()`` reads NRDASH_DATABASE_URL / NRDASH_DATA_DIR, migrates the schema
    (under a lock) and seeds the fictional sample under the reserved code « exemple » on a fresh store."""

    def __init__(self, url: str | None = None, *, migrate: bool = True, seed_sample: bool = True):
        self.url = url or database_url()
        self.engine = _make_engine(self.url)
        self._key = self.engine.url.render_as_string(hide_password=True)
        if migrate:
            self.ensure_schema(seed_sample)

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ------------------------------------------------------------------------------
    def ensure_schema(self, seed_sample: bool = True) -> str | None:
        revision = upgrade_schema(self.engine)
        if seed_sample:
            self.seed_sample()
        return revision

    def seed_sample(self) -> int | None:
        """Publish the fictional sample under « exemple » when that territory has no version yet."""
        with self._read() as conn:
            if conn.execute(sa.select(territories.c.id).where(territories.c.code == SAMPLE_CODE)).first():
                return None
        from .dataset import SAMPLE_PATH

        return self.publish(SAMPLE_CODE, SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, author="nrdash",
                            note="Recensement fictif livré avec nrdash.").number

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    def _insert(self, table: sa.Table):
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def _lock_territory(self, conn: Connection, code: str, create: bool) -> Any:
        """The territory's row, locked until the transaction ends (created when asked and unknown)."""
        if create:
            row = conn.execute(sa.select(territories.c.id).where(territories.c.code == code)).first()
            if row is None:
                name = territory_label(code)
                conn.execute(self._insert(territories).values(
                    code=code, name=name, anonymous_read=True, retention_months=RETENTION_MONTHS,
                    created_at=utcnow()).on_conflict_do_nothing(index_elements=["code"]))
        row = conn.execute(sa.select(territories).where(territories.c.code == code).with_for_update()).first()
        if row is None:
            raise StoreError(f"Territoire « {code[:40]} » absent de cette instance : publiez-y d'abord un recensement.")
        return row

    def _territory_row(self, conn: Connection, code: str) -> Any:
        row = conn.execute(sa.select(territories).where(territories.c.code == code)).first()
        if row is None:
            raise StoreError(f"Territoire « {str(code)[:40]} » absent de cette instance.")
        return row

    # -- territories ---------------------------------------------------------------------------
    def territories(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(territories).order_by(territories.c.code))]

    def readable_territories(self, email: str | None) -> list[tuple[str, str]]:
        """(code, name) of the territories a person may read, in one query: those open to anonymous reading,
        those where the account has a role, every one for an instance administrator."""
        q = sa.select(territories.c.code, territories.c.name).order_by(territories.c.name)
        with self._read() as conn:
            user = None
            if email:
                user = conn.execute(sa.select(users.c.id, users.c.is_admin).where(
                    users.c.email_key == str(email).strip().casefold())).first()
            if user is None:
                q = q.where(territories.c.anonymous_read.is_(True))
            elif not user.is_admin:
                q = q.where(sa.or_(territories.c.anonymous_read.is_(True), territories.c.id.in_(
                    sa.select(roles.c.territory_id).where(roles.c.user_id == user.id))))
            return [(r.code, r.name) for r in conn.execute(q)]

    def territory(self, code: str) -> dict[str, Any]:
        with self._read() as conn:
            return dict(self._territory_row(conn, code)._mapping)

    def set_territory(self, code: str, *, anonymous_read: bool | None = None,
                      retention_months: int | None = None) -> None:
        values: dict[str, Any] = {}
        if anonymous_read is not None:
            values["anonymous_read"] = bool(anonymous_read)
        if retention_months is not None:
            if not 1 <= int(retention_months) <= 240:
                raise StoreError("Durée de conservation des données personnelles invalide : entre 1 et 240 mois.")
            values["retention_months"] = int(retention_months)
        with self._write() as conn:
            row = self._lock_territory(conn, code, create=False)
            if values:
                conn.execute(territories.update().where(territories.c.id == row.id).values(**values))

    # -- publishing ----------------------------------------------------------------------------
    def publish(self, territory: str, data: bytes, file_name: str, *, author: str = "", note: str = "",
                force_reason: str | None = None, base_version: int | None = None,
                expected_latest: int | None = None) -> PublishResult:
        """Check, place and store a census as the territory's next version (one transaction).

        Raises StoreError for an unusable file or an unknown territory, PublishRefused when rows are in error
        and no reason is given, NewerVersion when ``expected_latest`` is given and another version was published
        since (the person confirmed what they saw: nothing is lost silently). Bytes identical to the latest
        version's original store nothing new.
        """
        territory = (territory or "").strip()
        author, note = check_text(author, "author"), check_text(note, "note")
        file_name = check_text(PurePath(file_name or "recensement").name, "file_name") or "recensement"
        if force_reason is not None:
            force_reason = check_text(force_reason, "reason").strip() or None
        territory_label(territory)  # the code is checked before the file is read
        try:
            census = load_census_isolated(bytes(data), file_name)  # a hostile file costs a worker, never us
        except CensusError as exc:
            raise StoreError(f"Fichier inutilisable : {exc}") from None
        from .dataset import prepare
        from .placement import territory_info

        geo = _geography()
        home = None  # a census without a Territoire sheet is about the territory it is published to
        if geo is not None and territory != SAMPLE_CODE:
            home = territory_info(geo, "epci" if len(territory) == 9 else "commune", territory)
        ds = prepare(census, "store", geo, home)
        census = ds.census
        n_error_rows = int(census.actors["has_error"].sum())
        if n_error_rows and not force_reason:
            raise PublishRefused(
                f"Publication refusée : {count_noun(n_error_rows, 'ligne')} en erreur "
                f"({count_noun(len(census.errors), 'erreur')}). "
                "Corrigez le fichier, ou publiez-le quand même en donnant la raison (--forcer-erreurs RAISON).")
        content = self._content(census, ds.territory, ds.territory_problem)
        personal = self._personal_rows(census.actors)
        digest = sha256(bytes(data))
        values = dict(author=author, note=note, force_reason=force_reason if n_error_rows else None,
                      base_version=base_version, restored_from=None, file_name=file_name, file_bytes=bytes(data),
                      file_sha256=digest, original_sha256=digest, redacted_at=None, redaction_note=None, **content)
        return self._store_version(territory, values, personal, create=True, expected_latest=expected_latest)

    @staticmethod
    def _content(census: Census, info: TerritoryInfo | None, problem: str | None) -> dict[str, Any]:
        actors = census.actors.drop(columns=[c for c in ref.PERSONAL_FIELDS if c in census.actors])
        return dict(
            sheet=census.sheet, actors_parquet=frame_to_parquet(actors),
            actions_parquet=frame_to_parquet(census.actions),
            census_territory=json.dumps(dataclasses.asdict(census.territory), ensure_ascii=False),
            territory_info=json.dumps(dataclasses.asdict(info), ensure_ascii=False) if info else None,
            territory_problem=problem,
            issues=json.dumps([i.as_dict() for i in census.issues], ensure_ascii=False),
            n_actors=len(census.actors), n_actions=len(census.actions), n_errors=len(census.errors),
            n_warnings=len(census.warnings), n_error_rows=int(census.actors["has_error"].sum()))

    @staticmethod
    def _personal_rows(actors: pd.DataFrame) -> list[dict[str, Any]]:
        cols = [c for c in ref.PERSONAL_FIELDS if c in actors]
        out = []
        for rec in actors[["row", *cols]].itertuples(index=False):
            values = {c: getattr(rec, c) for c in cols}
            values = {c: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v))
                      for c, v in values.items()}
            if any(values.values()):
                out.append({"row": int(rec.row), "referent": values.get("referent"),
                            "contact": values.get("contact")})
        return out

    def _store_version(self, territory: str, values: dict[str, Any], personal: list[dict[str, Any]],
                       create: bool, created_at: dt.datetime | None = None, number: int | None = None,
                       expected_latest: int | None = None) -> PublishResult:
        for attempt in range(5):
            try:
                with self._write() as conn:
                    trow = self._lock_territory(conn, territory, create)
                    latest = conn.execute(
                        sa.select(versions).where(versions.c.territory_id == trow.id)
                        .order_by(versions.c.number.desc()).limit(1)).first()
                    if expected_latest is not None and (latest.number if latest else 0) != expected_latest:
                        raise NewerVersion(
                            f"La version {latest.number if latest else 0} a été publiée pendant que vous prépariez "
                            f"la vôtre (vous aviez vu la version {expected_latest}) : relisez ce qu'elle change, "
                            "puis publiez de nouveau.")
                    if number is None and latest is not None and latest.original_sha256 == values["original_sha256"]:
                        return PublishResult(latest.number, False, self._info(latest))
                    n = number if number is not None else (latest.number + 1 if latest else 1)
                    vid = conn.execute(versions.insert().values(
                        territory_id=trow.id, number=n, created_at=created_at or utcnow(), **values)
                        .returning(versions.c.id)).scalar_one()
                    _pause_for_tests()
                    if personal:
                        conn.execute(personal_data.insert(), [{"version_id": vid, **p} for p in personal])
                    row = conn.execute(sa.select(versions).where(versions.c.id == vid)).one()
                    return PublishResult(n, True, self._info(row))
            except sa.exc.IntegrityError:
                if number is not None or attempt == 4:
                    raise StoreError(f"Version {number} déjà présente pour le territoire {territory}.") from None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def restore(self, territory: str, number: int, *, author: str = "", note: str = "") -> PublishResult:
        """Publish version ``number``'s content again as a new version (history is never rewritten)."""
        author, note = check_text(author, "author"), check_text(note, "note")
        with self._read() as conn:
            old = self._version_row(conn, territory, number)
            personal = [dict(r._mapping) for r in conn.execute(
                sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                .where(personal_data.c.version_id == old.id))]
        values = {c: getattr(old, c) for c in (
            "file_name", "file_bytes", "file_sha256", "original_sha256", "redacted_at", "redaction_note", "sheet",
            "actors_parquet", "actions_parquet", "census_territory", "territory_info", "territory_problem", "issues",
            "n_actors", "n_actions", "n_errors", "n_warnings", "n_error_rows", "force_reason")}
        values.update(author=author, note=note or f"Restauration de la version {old.number}.", base_version=None,
                      restored_from=old.number)
        return self._store_version(territory, values, personal, create=False)

    # -- reading -------------------------------------------------------------------------------
    @staticmethod
    def _info(row: Any) -> VersionInfo:
        m = row._mapping
        d = {k: m[k] for k in VERSION_META}
        d["created_at"], d["redacted_at"] = _utc(d["created_at"]), _utc(d["redacted_at"])
        return VersionInfo(**d)

    def versions(self, territory: str) -> list[VersionInfo]:
        cols = [versions.c[k] for k in VERSION_META]
        with self._read() as conn:
            trow = self._territory_row(conn, territory)
            rows = conn.execute(sa.select(*cols).where(versions.c.territory_id == trow.id)
                                .order_by(versions.c.number))
            return [self._info(r) for r in rows]

    def _version_row(self, conn: Connection, territory: str, number: int | None, *columns) -> Any:
        trow = self._territory_row(conn, territory)
        q = sa.select(*(columns or (versions,))).where(versions.c.territory_id == trow.id)
        q = q.where(versions.c.number == int(number)) if number is not None else \
            q.order_by(versions.c.number.desc()).limit(1)
        row = conn.execute(q).first()
        if row is None:
            raise StoreError(f"Version {number} introuvable pour le territoire {territory}." if number is not None
                             else f"Le territoire {territory} n'a encore aucune version publiée.")
        return row

    def original(self, territory: str, number: int) -> tuple[str, bytes]:
        """(file name, bytes) of a version's file as published (its redacted copy after an erasure).
        For editors and administrators only: it holds personal data."""
        with self._read() as conn:
            row = self._version_row(conn, territory, number, versions.c.file_name, versions.c.file_bytes)
        return row.file_name, bytes(row.file_bytes)

    def issues(self, territory: str, number: int | None = None) -> list[Issue]:
        with self._read() as conn:
            row = self._version_row(conn, territory, number, versions.c.issues)
        return [Issue(**d) for d in json.loads(row.issues)]

    def open_version(self, territory: str, number: int | None = None, *, personal: bool = False):
        """The version as the dashboard's Dataset (latest when ``number`` is None), from Parquet, cached per
        process. A viewer's Dataset has no Référent/Contact columns and this does not read ``personal_data``;
        ``personal=True`` (editors) joins them back."""
        from .dataset import Dataset

        with self._read() as conn:
            head = self._version_row(conn, territory, number, versions.c.id, versions.c.number,
                                     versions.c.original_sha256, versions.c.file_sha256, versions.c.redacted_at)
            key = (self._key, territory, head.number, head.id, head.original_sha256)
            with _cache_lock:
                ds = _cache.get(key)
                if ds is not None:
                    _cache.move_to_end(key)
            if ds is None:
                row = conn.execute(sa.select(versions).where(versions.c.id == head.id)).one()
                ds = self._dataset(row)
                with _cache_lock:
                    _cache[key] = ds
                    while len(_cache) > _CACHE_SIZE:
                        _cache.popitem(last=False)
            if not personal:
                return ds
            stamp = (head.file_sha256, head.redacted_at)
            with _cache_lock:
                hit = _personal_cache.get(key)
                if hit is not None and hit[0] == stamp:
                    _personal_cache.move_to_end(key)
                    return hit[1]
            rows = conn.execute(sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                                .where(personal_data.c.version_id == head.id)).all()
        joined = Dataset(_with_personal(ds.census, rows), "store", ds.territory, ds.territory_problem)
        with _cache_lock:
            _personal_cache[key] = (stamp, joined)  # replaces an older stamp's entry: erased data dropped
            _personal_cache.move_to_end(key)
            while len(_personal_cache) > _CACHE_SIZE:
                _personal_cache.popitem(last=False)
        return joined

    @staticmethod
    def _dataset(row: Any):
        from .dataset import Dataset

        info = None
        if row.territory_info:
            d = json.loads(row.territory_info)
            d["members"], d["obligations"] = tuple(d["members"]), tuple(d["obligations"])
            info = TerritoryInfo(**d)
        census = Census(actors=frame_from_parquet(row.actors_parquet), actions=frame_from_parquet(row.actions_parquet),
                        territory=Territory(**json.loads(row.census_territory)),
                        issues=[Issue(**d) for d in json.loads(row.issues)], file_name=row.file_name,
                        sha256=row.original_sha256, sheet=row.sheet,
                        loaded_at=_utc(row.created_at).astimezone().replace(tzinfo=None, microsecond=0))
        return Dataset(census, "store", info, row.territory_problem)

    # -- drafts ----------------------------------------------------------------------------------
    def save_draft(self, territory: str, author: str, data: bytes, file_name: str,
                   base_version: int | None) -> Draft:
        """Keep ``data`` as ``author``'s draft on the territory (replacing theirs): only they see it, until they
        publish or discard it. ``base_version`` is the published version it started from."""
        author = check_email(author)
        file_name = check_text(PurePath(file_name or "recensement").name, "file_name") or "recensement"
        data = bytes(data)
        now = utcnow()
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            key = author.casefold()
            conn.execute(drafts.delete().where(drafts.c.territory_id == trow.id, drafts.c.author_key == key))
            conn.execute(drafts.insert().values(
                territory_id=trow.id, author_key=key, author=author, base_version=base_version,
                file_name=file_name, file_bytes=data, file_sha256=sha256(data), updated_at=now))
        return Draft(author, file_name, data, sha256(data), base_version, now)

    def draft(self, territory: str, author: str, *, data: bool = True) -> Draft | None:
        """``author``'s draft on the territory; ``data=False``: without the file's bytes (``data`` is b""), for a
        caller that only needs to know whether it changed (its SHA-256) before reading it."""
        cols = [drafts.c[k] for k in ("author", "file_name", "file_sha256", "base_version", "updated_at")]
        if data:
            cols.append(drafts.c.file_bytes)
        with self._read() as conn:
            row = conn.execute(sa.select(*cols).join(territories, territories.c.id == drafts.c.territory_id).where(
                territories.c.code == territory, drafts.c.author_key == str(author).strip().casefold())).first()
        if row is None:
            return None
        return Draft(row.author, row.file_name, bytes(row.file_bytes) if data else b"", row.file_sha256,
                     row.base_version, _utc(row.updated_at))

    def discard_draft(self, territory: str, author: str) -> bool:
        with self._write() as conn:
            trow = conn.execute(sa.select(territories.c.id).where(territories.c.code == territory)).first()
            if trow is None:
                return False
            return conn.execute(drafts.delete().where(
                drafts.c.territory_id == trow.id, drafts.c.author_key == str(author).strip().casefold())
                ).rowcount > 0

    def publish_draft(self, territory: str, author: str, *, note: str = "", force_reason: str | None = None,
                      expected_latest: int | None = None, published_by: str | None = None) -> PublishResult:
        """Publish ``author``'s draft as the territory's next version, then drop the draft. ``published_by``: the
        version's author when it is not the draft's (the questionnaire's shared draft)."""
        d = self.draft(territory, author)
        if d is None:
            raise StoreError("Aucun brouillon à publier : chargez ou modifiez d'abord un recensement.")
        result = self.publish(territory, d.data, d.file_name, author=published_by or d.author, note=note,
                              force_reason=force_reason, base_version=d.base_version,
                              expected_latest=expected_latest)
        with self._write() as conn:  # only the draft that was published (not one saved meanwhile)
            conn.execute(drafts.delete().where(drafts.c.author_key == str(author).strip().casefold(),
                                               drafts.c.file_sha256 == d.sha256,
                                               drafts.c.territory_id == sa.select(territories.c.id).where(
                                                   territories.c.code == territory).scalar_subquery()))
        return result

    def _drop_drafts_mentioning(self, conn: Connection, territory_id: int, matches) -> int:
        """Drafts are working copies: one that holds a matching Référent/Contact is deleted whole (an erasure
        reaches it too). An unreadable draft is deleted as well: it cannot be checked."""
        dropped = 0
        for d in conn.execute(sa.select(drafts).where(drafts.c.territory_id == territory_id)).all():
            try:
                actors = load_census_isolated(bytes(d.file_bytes), d.file_name).actors
                hit = any(matches(v) for c in ref.PERSONAL_FIELDS if c in actors
                          for v in actors[c].dropna().astype(str))
            except Exception:
                hit = True
            if hit:
                conn.execute(drafts.delete().where(drafts.c.id == d.id))
                dropped += 1
        return dropped

    # -- personal data -------------------------------------------------------------------------
    def erase_person(self, territory: str, text: str, *, now: dt.datetime | None = None) -> int:
        """Remove every Référent/Contact matching ``text`` (case and accents ignored; a whole value or whole
        words inside it) from every version of the territory and from its questionnaire answers, and redact the
        original files. Returns the number of versions and answers changed."""
        wanted = fold(check_text(text, "note", required=True))
        if len(wanted) < 3:
            raise StoreError("Texte à effacer trop court (3 caractères au moins) : donnez le nom ou l'adresse.")
        pattern = re.compile(r"(?<![\w@.-])" + re.escape(wanted) + r"(?![\w@-])")

        def matches(value: str | None) -> bool:
            return bool(value) and bool(pattern.search(fold(value)))

        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            rows = conn.execute(
                sa.select(personal_data.c.version_id, personal_data.c.row, personal_data.c.referent,
                          personal_data.c.contact)
                .join(versions, versions.c.id == personal_data.c.version_id)
                .where(versions.c.territory_id == trow.id)).all()
            hits: dict[int, set[int]] = {}
            for r in rows:
                if matches(r.referent) or matches(r.contact):
                    hits.setdefault(r.version_id, set()).add(r.row)
            self._redact(conn, hits, now or utcnow(), "effacement demandé")
            self._drop_drafts_mentioning(conn, trow.id, matches)
            answers = self._erase_submission_contacts(conn, trow.id, matches)
        return len(hits) + answers

    def apply_retention(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Remove the personal data of versions older than their territory's retention period (months), and the
        referent and contact of questionnaire answers received before it. Returns {territory code: versions and
        answers changed}."""
        now = _utc(now) or utcnow()
        done: dict[str, int] = {}
        with self._write() as conn:
            for t in conn.execute(sa.select(territories)).all():
                cutoff = _add_months(now, -int(t.retention_months))
                old = conn.execute(
                    sa.select(personal_data.c.version_id).distinct()
                    .join(versions, versions.c.id == personal_data.c.version_id)
                    .where(versions.c.territory_id == t.id, versions.c.created_at < cutoff)).scalars().all()
                if old:
                    self._redact(conn, {vid: None for vid in old}, now,
                                 f"durée de conservation ({t.retention_months} mois) écoulée")
                    done[t.code] = len(old)
                conn.execute(drafts.delete().where(drafts.c.territory_id == t.id, drafts.c.updated_at < cutoff))
                answers = self._expire_submission_contacts(conn, t.id, cutoff)
                if answers:
                    done[t.code] = done.get(t.code, 0) + answers
        return done

    def _redact(self, conn: Connection, hits: dict[int, set[int] | None], now: dt.datetime, why: str) -> None:
        with _cache_lock:  # this process's copies of these versions' personal data go at once (others: next read)
            for key in [k for k in _personal_cache if k[0] == self._key and k[3] in hits]:
                del _personal_cache[key]
        for vid, rows in hits.items():
            v = conn.execute(sa.select(versions).where(versions.c.id == vid)).one()
            q = personal_data.delete().where(personal_data.c.version_id == vid)
            conn.execute(q if rows is None else q.where(personal_data.c.row.in_(sorted(rows))))
            fallback = None if _file_kind(bytes(v.file_bytes), v.file_name) in ("xlsx", "csv") else \
                self._redacted_census(conn, v)
            try:
                data, name, note = redact_file(bytes(v.file_bytes), v.file_name, v.sheet, rows, fallback)
            except StoreError:
                raise
            except Exception:  # a file openpyxl cannot rewrite: the normalised census, re-written
                from .template import census_to_xlsx

                data = census_to_xlsx(self._redacted_census(conn, v), with_contacts=True)
                name = f"{PurePath(v.file_name).stem}-expurge.xlsx"
                note = f"Copie expurgée réécrite au format .xlsx depuis le recensement normalisé (« {v.file_name} » " \
                       "n'a pas pu être réécrit tel quel)."
            history = f"{now.date().isoformat()} : {why}, données personnelles retirées ; SHA-256 du fichier " \
                      f"d'origine : {v.original_sha256}."
            conn.execute(versions.update().where(versions.c.id == vid).values(
                file_bytes=data, file_sha256=sha256(data), file_name=name, redacted_at=now,
                redaction_note="\n".join(filter(None, [v.redaction_note, note, history]))))

    def _redacted_census(self, conn: Connection, v: Any) -> Census:
        """The version's census with the personal data left in the table (after the deletes above)."""
        return _with_personal(self._dataset(v).census, conn.execute(
            sa.select(personal_data).where(personal_data.c.version_id == v.id)))

    def personal_rows(self, territory: str, number: int) -> list[dict[str, Any]]:
        with self._read() as conn:
            row = self._version_row(conn, territory, number, versions.c.id)
            return [dict(r._mapping) for r in conn.execute(
                sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                .where(personal_data.c.version_id == row.id).order_by(personal_data.c.row))]

    # -- export / import -----------------------------------------------------------------------
    def export_territory(self, territory: str) -> bytes:
        """A zip: every version's file (as stored), its normalised content and personal rows; the territory's
        objectives, manual actor pairings and questionnaire answers (their statuses, history and personal data);
        and manifest.json (settings, SHA-256s, notes, authors, dates, issues). For editors and administrators only.
        Drafts are not in it (unpublished work; the questionnaire's shared draft comes back as the pending decisions
        of its answers)."""
        buf = io.BytesIO()
        with self._read() as conn, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            trow = self._territory_row(conn, territory)
            is_open = conn.execute(sa.select(questionnaire_settings.c.open).where(
                questionnaire_settings.c.territory_id == trow.id)).scalar()
            manifest: dict[str, Any] = {
                "format": EXPORT_FORMAT, "format_version": EXPORT_VERSION, "exported_at": utcnow().isoformat(),
                "schema_revision": head_revision(),
                "territory": {"code": trow.code, "name": trow.name, "anonymous_read": trow.anonymous_read,
                              "retention_months": trow.retention_months,
                              "created_at": _utc(trow.created_at).isoformat(),
                              "questionnaire_open": None if is_open is None else bool(is_open)},
                "versions": [], "files": {}}
            for v in conn.execute(sa.select(versions).where(versions.c.territory_id == trow.id)
                                  .order_by(versions.c.number)):
                d = self._info(v).as_dict()
                folder = f"versions/{v.number:04d}"
                safe = re.sub(r"[^\w.\- ]", "_", v.file_name) or "recensement"
                personal = [dict(r._mapping) for r in conn.execute(
                    sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                    .where(personal_data.c.version_id == v.id).order_by(personal_data.c.row))]
                personal_json = json.dumps(personal, ensure_ascii=False).encode()
                d.update(file=f"{folder}/fichier/{safe}", actors=f"{folder}/acteurs.parquet",
                         actions=f"{folder}/actions.parquet", personal=f"{folder}/donnees-personnelles.json",
                         sheet=v.sheet, census_territory=json.loads(v.census_territory),
                         territory_info=json.loads(v.territory_info) if v.territory_info else None,
                         territory_problem=v.territory_problem, issues=json.loads(v.issues),
                         actors_sha256=sha256(v.actors_parquet), actions_sha256=sha256(v.actions_parquet),
                         personal_sha256=sha256(personal_json))
                zf.writestr(d["file"], bytes(v.file_bytes))
                zf.writestr(d["actors"], bytes(v.actors_parquet))
                zf.writestr(d["actions"], bytes(v.actions_parquet))
                zf.writestr(d["personal"], personal_json)
                manifest["versions"].append(d)
            for name, rows in _export_kept(conn, trow.id).items():
                blob = json.dumps(rows, ensure_ascii=False, indent=1).encode()
                zf.writestr(name, blob)
                manifest["files"][name] = sha256(blob)
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        return buf.getvalue()

    def import_territory(self, data: bytes) -> tuple[str, int]:
        """Import an export into this instance, where the territory must have no version. Same numbers, same
        bytes (every SHA-256 checked before anything is written), with the objectives, pairings, questionnaire
        answers and settings of a format 2 archive (format 1 archives carry versions only). Returns (territory
        code, versions imported)."""
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            manifest = json.loads(zf.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, ValueError):
            raise StoreError("Archive d'export illisible : un fichier .zip produit par « export-territoire » "
                             "(avec son manifest.json) est attendu.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
            raise StoreError("Cette archive n'est pas un export de territoire nrdash (manifest.json).")
        fmt = manifest.get("format_version")
        if fmt not in (1, EXPORT_VERSION):
            raise StoreError(f"Archive au format {str(fmt)[:20]} : cette version de nrdash lit les formats 1 à "
                             f"{EXPORT_VERSION}. Mettez nrdash à jour, ou refaites l'export depuis la même version.")
        t = manifest["territory"]
        code = t["code"]
        with self._read() as conn:
            row = conn.execute(sa.select(territories.c.id).where(territories.c.code == code)).first()
            if row is not None and conn.execute(sa.select(sa.func.count()).select_from(versions)
                                                .where(versions.c.territory_id == row.id)).scalar():
                raise StoreError(f"Le territoire {code} a déjà des versions dans cette instance : importez-le dans "
                                 "une instance neuve.")
            if row is not None and fmt >= 2:
                for table, what in ((objectives_table, "des objectifs"), (actor_pairings, "des appariements"),
                                    (submissions, "des réponses au questionnaire")):
                    if conn.execute(sa.select(sa.func.count()).select_from(table)
                                    .where(table.c.territory_id == row.id)).scalar():
                        raise StoreError(f"Le territoire {code} a déjà {what} dans cette instance : importez-le "
                                         "dans une instance neuve.")
        prepared = []
        for d in manifest["versions"]:
            try:
                blob, actors, actions = zf.read(d["file"]), zf.read(d["actors"]), zf.read(d["actions"])
                personal_json = zf.read(d["personal"])
            except KeyError as exc:
                raise StoreError(f"Archive incomplète : {exc.args[0]} manque (version {d.get('number')}).") from None
            checks = [("fichier", sha256(blob), d["file_sha256"]), ("contenu", sha256(actors), d["actors_sha256"]),
                      ("actions", sha256(actions), d["actions_sha256"])]
            if fmt >= 2:
                checks.append(("fichier des données personnelles", sha256(personal_json), d.get("personal_sha256")))
            for what, got, want in checks:
                if got != want:
                    raise StoreError(f"Archive altérée : le {what} de la version {d['number']} n'a pas le SHA-256 "
                                     "du manifeste. Refaites l'export.")
            try:
                personal = json.loads(personal_json)
            except ValueError:
                raise StoreError(f"Archive illisible : {d['personal']} n'est pas du JSON (version "
                                 f"{d['number']}).") from None
            values = {k: d[k] for k in VERSION_META if k not in ("number", "created_at", "redacted_at")}
            values.update(redacted_at=_parse_time(d["redacted_at"]), file_bytes=blob, sheet=d["sheet"],
                          actors_parquet=actors, actions_parquet=actions,
                          census_territory=json.dumps(d["census_territory"], ensure_ascii=False),
                          territory_info=json.dumps(d["territory_info"], ensure_ascii=False)
                          if d["territory_info"] else None,
                          territory_problem=d["territory_problem"],
                          issues=json.dumps(d["issues"], ensure_ascii=False))
            prepared.append((int(d["number"]), _parse_time(d["created_at"]), values, personal))
        kept = _read_kept(zf, manifest) if fmt >= 2 else None
        created = False
        with self._write() as conn:
            if conn.execute(sa.select(territories.c.id).where(territories.c.code == code)).first() is None:
                conn.execute(territories.insert().values(
                    code=code, name=t["name"], anonymous_read=bool(t["anonymous_read"]),
                    retention_months=int(t["retention_months"]), created_at=_parse_time(t["created_at"])))
                created = True
        try:
            for number, created_at, values, personal in prepared:
                self._store_version(code, values, personal, create=False, created_at=created_at, number=number)
            if kept is not None:
                with self._write() as conn:
                    trow = self._lock_territory(conn, code, create=False)
                    # Accepted answers not yet published come back with their decisions: they are the shared
                    # draft, and must still apply to the latest version.
                    _import_kept(conn, trow.id, t.get("questionnaire_open"), kept)
                    self._check_questionnaire_draft(conn, code, trow.id, utcnow())
        except (StoreError, sa.exc.SQLAlchemyError) as exc:
            self._undo_import(code, created)
            why = str(exc) if isinstance(exc, StoreError) else \
                f"la base a refusé une ligne de l'archive ({str(getattr(exc, 'orig', exc))[:200]})."
            raise StoreError(f"Import du territoire {code} annulé, rien n'a été gardé : {why}") from None
        return code, len(prepared)

    def _undo_import(self, code: str, created: bool) -> None:
        """Remove what a failed import wrote: the territory's versions and their personal rows, and the territory
        itself when the import created it (the kept rows were in the transaction that failed)."""
        with self._write() as conn:
            trow = self._territory_row(conn, code)
            ids = sa.select(versions.c.id).where(versions.c.territory_id == trow.id)
            conn.execute(personal_data.delete().where(personal_data.c.version_id.in_(ids)))
            conn.execute(drafts.delete().where(drafts.c.territory_id == trow.id))
            conn.execute(versions.delete().where(versions.c.territory_id == trow.id))
            if created:
                conn.execute(territories.delete().where(territories.c.id == trow.id))

    # -- accounts --------------------------------------------------------------------------------
    def add_user(self, email: str, password: str | None, role: str | None = None,
                 territory: str | None = None, *, without_password: bool = False) -> dict[str, Any]:
        """Create a local account (argon2 hash) or give an existing one a role on a territory. The first
        account of a fresh instance is the administrator of the instance. ``without_password``: an account that
        signs in only through the identity provider (OpenID Connect), never with a local password."""
        email = check_email(email)
        key = email.casefold()
        if role is not None and role not in ROLES:
            raise StoreError(f"Rôle « {role[:40]} » inconnu : {', '.join(ROLES)}.")
        with self._write() as conn:
            user = conn.execute(sa.select(users).where(users.c.email_key == key)).first()
            if user is None and without_password:
                password_hash = None
            elif user is None:
                if not password or len(password) < 10:
                    raise StoreError("Mot de passe trop court : 10 caractères au moins.")
                if len(password) > 1024:
                    raise StoreError("Mot de passe trop long : 1 024 caractères au plus.")
                password_hash = _hasher().hash(password)
            if user is None:
                first = conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() == 0
                uid = conn.execute(users.insert().values(
                    email=email, email_key=key, password_hash=password_hash, is_admin=first,
                    created_at=utcnow()).returning(users.c.id)).scalar_one()
            else:
                uid = user.id
            if territory is not None:
                if role is None:
                    raise StoreError("Précisez le rôle sur ce territoire (--role).")
                trow = self._lock_territory(conn, territory, create=True)
                conn.execute(roles.delete().where(roles.c.user_id == uid, roles.c.territory_id == trow.id))
                conn.execute(roles.insert().values(user_id=uid, territory_id=trow.id, role=role))
            elif role == "administrateur":
                conn.execute(users.update().where(users.c.id == uid).values(is_admin=True))
            elif role is not None:
                raise StoreError(f"Le rôle « {role} » se donne sur un territoire (--territoire CODE).")
            row = conn.execute(sa.select(users).where(users.c.id == uid)).one()
        return {"email": row.email, "is_admin": bool(row.is_admin), "created": user is None}

    def user_exists(self, email: str) -> bool:
        with self._read() as conn:
            return conn.execute(sa.select(users.c.id).where(users.c.email_key == str(email).strip().casefold())
                                ).first() is not None

    def role_of(self, email: str, territory: str) -> str | None:
        """'administrateur' for the instance's administrators, else the account's role on the territory."""
        key = str(email).strip().casefold()
        with self._read() as conn:
            user = conn.execute(sa.select(users).where(users.c.email_key == key)).first()
            if user is None:
                return None
            if user.is_admin:
                return "administrateur"
            return conn.execute(sa.select(roles.c.role).join(territories, territories.c.id == roles.c.territory_id)
                                .where(roles.c.user_id == user.id, territories.c.code == territory)).scalar()

    def verify_password(self, email: str, password: str) -> bool:
        from argon2.exceptions import VerificationError, InvalidHashError

        key = str(email).strip().casefold()
        with self._read() as conn:
            user = conn.execute(sa.select(users).where(users.c.email_key == key)).first()
        hasher = _hasher()
        if user is None or not user.password_hash:
            hasher.hash(password or "")  # same time as a real check: no account enumeration by timing
            return False
        try:
            hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(user.password_hash):
            with self._write() as conn:
                conn.execute(users.update().where(users.c.id == user.id).values(password_hash=hasher.hash(password)))
        return True

    def record_login(self, email: str, client_ip: str, success: bool, now: dt.datetime | None = None) -> None:
        with self._write() as conn:
            conn.execute(login_attempts.insert().values(
                email_key=str(email).strip().casefold()[:254], client_ip=str(client_ip)[:64],
                at=_utc(now) or utcnow(), success=bool(success)))

    def check_rate(self, email: str, client_ip: str, now: dt.datetime | None = None) -> bool:
        """False when the e-mail (5) or the client address (20) failed too often in the last 15 minutes."""
        now = _utc(now) or utcnow()
        since = now - RATE_WINDOW
        failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.at > since)
        with self._read() as conn:
            by_email = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.email_key == str(email).strip().casefold()[:254])).scalar()
            by_ip = conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.client_ip == str(client_ip)[:64])).scalar()
        return by_email < MAX_FAILURES_PER_EMAIL and by_ip < MAX_FAILURES_PER_IP

    # -- workshop links (the table; the app uses it in a later phase) ----------------------------
    def create_workshop_token(self, territory: str, label: str = "", created_by: str = "") -> str:
        label, created_by = check_text(label, "label"), check_text(created_by, "email")
        token = secrets.token_urlsafe(24)
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            conn.execute(workshop_tokens.insert().values(
                territory_id=trow.id, token_hash=sha256(token.encode()), label=label, created_by=created_by,
                created_at=utcnow()))
        return token

    def workshop_territory(self, token: str) -> str | None:
        with self._read() as conn:
            return conn.execute(sa.select(territories.c.code).join(
                workshop_tokens, workshop_tokens.c.territory_id == territories.c.id).where(
                workshop_tokens.c.token_hash == sha256(str(token).encode()),
                workshop_tokens.c.revoked_at.is_(None))).scalar()

    # -- questionnaire ---------------------------------------------------------------------------
    # Answers (submissions) to a territory's public questionnaire: their referent and contact apart
    # (submission_contacts, erased on request or after the territory's retention period), their status history
    # (submission_events), and the territory's one shared draft (author key « questionnaire ») that holds the
    # accepted and merged answers not yet published, always rebuilt on the latest version.
    def questionnaire_open(self, territory: str) -> bool:
        with self._read() as conn:
            trow = self._territory_row(conn, territory)
            value = conn.execute(sa.select(questionnaire_settings.c.open).where(
                questionnaire_settings.c.territory_id == trow.id)).scalar()
        return True if value is None else bool(value)

    def set_questionnaire_open(self, territory: str, is_open: bool) -> None:
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            conn.execute(questionnaire_settings.delete().where(questionnaire_settings.c.territory_id == trow.id))
            conn.execute(questionnaire_settings.insert().values(territory_id=trow.id, open=bool(is_open)))

    def submit(self, territory: str, answer: "quest.Answer", client: str, *, origin: str = "formulaire",
               now: dt.datetime | None = None) -> tuple[int, "quest.Match | None"]:
        """Store one answer (checked by questionnaire.validate) as a new submission; returns (its id, the census
        actor it matches, flagged for the editors, never refused). Raises StoreError when the questionnaire is
        closed or a text too long, TooManySubmissions when this client address sent SUBMISSION_BURST answers in
        the last SUBMISSION_WINDOW (checked in the same transaction as the insert: every accepted answer is
        stored)."""
        for key in quest.TEXT_FIELDS:  # checked again here: the form is not the only way in
            check_text(answer.commune if key == "commune_text" else getattr(answer, key), f"q_{key}")
        if answer.actor_type not in ref.TYPES or not answer.name.strip():
            raise StoreError("Réponse incomplète : le nom de la structure et le type d'acteur sont obligatoires.")
        now = _utc(now) or utcnow()
        key = sha256(str(client).encode())
        try:
            latest = self.open_version(territory).census.actors
        except StoreError:
            latest = None
        match = quest.flagged(answer, latest)
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            if origin == "formulaire":
                is_open = conn.execute(sa.select(questionnaire_settings.c.open).where(
                    questionnaire_settings.c.territory_id == trow.id)).scalar()
                if is_open is False:
                    raise StoreError("Ce questionnaire est fermé : il n'accepte plus de réponses.")
                since = now - SUBMISSION_WINDOW
                recent = conn.execute(sa.select(submissions.c.created_at).where(
                    submissions.c.client_key == key, submissions.c.created_at > since)
                    .order_by(submissions.c.created_at)).scalars().all()
                if len(recent) >= SUBMISSION_BURST:
                    wait = max(1, -(-int((_utc(recent[0]) + SUBMISSION_WINDOW - now).total_seconds()) // 60))
                    raise TooManySubmissions(
                        f"Beaucoup de réponses viennent d'être envoyées depuis cette connexion : patientez {wait} "
                        f"minute{'s' if wait > 1 else ''} puis cliquez de nouveau sur « Envoyer » (votre saisie est "
                        "conservée dans le formulaire).")
            sid = conn.execute(submissions.insert().values(
                territory_id=trow.id, created_at=now, client_key=key, origin=origin, status=quest.NEW,
                answer=json.dumps(answer.public(), ensure_ascii=False), name_key=quest.name_key(answer.name)[:300],
                match_ref=match.ref[:400] if match else None, match_how=match.how if match else None)
                .returning(submissions.c.id)).scalar_one()
            conn.execute(submission_contacts.insert().values(submission_id=sid, referent=answer.referent or None,
                                                             contact=answer.contact or None))
            conn.execute(submission_events.insert().values(submission_id=sid, at=now, status=quest.NEW,
                                                           author=origin, note=None))
        return sid, match

    def _submissions(self, conn: Connection, rows: list[Any], with_contacts: bool) -> list[Submission]:
        """The rows as Submissions, their history and (when asked for) contacts read in two queries."""
        ids = [r.id for r in rows]
        contacts: dict[int, Any] = {}
        history: dict[int, list] = {i: [] for i in ids}
        for chunk in (ids[k:k + 500] for k in range(0, len(ids), 500)):
            if with_contacts:
                contacts.update((c.submission_id, c) for c in conn.execute(
                    sa.select(submission_contacts).where(submission_contacts.c.submission_id.in_(chunk))))
            for e in conn.execute(sa.select(submission_events).where(submission_events.c.submission_id.in_(chunk))
                                  .order_by(submission_events.c.id)):
                history[e.submission_id].append((_utc(e.at), e.status, e.author, e.note))
        out = []
        for row in rows:
            c = contacts.get(row.id)
            out.append(Submission(
                row.id, _utc(row.created_at), row.origin, row.status,
                quest.Answer.from_public(json.loads(row.answer), c.referent if c else None, c.contact if c else None),
                row.match_ref, row.match_how, quest.Decision.from_json(row.decision) if row.decision else None,
                row.reason, row.published_version, tuple(history[row.id])))
        return out

    def submissions(self, territory: str, *, status: str | None = None,
                    with_contacts: bool = False) -> list[Submission]:
        """A territory's answers, oldest first (``status``: only those). Referent and contact only when asked
        for (editors, ``--with-contacts``)."""
        with self._read() as conn:
            trow = self._territory_row(conn, territory)
            q = sa.select(submissions).where(submissions.c.territory_id == trow.id).order_by(submissions.c.id)
            if status is not None:
                q = q.where(submissions.c.status == status)
            return self._submissions(conn, conn.execute(q).all(), with_contacts)

    def submission(self, territory: str, sid: int, *, with_contacts: bool = False) -> Submission:
        with self._read() as conn:
            trow = self._territory_row(conn, territory)
            row = conn.execute(sa.select(submissions).where(submissions.c.territory_id == trow.id,
                                                            submissions.c.id == int(sid))).first()
            if row is None:
                raise StoreError(f"Réponse n° {sid} introuvable pour ce territoire.")
            return self._submissions(conn, [row], with_contacts)[0]

    def count_submissions(self, territory: str, status: str = quest.NEW) -> int:
        with self._read() as conn:
            trow = conn.execute(sa.select(territories.c.id).where(territories.c.code == territory)).first()
            if trow is None:
                return 0
            return conn.execute(sa.select(sa.func.count()).select_from(submissions).where(
                submissions.c.territory_id == trow.id, submissions.c.status == status)).scalar()

    def review_submission(self, territory: str, sid: int, author: str, *,
                          decision: "quest.Decision | None" = None, reason: str | None = None,
                          now: dt.datetime | None = None) -> str:
        """An editor's decision on a new answer: ``decision`` (accept as a new actor, or merge chosen fields into
        an actor) puts it into the territory's shared draft (checked against the latest version in the same
        transaction; its workbook is written on publishing); ``reason`` rejects it. Returns the new status."""
        author = check_email(author)
        now = _utc(now) or utcnow()
        if decision is None:
            reason = check_text(reason, "reason").strip()
            if not reason:
                raise StoreError("Donnez la raison du refus : elle est gardée dans l'historique de la réponse.")
            status = quest.REJECTED
        else:
            if decision.action not in (quest.ACCEPTED, quest.MERGED):
                raise StoreError(f"Décision « {decision.action[:20]} » inconnue.")
            if decision.action == quest.MERGED and (not decision.target or not decision.fields):
                raise StoreError("Fusion impossible : choisissez l'acteur et au moins un champ à reprendre.")
            status = decision.action
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            row = conn.execute(sa.select(submissions).where(submissions.c.territory_id == trow.id,
                                                            submissions.c.id == int(sid))).first()
            if row is None:
                raise StoreError(f"Réponse n° {sid} introuvable pour ce territoire.")
            if row.status != quest.NEW:
                raise StoreError(f"La réponse n° {sid} a déjà été traitée ({quest.STATUS_LABEL[row.status]}).")
            conn.execute(submissions.update().where(submissions.c.id == row.id).values(
                status=status, decision=decision.to_json() if decision else None, reason=reason))
            note = reason if decision is None else (
                None if decision.action == quest.ACCEPTED else
                f"Fusion avec {decision.target} : " + ", ".join(quest.field_label(f) for f in decision.fields))
            conn.execute(submission_events.insert().values(submission_id=row.id, at=now, status=status,
                                                           author=author, note=note))
            if decision is not None:
                self._check_questionnaire_draft(conn, territory, trow.id, now)
        return status

    def _pending(self, conn: Connection, territory_id: int) -> list[Any]:
        return conn.execute(sa.select(submissions).where(
            submissions.c.territory_id == territory_id, submissions.c.status.in_([quest.ACCEPTED, quest.MERGED]),
            submissions.c.published_version.is_(None)).order_by(submissions.c.id)).all()

    def _decided(self, conn: Connection, pending: list[Any], contacts: bool) -> list[tuple[Any, Any]]:
        """(answer, decision) of each pending row, in order; the answers' referent and contact when asked for."""
        found = {}
        if contacts and pending:
            found = {c.submission_id: c for c in conn.execute(sa.select(submission_contacts).where(
                submission_contacts.c.submission_id.in_([r.id for r in pending]))).all()}
        out = []
        for r in pending:
            c = found.get(r.id)
            out.append((quest.Answer.from_public(json.loads(r.answer), c.referent if c else None,
                                                 c.contact if c else None), quest.Decision.from_json(r.decision)))
        return out

    @staticmethod
    def _latest(conn: Connection, territory_id: int) -> Any:
        return conn.execute(sa.select(versions.c.number, versions.c.file_sha256).where(
            versions.c.territory_id == territory_id).order_by(versions.c.number.desc()).limit(1)).first()

    def _check_questionnaire_draft(self, conn: Connection, territory: str, territory_id: int,
                                   now: dt.datetime) -> None:
        """Every accepted or merged answer not yet published still applies to the latest version (a merge's actor
        is in it), or StoreError (the decision is refused). The shared draft is kept as these decisions, not as a
        file: its workbook is written when it is published (or asked for), not on every decision."""
        pending = self._pending(conn, territory_id)
        # A workbook an earlier nrdash stored for the shared draft: stale from now on (publishing rewrites it).
        conn.execute(drafts.delete().where(drafts.c.territory_id == territory_id,
                                           drafts.c.author_key == QUESTIONNAIRE_AUTHOR))
        if not pending:
            return
        latest = self._latest(conn, territory_id)
        actors = self.open_version(territory, latest.number if latest else None).census.actors  # no personal data:
        try:  # a merge's actor is found by its name, SIRET and commune
            quest.apply_decisions(actors, self._decided(conn, pending, contacts=False), now.date())
        except quest.ApplyError as exc:
            raise StoreError(str(exc)) from None

    def _questionnaire_workbook(self, conn: Connection, territory: str, territory_id: int,
                                now: dt.datetime) -> tuple[bytes, int | None, list[int]]:
        """The shared draft as a census workbook: the latest version (its personal data included) with every
        accepted or merged answer not yet published applied in order; its base version and the answers' ids.
        (b"", None, []) when there is no such answer."""
        from .template import census_to_xlsx

        pending = self._pending(conn, territory_id)
        if not pending:
            return b"", None, []
        latest = self._latest(conn, territory_id)
        number = latest.number if latest else None
        ds = self.open_version(territory, number, personal=True)
        try:
            actors = quest.apply_decisions(ds.census.actors, self._decided(conn, pending, contacts=True), now.date())
        except quest.ApplyError as exc:
            raise StoreError(str(exc)) from None
        return census_to_xlsx(ds.census, with_contacts=True, actors=actors), number, [r.id for r in pending]

    def _rebuild_questionnaire_draft(self, conn: Connection, territory: str, territory_id: int, author: str,
                                     now: dt.datetime) -> list[int]:
        """The shared draft written as a workbook on the latest version (to be published). Returns the answers'
        ids."""
        data, latest, ids = self._questionnaire_workbook(conn, territory, territory_id, now)
        conn.execute(drafts.delete().where(drafts.c.territory_id == territory_id,
                                           drafts.c.author_key == QUESTIONNAIRE_AUTHOR))
        if ids:
            conn.execute(drafts.insert().values(
                territory_id=territory_id, author_key=QUESTIONNAIRE_AUTHOR, author=author, base_version=latest,
                file_name=QUESTIONNAIRE_FILE, file_bytes=data, file_sha256=sha256(data), updated_at=now))
        return ids

    def questionnaire_draft(self, territory: str, *, data: bool = True) -> Draft | None:
        """The shared draft of accepted and merged answers not yet published (None when there is none): always the
        latest version with their decisions applied. ``author`` and ``updated_at``: the last decision's. ``data``:
        its workbook, written on demand (seconds on a large census); ``data=False``: b"". ``sha256`` identifies
        its content (base version and decisions), not the workbook's bytes."""
        with self._read() as conn:
            trow = conn.execute(sa.select(territories.c.id).where(territories.c.code == territory)).first()
            if trow is None:
                return None
            pending = self._pending(conn, trow.id)
            if not pending:
                return None
            latest = self._latest(conn, trow.id)
            last = conn.execute(sa.select(submission_events.c.at, submission_events.c.author).where(
                submission_events.c.submission_id.in_([r.id for r in pending]),
                submission_events.c.status.in_([quest.ACCEPTED, quest.MERGED]))
                .order_by(submission_events.c.at.desc(), submission_events.c.id.desc()).limit(1)).first()
            now = utcnow()
            file = self._questionnaire_workbook(conn, territory, trow.id, now)[0] if data else b""
        identity = json.dumps([latest.number if latest else None, latest.file_sha256 if latest else None,
                               [[r.id, r.decision] for r in pending]])
        return Draft(last.author if last else QUESTIONNAIRE_AUTHOR, QUESTIONNAIRE_FILE, file,
                     sha256(identity.encode("utf-8")), latest.number if latest else None,
                     _utc(last.at) if last else now)

    def publish_questionnaire(self, territory: str, author: str, *, note: str = "",
                              force_reason: str | None = None) -> PublishResult:
        """Publish the shared draft (rebuilt on the latest version first) as the next version, by ``author``; its
        answers are marked as taken in by that version."""
        author = check_email(author)
        now = utcnow()
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            ids = self._rebuild_questionnaire_draft(conn, territory, trow.id, author, now)
            latest = conn.execute(sa.select(versions.c.number).where(versions.c.territory_id == trow.id)
                                  .order_by(versions.c.number.desc()).limit(1)).scalar()
        if not ids:
            raise StoreError("Aucune réponse acceptée ou fusionnée à publier.")
        result = self.publish_draft(territory, QUESTIONNAIRE_AUTHOR, note=note or "Réponses au questionnaire.",
                                    force_reason=force_reason, expected_latest=latest or 0, published_by=author)
        with self._write() as conn:
            conn.execute(submissions.update().where(submissions.c.id.in_(ids)).values(published_version=result.number))
            conn.execute(submission_events.insert(), [
                {"submission_id": i, "at": utcnow(), "status": "published", "author": author,
                 "note": f"Publiée dans la version {result.number}."} for i in ids])
        return result

    def _erase_submission_contacts(self, conn: Connection, territory_id: int, matches) -> int:
        rows = conn.execute(sa.select(submission_contacts).join(
            submissions, submissions.c.id == submission_contacts.c.submission_id).where(
            submissions.c.territory_id == territory_id)).all()
        hit = [r.submission_id for r in rows if matches(r.referent) or matches(r.contact)]
        if hit:
            conn.execute(submission_contacts.delete().where(submission_contacts.c.submission_id.in_(hit)))
        return len(hit)

    def _expire_submission_contacts(self, conn: Connection, territory_id: int, cutoff: dt.datetime) -> int:
        old = conn.execute(sa.select(submission_contacts.c.submission_id).join(
            submissions, submissions.c.id == submission_contacts.c.submission_id).where(
            submissions.c.territory_id == territory_id, submissions.c.created_at < cutoff)).scalars().all()
        if old:
            conn.execute(submission_contacts.delete().where(submission_contacts.c.submission_id.in_(old)))
        return len(old)


    # -- objectives / pairings (the Suivi page) ------------------------------------------------
    def objectives(self, territory: str) -> list[StoredObjective]:
        """The territory's objectives, oldest first."""
        from .compare import Objective

        with self._read() as conn:
            trow = self._territory_row(conn, territory)
            rows = conn.execute(sa.select(objectives_table).where(objectives_table.c.territory_id == trow.id)
                                .order_by(objectives_table.c.id)).all()
        return [StoredObjective(r.id, Objective(r.indicator, float(r.target), r.deadline, r.start_date,
                                                float(r.start_value), r.family, r.note or ""),
                                r.start_version, r.created_by, _utc(r.created_at)) for r in rows]

    def add_objective(self, territory: str, objective, start_version: int | None, author: str = "") -> int:
        """Record an objective (nrdash.compare.Objective) set while ``start_version`` was current."""
        import math

        note = check_text(objective.note, "note")
        author = check_text(author, "author")
        if not math.isfinite(objective.target) or not math.isfinite(objective.start_value):
            raise StoreError("La cible de l'objectif doit être un nombre.")
        if objective.deadline <= objective.start_date:
            raise StoreError(f"L'échéance ({objective.deadline.strftime('%d/%m/%Y')}) doit suivre la date de "
                             f"départ de l'objectif ({objective.start_date.strftime('%d/%m/%Y')}).")
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            return conn.execute(objectives_table.insert().values(
                territory_id=trow.id, indicator=objective.indicator, family=objective.family,
                target=float(objective.target), deadline=objective.deadline, start_version=start_version,
                start_date=objective.start_date, start_value=float(objective.start_value), note=note,
                created_by=author, created_at=utcnow()).returning(objectives_table.c.id)).scalar_one()

    def delete_objective(self, territory: str, objective_id: int) -> bool:
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            return conn.execute(objectives_table.delete().where(
                objectives_table.c.territory_id == trow.id, objectives_table.c.id == int(objective_id))).rowcount > 0

    def pairings(self, territory: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(links, unlinks): the pairs of actor references (nrdash.compare.actor_refs) a person made or forbade
        on this territory, for ``compare.compare``."""
        with self._read() as conn:
            trow = conn.execute(sa.select(territories.c.id).where(territories.c.code == territory)).first()
            if trow is None:
                return [], []
            rows = conn.execute(sa.select(actor_pairings.c.ref_a, actor_pairings.c.ref_b, actor_pairings.c.kind)
                                .where(actor_pairings.c.territory_id == trow.id).order_by(actor_pairings.c.id)).all()
        links = [(r.ref_a, r.ref_b) for r in rows if r.kind == PAIR_LINK]
        return links, [(r.ref_a, r.ref_b) for r in rows if r.kind == PAIR_UNLINK]

    def set_pairing(self, territory: str, ref_a: str, ref_b: str, kind: str, author: str = "") -> None:
        """Pair (``link``) or forbid pairing (``unlink``) the actor ``ref_a`` of an older version with ``ref_b``
        of a newer one; replaces an earlier choice on the same two references."""
        if kind not in (PAIR_LINK, PAIR_UNLINK):
            raise ValueError(kind)
        for r in (ref_a, ref_b):
            if not isinstance(r, str) or not r or len(r) > PAIR_REF_MAX:
                raise StoreError(f"Référence d'acteur invalide (vide ou plus de {PAIR_REF_MAX} caractères) : "
                                 "choisissez deux acteurs dans les listes.")
        author = check_text(author, "author")
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            conn.execute(actor_pairings.delete().where(actor_pairings.c.territory_id == trow.id,
                                                       actor_pairings.c.ref_a == ref_a,
                                                       actor_pairings.c.ref_b == ref_b))
            conn.execute(actor_pairings.insert().values(territory_id=trow.id, ref_a=ref_a, ref_b=ref_b, kind=kind,
                                                        created_by=author, created_at=utcnow()))

    def remove_pairing(self, territory: str, ref_a: str, ref_b: str) -> bool:
        with self._write() as conn:
            trow = self._lock_territory(conn, territory, create=False)
            return conn.execute(actor_pairings.delete().where(
                actor_pairings.c.territory_id == trow.id, actor_pairings.c.ref_a == ref_a,
                actor_pairings.c.ref_b == ref_b)).rowcount > 0


# Tables of the section above (migration 0004).
objectives_table = sa.Table(
    "objectives", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("indicator", sa.String(40)), sa.Column("family", sa.String(100)), sa.Column("target", sa.Float),
    sa.Column("deadline", sa.Date), sa.Column("start_version", sa.Integer), sa.Column("start_date", sa.Date),
    sa.Column("start_value", sa.Float), sa.Column("note", sa.Text), sa.Column("created_by", sa.String(254)),
    sa.Column("created_at", TZ),
)
actor_pairings = sa.Table(
    "actor_pairings", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("ref_a", sa.String(700)), sa.Column("ref_b", sa.String(700)), sa.Column("kind", sa.String(10)),
    sa.Column("created_by", sa.String(254)), sa.Column("created_at", TZ),
)
PAIR_LINK, PAIR_UNLINK, PAIR_REF_MAX = "link", "unlink", 700


@dataclass(frozen=True)
class StoredObjective:
    id: int
    objective: Any  # nrdash.compare.Objective
    start_version: int | None
    created_by: str
    created_at: dt.datetime

# ---------------------------------------------------------------------------------------------
# A territory's archive (export_territory / import_territory): what is kept with the territory besides versions
# ---------------------------------------------------------------------------------------------
EXPORT_FORMAT, EXPORT_VERSION = "nrdash-territoire", 2
OBJECTIVES_FILE, PAIRINGS_FILE, SUBMISSIONS_FILE = "objectifs.json", "appariements.json", "questionnaire/reponses.json"
KEPT_FILES = (OBJECTIVES_FILE, PAIRINGS_FILE, SUBMISSIONS_FILE)
_KEPT_WHAT = {OBJECTIVES_FILE: "objectifs", PAIRINGS_FILE: "appariements manuels",
              SUBMISSIONS_FILE: "réponses au questionnaire"}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return _utc(value).isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def _export_kept(conn: Connection, territory_id: int) -> dict[str, list[dict[str, Any]]]:
    """The territory's objectives, manual pairings and questionnaire answers as JSON-ready rows, oldest first,
    without the instance's own ids. An answer keeps its status, decision, history and personal data (``contacts``
    None once erased or expired); not its client's hashed address (a rate limit's key, kept ten minutes' worth)."""
    objectives = [{"indicator": r.indicator, "family": r.family, "target": r.target, "deadline": _iso(r.deadline),
                   "start_version": r.start_version, "start_date": _iso(r.start_date), "start_value": r.start_value,
                   "note": r.note, "created_by": r.created_by, "created_at": _iso(r.created_at)}
                  for r in conn.execute(sa.select(objectives_table)
                                        .where(objectives_table.c.territory_id == territory_id)
                                        .order_by(objectives_table.c.id))]
    pairings = [{"ref_a": r.ref_a, "ref_b": r.ref_b, "kind": r.kind, "created_by": r.created_by,
                 "created_at": _iso(r.created_at)}
                for r in conn.execute(sa.select(actor_pairings).where(actor_pairings.c.territory_id == territory_id)
                                      .order_by(actor_pairings.c.id))]
    rows = conn.execute(sa.select(submissions).where(submissions.c.territory_id == territory_id)
                        .order_by(submissions.c.id)).all()
    ids = [r.id for r in rows]
    contacts: dict[int, dict[str, Any]] = {}
    history: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in (ids[k:k + 500] for k in range(0, len(ids), 500)):
        for c in conn.execute(sa.select(submission_contacts).where(submission_contacts.c.submission_id.in_(chunk))):
            contacts[c.submission_id] = {"referent": c.referent, "contact": c.contact}
        for e in conn.execute(sa.select(submission_events).where(submission_events.c.submission_id.in_(chunk))
                              .order_by(submission_events.c.id)):
            history[e.submission_id].append({"at": _iso(e.at), "status": e.status, "author": e.author,
                                             "note": e.note})
    answers = [{"created_at": _iso(r.created_at), "origin": r.origin, "status": r.status,
                "answer": json.loads(r.answer), "name_key": r.name_key, "match_ref": r.match_ref,
                "match_how": r.match_how, "decision": json.loads(r.decision) if r.decision else None,
                "reason": r.reason, "published_version": r.published_version, "contacts": contacts.get(r.id),
                "history": history[r.id]} for r in rows]
    return {OBJECTIVES_FILE: objectives, PAIRINGS_FILE: pairings, SUBMISSIONS_FILE: answers}


def _read_kept(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The three kept files of a format 2 archive, each checked against its SHA-256 in the manifest and parsed
    into the rows ``_import_kept`` writes (StoreError, French, naming the file, when one is missing or altered)."""
    listed = manifest.get("files") or {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name in KEPT_FILES:
        try:
            blob = zf.read(name)
        except KeyError:
            raise StoreError(f"Archive incomplète : {name} ({_KEPT_WHAT[name]}) manque. Refaites l'export.") from None
        if sha256(blob) != listed.get(name):
            raise StoreError(f"Archive altérée : {name} ({_KEPT_WHAT[name]}) n'a pas le SHA-256 du manifeste. "
                             "Refaites l'export.")
        try:
            rows = json.loads(blob)
            out[name] = [_kept_row(name, r) for r in rows]
            if name == PAIRINGS_FILE and len({(r["ref_a"], r["ref_b"]) for r in out[name]}) < len(out[name]):
                raise ValueError("deux choix sur les mêmes acteurs")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"Archive illisible : {name} ({_KEPT_WHAT[name]}) n'a pas la forme attendue "
                             f"({type(exc).__name__} : {str(exc)[:80]}). Refaites l'export.") from None
    return out


def _text(value: Any, limit: int | None = None, *, optional: bool = False) -> str | None:
    """A text of a kept row: a string (None allowed when ``optional``) of at most ``limit`` characters."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or (limit is not None and len(value) > limit) or "\x00" in value:
        raise ValueError(f"texte attendu{f' de {limit} caractères au plus' if limit else ''} : "
                         f"« {str(value)[:40]} »")
    return value


def _when(value: Any) -> dt.datetime:
    """A required date and time of a kept row."""
    if value is None or value == "":
        raise ValueError("date manquante")
    return _parse_time(_text(value))


def _number(value: Any, *, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"numéro de version attendu : « {str(value)[:20]} »")
    return value


def _kept_row(name: str, r: dict[str, Any]) -> dict[str, Any]:
    """One row of a kept file, as the table's column values (ValueError/KeyError/TypeError when malformed)."""
    if name == OBJECTIVES_FILE:
        import math

        from .compare import Objective

        row = dict(indicator=_text(r["indicator"], 40), family=_text(r["family"], 100, optional=True),
                   target=float(r["target"]), deadline=dt.date.fromisoformat(r["deadline"]),
                   start_version=_number(r["start_version"]), start_date=dt.date.fromisoformat(r["start_date"]),
                   start_value=float(r["start_value"]), note=_text(r["note"]), created_by=_text(r["created_by"], 254),
                   created_at=_when(r["created_at"]))
        if not math.isfinite(row["target"]) or not math.isfinite(row["start_value"]):
            raise ValueError("cible ou valeur de départ non numérique")
        Objective(row["indicator"], row["target"], row["deadline"], row["start_date"], row["start_value"],
                  row["family"], row["note"])  # what Store.objectives will build: an unknown indicator fails here
        return row
    if name == PAIRINGS_FILE:
        if r["kind"] not in (PAIR_LINK, PAIR_UNLINK):
            raise ValueError(f"sorte d'appariement « {str(r['kind'])[:20]} » inconnue")
        return dict(ref_a=_text(r["ref_a"], PAIR_REF_MAX), ref_b=_text(r["ref_b"], PAIR_REF_MAX), kind=r["kind"],
                    created_by=_text(r["created_by"], 254), created_at=_when(r["created_at"]))
    if r["status"] not in quest.STATUS_LABEL:
        raise ValueError(f"statut « {str(r['status'])[:20]} » inconnu")
    contacts = r["contacts"]
    if r["decision"] is not None:
        quest.Decision.from_json(json.dumps(r["decision"]))  # what the shared draft will read
    return dict(
        created_at=_when(r["created_at"]), origin=_text(r["origin"], 20), status=r["status"],
        answer=json.dumps(dict(r["answer"]), ensure_ascii=False), name_key=_text(r["name_key"], 300),
        match_ref=_text(r["match_ref"], 400, optional=True), match_how=_text(r["match_how"], 20, optional=True),
        decision=json.dumps(dict(r["decision"]), ensure_ascii=False) if r["decision"] is not None else None,
        reason=_text(r["reason"], optional=True), published_version=_number(r["published_version"]),
        contacts=None if contacts is None else {"referent": _text(contacts["referent"], optional=True),
                                                "contact": _text(contacts["contact"], optional=True)},
        history=[dict(at=_when(e["at"]), status=_text(e["status"], 20), author=_text(e["author"], 254),
                      note=_text(e["note"], optional=True)) for e in r["history"]])


def _import_kept(conn: Connection, territory_id: int, questionnaire_open: bool | None,
                 kept: dict[str, list[dict[str, Any]]]) -> None:
    """Write the kept rows (and the questionnaire's open/closed setting: None leaves it at its default, open) for
    the territory."""
    conn.execute(questionnaire_settings.delete().where(questionnaire_settings.c.territory_id == territory_id))
    if questionnaire_open is not None:
        conn.execute(questionnaire_settings.insert().values(territory_id=territory_id, open=bool(questionnaire_open)))
    if kept[OBJECTIVES_FILE]:
        conn.execute(objectives_table.insert(), [{"territory_id": territory_id, **r} for r in kept[OBJECTIVES_FILE]])
    if kept[PAIRINGS_FILE]:
        conn.execute(actor_pairings.insert(), [{"territory_id": territory_id, **r} for r in kept[PAIRINGS_FILE]])
    for r in kept[SUBMISSIONS_FILE]:
        r = dict(r)
        contacts, history = r.pop("contacts"), r.pop("history")
        sid = conn.execute(submissions.insert().values(territory_id=territory_id, client_key="", **r)
                           .returning(submissions.c.id)).scalar_one()
        if contacts is not None:
            conn.execute(submission_contacts.insert().values(submission_id=sid, **contacts))
        if history:
            conn.execute(submission_events.insert(), [{"submission_id": sid, **e} for e in history])


def _parse_time(value: str | None) -> dt.datetime | None:
    return _utc(dt.datetime.fromisoformat(value)) if value else None


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _pause_for_tests() -> None:
    """Tests only (NRDASH_TEST_PAUSE_IN_PUBLISH=path): say we are inside the publish transaction, then wait to be
    killed."""
    path = os.environ.get(PAUSE_ENV)
    if path:
        Path(path).write_text(str(os.getpid()))
        time.sleep(120)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """One Store per database URL per process (migrated once, at first use)."""
    url = url or database_url()
    with _stores_lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]
