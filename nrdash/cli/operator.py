"""How the store's commands reach the store: as its operator (``Principal.operator()``: whoever runs the command line
has the database), through NRDASH_DATABASE_URL / NRDASH_DATA_DIR, and what they answer when it refuses. Exit codes:
0 done, 1 refused because of rows in error (publish), 2 unusable file, unknown territory or any other refusal. Never
a traceback."""
from __future__ import annotations

import argparse
import sys
from typing import Callable


def open_store(seed: bool = True):
    from ..store import Store

    return Store(seed_sample=seed)


def operator():
    from ..store import Principal

    return Principal.operator()


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from ..store import PublishRefused, StoreError

        try:
            return func(args)
        except PublishRefused as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except StoreError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except SQLAlchemyError as exc:
            print(f"Base de données injoignable ou refusée ({type(exc).__name__}) : vérifiez NRDASH_DATABASE_URL "
                  "ou NRDASH_DATA_DIR.", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"Fichier inaccessible : {exc.filename or ''} ({exc.strerror}).", file=sys.stderr)
            return 2
    return run
