"""Who may have a census read now (nrdash.admission; issue 23 §3): one read at a time per session, a bound per
client address and in all, publications in a lane of their own, a bounded wait then « Serveur occupé ». The clock
and the wait are the test's: nothing sleeps, what happens while a read waits is decided here. Then the sandbox's
lanes with fake warm workers: a publication's read never goes to the uploads' workers."""
from __future__ import annotations

import pytest

from nrdash import sandbox
from nrdash.admission import BUSY, PUBLISH, READ, Bounds, Busy, Gate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gate(wait=None, **bounds) -> tuple[Gate, Clock, list[float]]:
    """A gate whose waits are recorded and, unless ``wait`` says otherwise, let the whole time pass."""
    clock, waits = Clock(), []

    def waiting(condition, seconds):
        waits.append(seconds)
        if wait is not None:
            wait(seconds)
        else:
            clock.now += seconds

    values = {"reads": 2, "per_client": 1, "publish": 1, "wait_s": 5.0, **bounds}
    return Gate(Bounds(**values), clock=clock, wait=waiting), clock, waits


def test_a_session_has_one_read_at_a_time_and_a_second_is_refused_at_once():
    g, clock, waits = gate()
    g.enter(READ, "s1", "203.0.113.1")
    for lane in (READ, PUBLISH):  # whatever the lane: the session's first read may last long, no waiting
        with pytest.raises(Busy) as refused:
            g.enter(lane, "s1", "203.0.113.1")
        assert refused.value.why == "session" and waits == [] and clock.now == 1000.0
        assert str(refused.value) == ("Serveur occupé, réessayez dans un instant : votre fichier précédent est encore "
                                      "en cours de lecture.")
        assert str(refused.value).startswith(BUSY[:-1])


def test_one_client_address_waits_its_turn_then_is_told_the_server_is_busy():
    g, clock, waits = gate()
    g.enter(READ, "tab1", "203.0.113.1")
    with pytest.raises(Busy) as refused:  # another tab of the same address: the per-client bound
        g.enter(READ, "tab2", "203.0.113.1")
    assert refused.value.why == "client" and waits == [5.0] and clock.now == 1005.0
    assert "depuis votre connexion" in str(refused.value)
    assert g.enter(READ, "tab3", "198.51.100.7").client == "198.51.100.7"  # another client: at once
    assert waits == [5.0]


def test_a_read_waiting_for_a_place_gets_the_one_freed():
    first = {}
    g, clock, waits = gate(wait=lambda seconds: (setattr(clock, "now", clock.now + 2), g.leave(first["t"])))
    first["t"] = g.enter(READ, "a", "203.0.113.1")
    g.enter(READ, "b", "203.0.113.2")
    ticket = g.enter(READ, "c", "203.0.113.3")  # the lane is full (2): waits, "a" leaves after 2 s
    assert ticket.session == "c" and waits == [5.0] and clock.now == 1002.0
    assert sorted(t.session for t in g.held()) == ["b", "c"]


def test_the_wait_is_bounded_even_when_woken_without_a_place():
    g, clock, waits = gate(wait=lambda seconds: setattr(clock, "now", clock.now + 1.5))  # woken, still full
    g.enter(READ, "a", "203.0.113.1")
    g.enter(READ, "b", "203.0.113.2")
    with pytest.raises(Busy) as refused:
        g.enter(READ, "c", "203.0.113.3")
    assert refused.value.why == READ and clock.now >= 1005.0
    assert waits == [5.0, 3.5, 2.0, 0.5]  # each wait for what is left, never beyond the deadline


def test_publications_have_their_own_lane():
    g, clock, waits = gate()
    for i in range(2):  # the uploads' lane is full
        g.enter(READ, f"anonymous{i}", f"203.0.113.{i}")
    ticket = g.enter(PUBLISH, "editor", "203.0.113.0")  # same address as an upload: publishing is not bounded by it
    assert ticket.lane == PUBLISH and waits == []
    with pytest.raises(Busy) as refused:  # one publication at a time (by default)
        g.enter(PUBLISH, "other editor", "198.51.100.1")
    assert refused.value.why == PUBLISH and "une autre publication" in str(refused.value)


def test_the_issue_scenario_four_anonymous_tabs_do_not_delay_a_visitor_nor_an_editor():
    """Four tabs of one address re-upload a large workbook: one reads, three wait and are refused; meanwhile a
    visitor's upload and an editor's publication enter at once."""
    g, clock, waits = gate()
    reading = g.enter(READ, "tab0", "192.0.2.66")
    refused = []
    for i in range(1, 4):
        with pytest.raises(Busy) as busy:
            g.enter(READ, f"tab{i}", "192.0.2.66")
        refused.append(busy.value.why)
    assert refused == ["client"] * 3
    before = len(waits)
    assert g.enter(READ, "visitor", "198.51.100.20").session == "visitor"
    assert g.enter(PUBLISH, "editor", "198.51.100.30").session == "editor"
    assert len(waits) == before  # neither waited
    g.leave(reading)
    assert g.enter(READ, "tab1", "192.0.2.66").session == "tab1"


def test_a_place_is_given_back_whatever_happens_inside():
    g, _, _ = gate()
    with pytest.raises(ValueError):
        with g.admitted(READ, "s", "203.0.113.1"):
            assert len(g.held()) == 1
            raise ValueError("a reader's failure")
    assert g.held() == {}
    with g.admitted(READ, "s", "203.0.113.1"):
        pass
    assert g.held() == {}


def test_bounds_from_the_environment(monkeypatch):
    monkeypatch.setenv("NRDASH_WORKERS", "3")
    monkeypatch.setenv("NRDASH_READS_PER_CLIENT", "2")
    monkeypatch.setenv("NRDASH_PUBLISH_WORKERS", "0")  # at least one
    monkeypatch.setenv("NRDASH_READ_WAIT_S", "pas un nombre")
    b = Bounds()
    assert (b.reads, b.per_client, b.publish, b.wait_s, b.per_session) == (3, 2, 1, 5, 1)


# ---------------------------------------------------------------------------------------------
# The sandbox's lanes, with fake warm workers
# ---------------------------------------------------------------------------------------------
class FakePool:
    def __init__(self) -> None:
        self.requests: list[tuple] = []

    def run(self, request: tuple, timeout: float):
        self.requests.append(request)
        return "refused", "lu par un faux processus"

    def warm(self) -> None:
        pass


def test_a_publications_read_goes_to_its_own_workers(monkeypatch):
    pools = {"read": FakePool(), "publish": FakePool()}
    monkeypatch.setattr(sandbox, "_POOLS", pools)
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "1")
    from tests.conftest import SAMPLE

    data = SAMPLE.read_bytes()
    with pytest.raises(sandbox.CensusError, match="faux processus"):
        sandbox.load_census_isolated(data, "a.xlsx", mode="worker")
    with sandbox.lane("publish"), pytest.raises(sandbox.CensusError):
        sandbox.load_census_isolated(data, "b.xlsx", mode="worker")
    with pytest.raises(sandbox.CensusError):  # the lane ends with its block
        sandbox.load_census_isolated(data, "c.xlsx", mode="worker")
    assert [r[1] for r in pools["read"].requests] == ["a.xlsx", "c.xlsx"]
    assert [r[1] for r in pools["publish"].requests] == ["b.xlsx"]
    with pytest.raises(ValueError):
        with sandbox.lane("ailleurs"):
            pass
