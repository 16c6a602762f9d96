"""Who may have a census read now (pure: no Streamlit, no process): the server's readers are few, a read costs a
worker and seconds of processor, and anonymous visitors may upload. Without a bound, four anonymous tabs
re-uploading a legal 150,000-row workbook queued every other read behind theirs (issue 23: a 5 KB upload took
18 s instead of 1, a publication 19 s instead of 0.24).

A read enters a lane:
- ``READ`` (uploads, drafts, files to compare): at most ``Bounds.reads`` at once (the warm workers,
  ``NRDASH_WORKERS``), at most ``Bounds.per_client`` of them from one client address (``NRDASH_READS_PER_CLIENT``);
- ``PUBLISH`` (an editor's publication): its own ``Bounds.publish`` places (and its own worker, nrdash.sandbox), so
  that a publication never waits behind uploads.
In either, a session has at most one read under way (a second one, which Streamlit allows when a stopped run is
still reading, is refused at once). A read that finds no place waits at most ``Bounds.wait_s`` seconds
(``NRDASH_READ_WAIT_S``) for one, then is refused with ``Busy`` and a French message: never a wait without end.

The clock and the wait are injectable: the tests decide what happens while a read waits, without sleeping."""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

READ, PUBLISH = "read", "publish"
BUSY = "Serveur occupé, réessayez dans un instant."
WHY: dict[str, str] = {
    "session": "votre fichier précédent est encore en cours de lecture.",
    "client": "d'autres fichiers envoyés depuis votre connexion sont en cours de lecture.",
    READ: "d'autres fichiers sont en cours de lecture.",
    PUBLISH: "une autre publication est en cours.",
}


def _env_number(name: str, default: float, lowest: float) -> float:
    try:
        return max(lowest, float(os.environ.get(name, default)))
    except ValueError:
        return default


class Busy(Exception):
    """No place for this read now: the message says so in French (``BUSY``, then why)."""

    def __init__(self, why: str):
        self.why = why
        super().__init__(f"{BUSY[:-1]} : {WHY[why]}")


@dataclass(frozen=True)
class Bounds:
    """How many reads at once. Overridable by environment variables."""

    reads: int = field(default_factory=lambda: int(_env_number("NRDASH_WORKERS", 2, 1)))
    per_client: int = field(default_factory=lambda: int(_env_number("NRDASH_READS_PER_CLIENT", 1, 1)))
    publish: int = field(default_factory=lambda: int(_env_number("NRDASH_PUBLISH_WORKERS", 1, 1)))
    wait_s: float = field(default_factory=lambda: _env_number("NRDASH_READ_WAIT_S", 5, 0))
    per_session: int = 1

    def capacity(self, lane: str) -> int:
        return self.publish if lane == PUBLISH else self.reads


@dataclass(frozen=True)
class Ticket:
    lane: str
    session: str
    client: str


class Gate:
    """The places of both lanes, shared by the threads of one server process."""

    def __init__(self, bounds: Bounds | None = None, clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[threading.Condition, float], object] | None = None):
        self.bounds = bounds or Bounds()
        self._clock = clock
        self._wait = wait or (lambda condition, seconds: condition.wait(seconds))
        self._condition = threading.Condition()
        self._held: Counter[Ticket] = Counter()

    def refusal(self, lane: str, session: str, client: str) -> str | None:
        """Why a read cannot enter now ("session", "client", or the lane's name), None when it can."""
        with self._condition:
            held = self._held
            if sum(n for t, n in held.items() if t.session == session) >= self.bounds.per_session:
                return "session"
            if sum(n for t, n in held.items() if t.lane == lane) >= self.bounds.capacity(lane):
                return lane
            if lane == READ and sum(n for t, n in held.items()
                                    if t.lane == READ and t.client == client) >= self.bounds.per_client:
                return "client"
            return None

    def enter(self, lane: str, session: str, client: str) -> Ticket:
        """A place in ``lane``, waiting at most ``wait_s`` for one; ``Busy`` otherwise (at once for a session
        that already reads: its earlier read may last long)."""
        deadline = self._clock() + self.bounds.wait_s
        with self._condition:
            while (why := self.refusal(lane, session, client)) is not None:
                left = deadline - self._clock()
                if why == "session" or left <= 0:
                    raise Busy(why)
                self._wait(self._condition, left)
            ticket = Ticket(lane, session, client)
            self._held[ticket] += 1
            return ticket

    def leave(self, ticket: Ticket) -> None:
        with self._condition:
            self._held[ticket] -= 1
            if self._held[ticket] <= 0:
                del self._held[ticket]
            self._condition.notify_all()

    @contextmanager
    def admitted(self, lane: str, session: str, client: str) -> Iterator[Ticket]:
        ticket = self.enter(lane, session, client)
        try:
            yield ticket
        finally:
            self.leave(ticket)

    def held(self) -> dict[Ticket, int]:
        with self._condition:
            return dict(self._held)
