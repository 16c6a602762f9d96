"""nrdash.session_reaper (issue 23 §3): sessions whose browser left are closed before Streamlit's reconnection window
ends, their state emptied at the next look; connected ones are never touched. The runtime, the clock and the state
are fakes here: nothing waits."""
from __future__ import annotations


import pytest

from nrdash.session_reaper import Reaper, timing


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
