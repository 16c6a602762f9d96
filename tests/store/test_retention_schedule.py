"""The retention period is applied without an operator remembering it (issue 23, found by the documentation's
review: nothing called Store.apply_retention although the questionnaire's consent promises it): the server applies
it at most once a day, whichever replica does it (the time is a row of the database), checked with an injected
clock on SQLite and PostgreSQL, and a real server applies it when it starts."""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from nrdash import maintenance
from nrdash.store import Store, schema
from tests.e2e.harness import streamlit_server
from tests.principals import OP
from tests.test_questionnaire import V1

T = "241700434"


def age(store: Store, years: int) -> None:
    """Every version and answer of the store made ``years`` years ago (as if time had passed)."""
    then = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365 * years)
    with store.engine.begin() as conn:
        conn.execute(schema.versions.update().values(created_at=then))


def test_applied_at_most_once_a_day_whichever_replica(db_url):
    a = Store(db_url, seed_sample=False)
    b = Store(db_url, migrate=False)  # another replica: its own connections
    try:
        a.publish(OP, T, V1, "v1.xlsx")
        now = dt.datetime.now(dt.timezone.utc)
        assert a.personal_rows(OP, T, 1)
        assert maintenance.run_due(a, now) == {}  # due (never applied): nothing old enough yet
        a.publish(OP, T, V1 + b" ", "v2.xlsx")  # another file, a second version
        age(a, 3)
        assert maintenance.run_due(b, now + dt.timedelta(hours=1)) is None  # applied an hour ago by A: not due
        assert a.personal_rows(OP, T, 1)
        assert maintenance.run_due(b, now + dt.timedelta(hours=23, minutes=59)) is None
        assert maintenance.run_due(b, now + dt.timedelta(days=1, seconds=1)) == {T: 2}  # a day later: B applies it
        assert a.personal_rows(OP, T, 1) == [] and a.personal_rows(OP, T, 2) == []
        assert maintenance.run_due(a, now + dt.timedelta(days=1, seconds=2)) is None
        with a.engine.connect() as conn:
            [(task, done)] = conn.execute(sa.select(schema.maintenance)).all()
        assert task == "retention" and abs(done.replace(tzinfo=done.tzinfo or dt.timezone.utc)
                                           - (now + dt.timedelta(days=1, seconds=1))) < dt.timedelta(seconds=1)
        assert a.apply_retention(OP, now + dt.timedelta(days=1, seconds=3)) == {}  # the command: always applies
        assert maintenance.run_due(a, now + dt.timedelta(days=1, hours=1)) is None  # and counts as the day's
    finally:
        a.close()
        b.close()


def test_old_sessions_and_sign_in_attempts_go_too(db_url):
    from nrdash.store import Principal

    s = Store(db_url, seed_sample=False)
    try:
        s.add_user(OP, "ed@x.fr", "motdepasse-long")
        long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
        s.sign_in(Principal.anonymous("192.0.2.1"), "ed@x.fr", "motdepasse-long", now=long_ago)
        s.sign_in(Principal.anonymous("192.0.2.1"), "ed@x.fr", "faux", now=long_ago)
        recent = s.sign_in(Principal.anonymous("192.0.2.1"), "ed@x.fr", "motdepasse-long")
        s.apply_retention(OP)
        with s.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.sessions)).scalar() == 1
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.login_attempts)).scalar() == 1
        assert s.signed_in(Principal.session(recent.session)) == "ed@x.fr"
    finally:
        s.close()


def test_a_server_applies_it_when_it_starts(tmp_path):
    data = tmp_path / "data"
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, T, V1, "v1.xlsx")
    age(s, 3)  # older than the territory's 24 months
    assert s.personal_rows(OP, T, 1)
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "NRDASH_DATABASE_URL": ""}):
        deadline = time.monotonic() + 120  # the server's own start: no fixed wait, a bound
        while s.personal_rows(OP, T, 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert s.personal_rows(OP, T, 1) == []
        assert s.versions(OP, T)[0].redacted_at is not None
    s.close()
