"""Who is signed in (placeholder until the sign-in routes land: nobody is)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    via: str  # "oidc" | "local"


def current_account() -> Account | None:
    return None


def account_block(next_path: str) -> None:
    return None
