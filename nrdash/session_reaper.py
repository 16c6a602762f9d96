"""Ending the sessions whose browser has gone, so that what they held (an uploaded census, its filtered views, the
uploaded file's bytes) is freed.

When a browser tab closes, Streamlit keeps its session for ``server.disconnectedSessionTTL`` seconds (120 by default)
in case the same tab reconnects after a network blip. Past that window it no longer resumes it, but it forgets it
only when another session connects, never shuts it down (its uploaded files stay in Streamlit's uploaded file
manager), and its runtime's message loop keeps the last session it served in a loop variable until another session
sends something (issue 23: 10 sessions of 50,000 actors, +319 MB, unchanged 230 s after they closed, released when a
later visitor connected). So the reaper

1. remembers each session the app runs, with its session state;
2. closes a session shortly before the end of that window (``timing``; past it, Streamlit's own close no longer sees
   the session), through the runtime's public, thread-safe ``clear_user_info_for_session`` (a session that exists
   only in storage is closed on the event loop, as a signed-out one: shut down, its uploaded files dropped, never
   resumed);
3. at its next look, empties the state of each session so closed that is still not connected (whatever still points
   at the session, its census is no longer there), and collects the garbage (a census may sit in reference cycles).

app.py keeps nothing of a run in its globals either: Streamlit leaves the last run's ``__main__`` module in
``sys.modules``. ``Reaper`` is pure (the runtime's calls, the clock and the state are given); ``seen`` starts the
server process's reaper thread."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nrdash.allocator import release_memory

log = logging.getLogger("nrdash")


def timing(ttl: float) -> tuple[float, float]:
    """(how often the reaper looks, how long a session must have been seen disconnected before it is closed) for
    Streamlit's reconnection window ``ttl``: a disconnection is seen at most one period late and acted on at most
    one period after the grace, so grace + 2 periods < ttl."""
    period = min(10.0, max(0.1, ttl / 4))
    return period, max(0.0, ttl - 3 * period)


@dataclass
class _Known:
    empty: Callable[[], object]  # empties the session's state
    gone_since: float | None = None  # when it was first seen disconnected


class Reaper:
    def __init__(self, is_active: Callable[[str], bool], close: Callable[[str], object],
                 ttl: Callable[[], float], clock: Callable[[], float] = time.monotonic,
                 collect: Callable[[], object] | None = None):
        self._is_active, self._close, self._ttl, self._clock = is_active, close, ttl, clock
        self._collect = collect if collect is not None else release_memory
        self._known: dict[str, _Known] = {}
        self._closed: dict[str, _Known] = {}  # closed at the last look: their state is emptied at the next
        self._lock = threading.Lock()

    def seen(self, session_id: str, empty: Callable[[], object]) -> None:
        """A run of ``session_id`` (connected); ``empty`` empties its session state."""
        with self._lock:
            self._known[session_id] = _Known(empty)

    def sweep(self) -> list[str]:
        """One look: empty the sessions closed at the last look, close those disconnected for the grace time; the
        ids closed now."""
        with self._lock:
            closed_before, self._closed = self._closed, {}
            known = list(self._known.items())
        emptied = 0
        for sid, k in closed_before.items():
            if not self._is_active(sid):  # the close ran (a session it found connected again is left alone)
                k.empty()
                emptied += 1
        if emptied:
            self._collect()
        now, (_, grace) = self._clock(), timing(self._ttl())
        closed = []
        for sid, k in known:
            if self._is_active(sid):
                k.gone_since = None
            elif k.gone_since is None and grace > 0:
                k.gone_since = now
            elif k.gone_since is None or now - k.gone_since >= grace:
                self._close(sid)
                closed.append(sid)
                with self._lock:
                    if self._known.get(sid) is k:
                        del self._known[sid]
                    self._closed[sid] = k
        return closed

    def known(self) -> dict[str, float | None]:
        """Each session known and since when it is seen disconnected (None: connected)."""
        with self._lock:
            return {sid: k.gone_since for sid, k in self._known.items()}


def _runtime_reaper() -> Reaper:
    from streamlit import config
    from streamlit.runtime import Runtime

    return Reaper(is_active=lambda sid: Runtime.instance().is_active_session(sid),
                  close=lambda sid: Runtime.instance().clear_user_info_for_session(sid),
                  ttl=lambda: float(config.get_option("server.disconnectedSessionTTL")))


def _emptier(state) -> Callable[[], None]:
    """Empties a session's state (Streamlit's SafeSessionState of the session's runs): every key, widgets' included."""
    def empty() -> None:
        for key in list(state.filtered_state):
            try:
                del state[key]
            except KeyError:
                pass
    return empty


_REAPER: Reaper | None = None
_STARTED = threading.Lock()


def _loop(reaper: Reaper) -> None:
    from streamlit import runtime

    while True:
        time.sleep(timing(reaper._ttl())[0])
        if not runtime.exists():  # the server is stopping (or a test's runtime came and went)
            continue
        try:
            closed = reaper.sweep()
            if closed:
                log.info("sessions closed after their browser left: %d", len(closed))
        except Exception:  # never the end of the thread
            log.exception("session reaper")


def seen() -> None:
    """The session running this script is known to this server process's reaper (started on the first call;
    nothing without a server's runtime, e.g. under AppTest)."""
    global _REAPER
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    with _STARTED:
        if _REAPER is None:
            _REAPER = _runtime_reaper()
            threading.Thread(target=_loop, args=(_REAPER,), name="nrdash-session-reaper", daemon=True).start()
    _REAPER.seen(ctx.session_id, _emptier(ctx.session_state))
