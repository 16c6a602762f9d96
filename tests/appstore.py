"""The app's store in AppTests: a fresh embedded database per test, and who is signed in (the sign-in itself is
tested end to end in the browser tests: tests/e2e/test_auth.py)."""
from __future__ import annotations

from nrdash import store as st_store
from nrdash.ui import account as accounts
from nrdash.ui import source
from tests.principals import OP

EPCI = "241700434"


def fresh_store(tmp_path, monkeypatch, *published: tuple[str, bytes], public: bool = True) -> st_store.Store:
    """A new SQLite store that the app's process-wide handle points at, with the given (file name, bytes)
    published in turn to EPCI by marie@x.fr. A new territory opens closed (issue 25): EPCI is then opened to
    reading without an account, as its administrator would, because most tests read it as a visitor (``public``:
    False leaves it closed). Call ``source.store.clear()`` after the test (the fixtures do)."""
    url = f"sqlite:///{tmp_path / 'nrdash.db'}"
    monkeypatch.setenv("NRDASH_DATABASE_URL", url)
    source.store.clear()
    s = st_store.get_store(url)
    for name, data in published:
        s.publish(OP, EPCI, data, name, author="marie@x.fr")
    if published and public:
        s.set_territory(OP, EPCI, anonymous_read=True)
    return s


def signed_in(monkeypatch, email: str | None) -> None:
    """The app sees ``email`` signed in (None: nobody)."""
    account = accounts.Account(email, email, "local") if email else None
    monkeypatch.setattr(accounts, "current_account", lambda: account)
