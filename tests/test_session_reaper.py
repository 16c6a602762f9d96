"""nrdash.session_reaper (issue 23 §3): sessions whose browser left are closed before Streamlit's reconnection window
ends, their state emptied at the next look; connected ones are never touched. The runtime, the clock and the state
are fakes here: nothing waits."""
from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from nrdash.session_reaper import Reaper, _malloc_trim, release_memory, timing


class Runtime:
    def __init__(self) -> None:
        self.active: set[str] = set()
        self.closed: list[str] = []

    def close(self, sid: str) -> None:
        self.closed.append(sid)


def reaper(ttl: float = 120.0):
    rt, clock, collected = Runtime(), [0.0], []
    r = Reaper(is_active=lambda sid: sid in rt.active, close=rt.close, ttl=lambda: ttl, clock=lambda: clock[0],
               collect=lambda: collected.append(clock[0]))
    return r, rt, clock, collected


def state(values: dict):
    return lambda: values.clear()


@pytest.mark.parametrize("ttl", [2, 5, 30, 120, 600])
def test_timing_acts_within_streamlits_reconnection_window(ttl):
    period, grace = timing(ttl)
    assert 0 < period <= 10 and grace >= 0
    assert grace + 2 * period < ttl  # seen one period late at most, acted on one period after the grace at most


def test_a_session_whose_browser_left_is_closed_before_the_window_ends_then_emptied():
    r, rt, clock, collected = reaper(120)
    gone, staying = {"dataset": "50 000 acteurs"}, {"dataset": "300 acteurs"}
    rt.active |= {"gone", "staying"}
    r.seen("gone", state(gone))
    r.seen("staying", state(staying))
    assert r.sweep() == [] and r.known() == {"gone": None, "staying": None}
    rt.active.discard("gone")  # its tab is closed
    clock[0] = 5.0
    assert r.sweep() == [] and r.known()["gone"] == 5.0  # seen disconnected
    period, grace = timing(120)
    clock[0] = 5.0 + grace - 0.01
    assert r.sweep() == [] and rt.closed == []
    clock[0] = 5.0 + grace
    assert r.sweep() == ["gone"] and rt.closed == ["gone"] and "gone" not in r.known()
    assert gone and collected == []  # emptied at the next look, once the close has run
    clock[0] += period
    assert r.sweep() == [] and gone == {} and collected == [clock[0]]
    assert staying == {"dataset": "300 acteurs"} and r.known() == {"staying": None}  # the open one is untouched
    clock[0] += period
    r.sweep()
    assert collected == [clock[0] - period]  # nothing closed since: no collection


def test_a_session_that_comes_back_is_not_closed():
    r, rt, clock, _ = reaper(120)
    values = {"dataset": "x"}
    r.seen("s", state(values))
    r.sweep()  # disconnected (never seen connected by the runtime here)
    clock[0] = 50.0
    rt.active.add("s")  # the same tab reconnects within the window
    r.seen("s", state(values))
    assert r.sweep() == [] and r.known() == {"s": None}
    clock[0] = 1000.0
    assert r.sweep() == [] and rt.closed == [] and values == {"dataset": "x"}


def test_a_session_connected_again_when_the_close_ran_is_not_emptied():
    r, rt, clock, collected = reaper(2)
    values = {"dataset": "x"}
    r.seen("s", state(values))
    assert r.sweep() == []  # seen disconnected
    clock[0] += timing(2)[1]
    assert r.sweep() == ["s"]
    rt.active.add("s")  # the close found it connected (a reconnection in between): Streamlit left it alone
    r.sweep()
    assert values == {"dataset": "x"} and collected == []


def test_without_a_servers_runtime_nothing_is_started(monkeypatch):
    from nrdash import session_reaper

    monkeypatch.setattr(session_reaper, "_REAPER", None)
    session_reaper.seen()  # no script run context here (nor under AppTest's runtime-less runs)
    assert session_reaper._REAPER is None


def _resident_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@pytest.mark.skipif(_malloc_trim() is None, reason="glibc's malloc_trim only")
def test_memory_a_sessions_thread_freed_goes_back_to_the_system():
    """A session's script runs in a thread of its own, and glibc keeps what that thread freed in the thread's arena
    (issue 23: the server's resident memory rose 75 to 110 MB from one round of closed sessions to the next). After
    release_memory the freed heap is the system's again. 100 MB of 1 KB blocks (malloc's, not Python's small-object
    allocator) made in a thread, one in a hundred kept: the rest is freed but stays resident until trimmed."""
    kept = []

    def session_run():
        blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(100_000)]
        kept.append(blocks[::100])  # survivors scattered through the arena: it cannot shrink from its top alone

    worker = threading.Thread(target=session_run)
    worker.start()
    worker.join()
    gc.collect()
    before = _resident_mb()
    release_memory()
    assert before - _resident_mb() > 50, (before, _resident_mb())
    assert len(kept[0]) == 1_000


@pytest.mark.skipif(_malloc_trim() is None, reason="glibc only")
def test_the_servers_threads_share_two_heaps():
    """limit_malloc_arenas (called by nrdash/web/server.py before any session's thread exists): eight threads
    allocating at once share two glibc heaps (without it, glibc made nine here), so what a closed session's thread
    freed is not kept fragmented in a heap of its own. Counted by glibc's malloc_stats, in a fresh process."""
    import subprocess
    import sys

    code = ("import ctypes, threading\n"
            "from nrdash import session_reaper\n"
            "assert session_reaper.limit_malloc_arenas()\n"
            "barrier, kept = threading.Barrier(8), []\n"
            "def run():\n"
            "    barrier.wait()\n"
            "    kept.append([bytes(2000) for _ in range(2000)])\n"
            "threads = [threading.Thread(target=run) for _ in range(8)]\n"
            "[t.start() for t in threads]\n"
            "[t.join() for t in threads]\n"
            "ctypes.CDLL('libc.so.6').malloc_stats()\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parent.parent)
    assert res.returncode == 0, res.stderr[-2000:]
    arenas = [line for line in res.stderr.splitlines() if line.startswith("Arena ")]
    assert 1 <= len(arenas) <= 2, res.stderr[-2000:]
