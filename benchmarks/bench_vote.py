"""A room votes (issue 28): N phones vote within the same ten seconds while the projector shows the live result.

    python benchmarks/bench_vote.py [--phones 40] [--window 10] [--rounds 2] [--seed 28]

The server (``streamlit run nrdash/web/server.py``, as README starts it) is started on a free loopback port with a fresh
data folder (benchmarks/bench_room.py's ``single_server``); a vote is opened on « exemple » and a locked workshop
link made, as the facilitator would.

- **The projector** is one Streamlit session driven as a browser drives it (bench_room.py's websocket client: the
  same first ``rerun_script``), on ``/atelier?jeton=…``; it stays connected and reads every frame the live
  fragment sends (once a second), noting when the participants' count it draws reaches each value.
- **The phones** are N HTTP clients, each with its own cookie jar, as N browsers: each opens ``/vote?code=…``
  (its cookie set), then, at a moment drawn at random within ``--window`` seconds, ticks three cells and sends
  « Voter » (the POST, then the page it is redirected to, which says « Votre vote est enregistré »): that round trip
  is the phone's acknowledgement time. Every phone comes from one address (127.0.0.1): a room behind one NAT.
- Printed per round: the acknowledgement times (median, p95, max), how long after the last acknowledgement the
  projector drew all N participants, the server's CPU time, its RSS before, at its peak (sampled every 0.1 s) and
  after the phones have left (their clients closed, 5 s later), the bytes the projector received per tick, and the
  load average (the machine may be shared: compare CPU times more than wall times).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from bench_room import client_state, cpu_seconds, percentile, rss_mb, single_server  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

PARTICIPANTS = re.compile(rb"(\d+) participants?</strong>")
CELLS = ["m00", "m01", "m02", "m03", "m10", "m11", "m12", "m13", "m20", "m21", "m22", "m23", "m30", "m31", "m32", "m33"]


class Projector:
    """The projector's Streamlit session: connected until stopped, noting when each participants' count was drawn
    and the bytes of each fragment run."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.ticks: list[int] = []
        self.ready = asyncio.Event()
        self.stop = asyncio.Event()

    async def run(self, url: str, token: str) -> None:
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        query = f"jeton={token}"
        async with connect(ws_url, subprotocols=["streamlit"], origin=url, max_size=None, open_timeout=120,
                           ping_interval=None) as ws:
            await ws.send(client_state(url, "atelier", query))
            run_bytes, page_hash, timers = 0, "", []
            while not self.stop.is_set():
                try:
                    data = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                run_bytes += len(data)
                for n in PARTICIPANTS.findall(data):
                    self.seen.setdefault(int(n), time.perf_counter())
                    self.ready.set()
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    page_hash = msg.new_session.page_script_hash
                elif kind == "auto_rerun":  # st.fragment(run_every=…): the browser asks for the fragment's reruns
                    timers.append(asyncio.create_task(self.tick(ws, url, query, page_hash, msg.auto_rerun)))
                elif kind == "script_finished":
                    self.ticks.append(run_bytes)
                    run_bytes = 0
            for timer in timers:
                timer.cancel()

    async def tick(self, ws, url: str, query: str, page_hash: str, auto) -> None:
        """What the browser does for a fragment with run_every: a rerun of that fragment at each interval."""
        while True:
            await asyncio.sleep(auto.interval)
            msg = BackMsg()
            msg.ParseFromString(client_state(url, "atelier", query))
            state = msg.rerun_script
            state.fragment_id, state.is_auto_rerun, state.page_script_hash = auto.fragment_id, True, page_hash
            await ws.send(msg.SerializeToString())


async def phone(url: str, code: str, delay: float, rng: random.Random) -> float:
    """One phone: open the page (cookie), wait ``delay``, vote three cells; the seconds from « Voter » to the
    acknowledgement page."""
    async with httpx.AsyncClient(base_url=url, timeout=60, follow_redirects=False) as client:
        r = await client.get("/vote", params={"code": code})
        r.raise_for_status()
        await asyncio.sleep(delay)
        t = time.perf_counter()
        r = await client.post(f"/vote?code={code}", data={"choix": rng.sample(CELLS, 3)},
                              headers={"origin": url})
        if r.status_code != 303:
            raise RuntimeError(f"vote refusé ({r.status_code})")
        r = await client.get(r.headers["location"])
        if "Votre vote est enregistré" not in r.text:
            raise RuntimeError("pas d'accusé de réception")
        return time.perf_counter() - t


async def sample_rss(pids: list[int], stop: asyncio.Event, peak: list[float]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pids))
        await asyncio.sleep(0.1)


async def round_(url: str, pids: list[int], args, label: str, rng: random.Random) -> dict:
    from nrdash.store import Principal, Store

    s = Store()
    op = Principal.operator()
    if (v := s.latest_vote(op, "exemple")) is not None and v.open:
        s.close_vote(op, "exemple")
    token = s.create_workshop_token(op, "exemple", "banc d'essai")
    code = s.open_vote(op, "exemple").code
    s.close()
    projector = Projector()
    watching = asyncio.create_task(projector.run(url, token))
    await asyncio.wait_for(projector.ready.wait(), timeout=120)
    await asyncio.sleep(2)
    before_rss, peak, stop = rss_mb(pids), [0.0], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pids, stop, peak))
    before_cpu = cpu_seconds(pids)
    acks = await asyncio.gather(*(phone(url, code, rng.uniform(0, args.window), rng) for _ in range(args.phones)))
    last_ack = time.perf_counter()
    deadline = time.perf_counter() + 60
    while args.phones not in projector.seen and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    shown = projector.seen.get(args.phones)
    cpu = cpu_seconds(pids) - before_cpu
    await asyncio.sleep(5)  # the phones have left (their clients are closed)
    stop.set()
    await sampler
    after_rss = rss_mb(pids)
    projector.stop.set()
    await watching
    ticks = projector.ticks[2:] or projector.ticks
    row = {"label": label, "phones": args.phones, "median_s": statistics.median(acks), "p95_s": percentile(acks, 95),
           "max_s": max(acks), "projector_s": None if shown is None else max(0.0, shown - last_ack),
           "cpu_s": cpu, "rss_before": before_rss, "rss_peak": peak[0], "rss_after": after_rss,
           "tick_kb": statistics.median(ticks) / 1024 if ticks else float("nan"), "load": os.getloadavg()[0]}
    print(f"{label:<8} {args.phones} téléphones en {args.window:g} s  accusé de réception : médiane "
          f"{row['median_s']:.2f} s, p95 {row['p95_s']:.2f} s, max {row['max_s']:.2f} s | projecteur : les "
          f"{args.phones} affichés " + ("jamais" if shown is None else f"{row['projector_s']:.2f} s après le dernier")
          + f" | CPU serveur {cpu:.2f} s | RSS {before_rss:.0f} → pic {peak[0]:.0f} → après {after_rss:.0f} Mo | "
          f"{row['tick_kb']:.1f} ko par seconde au projecteur | charge {row['load']:.2f}", flush=True)
    return row


async def bench(url: str, pids: list[int], args) -> list[dict]:
    rng = random.Random(args.seed)
    return [await round_(url, pids, args, f"tour {i + 1}", rng) for i in range(args.rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--window", type=float, default=10.0, help="seconds within which the phones vote")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=28)
    args = parser.parse_args()
    args.actors, args.code = 0, ""  # bench_room.single_server's: the sample only
    print(f"{time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} cœurs, charge {os.getloadavg()}", flush=True)
    with single_server(args) as (url, pids):
        rows = asyncio.run(bench(url, pids, args))
    if any(r["projector_s"] is None for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
