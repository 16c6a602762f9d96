"""What the server does on its own, without an operator remembering it: the territories' retention periods applied
at most once a day, as the questionnaire's consent promises (``Store.apply_retention_if_due``: when it last ran is a
row of the shared database, so that replicas do not repeat it), checked when the server starts, then every hour.
``python -m nrdash retention`` applies it from cron the same way."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

log = logging.getLogger("nrdash")
CHECK_EVERY_S = 3600.0


def run_due(store, now: dt.datetime | None = None) -> dict[str, int] | None:
    """Apply the retention period when it is due (None when a replica or the command did it less than a day ago)."""
    from .store import Principal

    done = store.apply_retention_if_due(Principal.operator(), now)
    if done:
        log.info("Durée de conservation appliquée : %s", ", ".join(f"{code} : {n}" for code, n in done.items()))
    return done


def start(store_factory: Callable | None = None, every: float = CHECK_EVERY_S) -> threading.Thread:
    """The server's maintenance thread (a daemon: it ends with the server)."""
    if store_factory is None:
        from .store import get_store as store_factory

    def loop() -> None:
        while True:
            try:
                run_due(store_factory())
            except Exception:  # a database away for a while: said in the log, tried again at the next check
                log.exception("Durée de conservation : application impossible pour l'instant, nouvel essai dans "
                              "une heure.")
            if stop.wait(every):
                return

    stop = threading.Event()
    thread = threading.Thread(target=loop, name="nrdash-maintenance", daemon=True)
    thread.start()
    return thread
