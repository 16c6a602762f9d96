"""Who acts in the store tests: the command line's operator (every right), an anonymous client, an account."""
from __future__ import annotations

from nrdash.store import Principal

OP = Principal.operator()


def anon(client: str | None = None) -> Principal:
    return Principal.anonymous(client)


def acct(email: str) -> Principal:
    return Principal.account(email)
