"""A room opens the dashboard at once (issue 30): N Streamlit sessions opened together, as N browsers would.

    python benchmarks/bench_room.py [--page ""|questionnaire|engagement…] [--query "territoire=exemple"]
                                    [--sessions 40] [--rounds 3] [--single 5] [--actors 10000] [--replicas 2]

What a browser does once it has Streamlit's page and scripts (their download is not counted: it comes from the
browser's cache or a CDN-like static route, and costs the server little next to the script's run): it opens the
websocket ``/_stcore/stream`` (sub-protocol ``streamlit``), sends one ``BackMsg`` ``rerun_script`` carrying its
``ClientState`` (the address's query string, the page's name from the address — empty for the home page —, no
widget state, and ``context_info``: time zone, locale, full URL, colour scheme), then receives ``ForwardMsg``s
until ``script_finished``. This client does exactly that, with the ``websockets`` library Streamlit itself
depends on, and the same protobuf classes (``streamlit.proto``); it was checked against the frames Chromium sends
(a Playwright capture of the real page: the same single ``rerun_script`` with those fields).

For each session: the wall time from the websocket's connection to ``script_finished`` (a run that ends early for a
rerun, e.g. ``st.rerun``, is followed to the end of the next one), the bytes received, and a check that the page
drew what it should (``--expect``, by default a sentence of the page) and no exception element.

The server (``streamlit run nrdash/web/server.py``, as README starts it) is started by this script on a free loopback
port, with a fresh data folder (SQLite, the sample seeded as « exemple »); ``--actors N`` first publishes a
synthetic N-actor census (benchmarks/bench_census.py) as territory ``--code`` and opens it (``?territoire=``).
``--http``: a page the server writes itself, without Streamlit (the public questionnaire since issue 29): each
visitor is one GET of the whole page, timed to its last byte.
``--replicas 2``: the reference deployment instead (tests/e2e/topology.py: PostgreSQL, two replicas,
HAProxy with deploy/haproxy.cfg); each session first fetches the page (HAProxy's SERVERID cookie) then opens its
websocket with that cookie, as a browser does, and the servers' figures are the sum of both replicas.

Steps: a first session (cold server: geography, imports, the store's first read) and ``--single`` sessions opened
one after another (warm server: the server CPU time of each, read from /proc/PID/stat), then ``--rounds`` rounds of
``--sessions`` sessions opened together; each round's sessions are closed at its end (Streamlit keeps closed
sessions for reconnection, at most 128 for two minutes: the rounds' memory includes them). Printed per round:
median, p95 and max of the sessions' times, the servers' CPU time (total and per session), their RSS after the
round, and the load average (the machine may be shared: compare CPU times more than wall times).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402  (a dependency of Streamlit itself)

EXPECT = {  # a sentence each page draws (the check that the session saw the page, not an error)
    "": "le territoire en un coup d",
    "questionnaire": "Votre structure",
}
EXPECT_HTTP = {"questionnaire": "Votre structure"}  # --http: in the page the server writes
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Session:
    seconds: float = 0.0
    received: int = 0
    messages: int = 0
    runs: int = 0
    problem: str | None = None
    cookie: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)


def client_state(url: str, page: str, query: str) -> bytes:
    """The first BackMsg a browser sends on a new websocket (as Chromium sends it)."""
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = query
    rerun.widget_states.SetInParent()
    if page:
        rerun.page_name = page
    info = rerun.context_info
    info.timezone, info.timezone_offset, info.locale = "Europe/Paris", -60, "fr-FR"
    info.url = url + "/" + page + ("?" + query if query else "")
    info.is_embedded, info.color_scheme = False, "light"
    return msg.SerializeToString()


def _elements(msg: ForwardMsg) -> str | None:
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        return msg.delta.new_element.WhichOneof("type")
    return None


def page_cookie(url: str, page: str, query: str) -> str | None:
    """The page's HTML, fetched as a browser does before its websocket: behind HAProxy, its SERVERID cookie."""
    with urllib.request.urlopen(f"{url}/{page}" + ("?" + query if query else ""), timeout=60) as r:
        r.read()
        cookies = [c.split(";")[0] for c in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies) or None


async def open_session(url: str, page: str, query: str, expect: str, cookie: str | None,
                       finished: asyncio.Event, keep: asyncio.Event) -> Session:
    """One browser's session: connect, ask for the page, read until its script has finished (``finished`` is
    set), then stay connected until ``keep`` is set (the room keeps its pages open)."""
    s = Session(cookie=cookie)
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": cookie} if cookie else {}
    text = []
    t = time.perf_counter()
    try:
        async with connect(ws_url, subprotocols=["streamlit"], origin=url, additional_headers=headers,
                           max_size=None, open_timeout=120, ping_interval=None) as ws:
            await ws.send(client_state(url, page, query))
            while True:
                data = await asyncio.wait_for(ws.recv(), timeout=300)
                s.received += len(data)
                s.messages += 1
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                s.kinds[kind] = s.kinds.get(kind, 0) + 1
                element = _elements(msg)
                if element == "exception":
                    s.problem = "exception element"
                if element in ("markdown", "heading", "text", "alert"):
                    text.append(data)
                if kind == "script_finished":
                    s.runs += 1
                    if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue
                    if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        s.problem = f"script_finished={msg.script_finished}"
                    break
            s.seconds = time.perf_counter() - t
            if expect and expect.encode() not in b"".join(text):
                s.problem = s.problem or f"page without « {expect} »"
            finished.set()
            await keep.wait()
    except Exception as exc:  # noqa: BLE001 - said in the report, the round goes on
        s.seconds = s.seconds or time.perf_counter() - t
        s.problem = s.problem or f"{type(exc).__name__}: {exc}"
    finished.set()
    return s


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (all the process's threads)
    return total / TICKS


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 40 values: the 38th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))] if ordered else float("nan")


async def room(url: str, pids: list[int], n: int, page: str, query: str, expect: str,
               cookies: bool) -> tuple[list[Session], float]:
    """n sessions opened at once; returns them and the servers' CPU seconds until every script had finished
    (the sessions stay connected meanwhile, then are closed together)."""
    jar = ([await asyncio.to_thread(page_cookie, url, page, query) for _ in range(n)] if cookies else [None] * n)
    keep = asyncio.Event()
    finished = [asyncio.Event() for _ in jar]
    before = cpu_seconds(pids)
    tasks = [asyncio.create_task(open_session(url, page, query, expect, c, done, keep))
             for c, done in zip(jar, finished)]
    for done in finished:
        await done.wait()
    cpu = cpu_seconds(pids) - before
    keep.set()
    return list(await asyncio.gather(*tasks)), cpu


def _fetch(address: str, expect: str) -> Session:
    """One visitor of a page the server writes itself (``--http``): the whole page, from the request to its last
    byte, checked for ``expect``."""
    s = Session()
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(address, timeout=120) as answer:
            body = answer.read()
        s.seconds, s.received, s.runs = time.perf_counter() - t, len(body), 1
        if expect and expect.encode() not in body:
            s.problem = f"page without « {expect} »"
    except Exception as exc:  # noqa: BLE001 - said in the report, the round goes on
        s.seconds, s.problem = time.perf_counter() - t, f"{type(exc).__name__}: {exc}"
    return s


async def http_room(url: str, pids: list[int], n: int, page: str, query: str, expect: str) -> tuple[list[Session],
                                                                                                     float]:
    """n visitors asking for the page at once (one thread each, as n browsers)."""
    before = cpu_seconds(pids)
    address = f"{url}/{page}" + (f"?{query}" if query else "")
    sessions = await asyncio.gather(*(asyncio.to_thread(_fetch, address, expect) for _ in range(n)))
    return list(sessions), cpu_seconds(pids) - before


def report(label: str, sessions: list[Session], cpu: float, pids: list[int]) -> dict:
    times = [s.seconds for s in sessions]
    problems = [s.problem for s in sessions if s.problem]
    row = {"label": label, "sessions": len(sessions), "median_s": statistics.median(times),
           "p95_s": percentile(times, 95), "max_s": max(times), "server_cpu_s": cpu,
           "cpu_per_session_ms": cpu / len(sessions) * 1000, "rss_mb": rss_mb(pids),
           "kb_per_session": statistics.median(s.received for s in sessions) / 1024,
           "load": os.getloadavg()[0], "problems": problems}
    print(f"{label:<18} {len(sessions):>3} sessions  médiane {row['median_s']:6.2f} s  p95 {row['p95_s']:6.2f} s  "
          f"max {row['max_s']:6.2f} s  | CPU serveur {cpu:6.2f} s ({row['cpu_per_session_ms']:5.0f} ms/session)  "
          f"RSS {row['rss_mb']:6.0f} Mo  {row['kb_per_session']:5.0f} ko/session  charge {row['load']:.2f}",
          flush=True)
    if problems:
        print(f"  !! {len(problems)} session(s) en échec : {sorted(set(problems))[:3]}", flush=True)
    return row


async def bench(url: str, pids: list[int], args) -> list[dict]:
    cookies = args.replicas > 1
    rows = []
    opener = (lambda *a: http_room(*a[:6])) if args.http else room  # --http: the pages the server writes
    sessions, cpu = await opener(url, pids, 1, args.page, args.query, args.expect, cookies)
    rows.append(report("1re session (froid)", sessions, cpu, pids))
    for i in range(args.single):
        await asyncio.sleep(0.5)
        sessions, cpu = await opener(url, pids, 1, args.page, args.query, args.expect, cookies)
        rows.append(report(f"1 session (chaud) {i + 1}", sessions, cpu, pids))
    with profiler(args.profile, pids):
        for i in range(args.rounds):
            await asyncio.sleep(args.pause)
            sessions, cpu = await opener(url, pids, args.sessions, args.page, args.query, args.expect, cookies)
            rows.append(report(f"salle {i + 1}", sessions, cpu, pids))
    return rows


@contextlib.contextmanager
def profiler(path: Path | None, pids: list[int]):
    """``--profile FILE``: py-spy samples the (first) server during the rounds, every thread, idle time left
    out; FILE gets the collapsed stacks (one line per stack: frames separated by ';', then the count), which
    benchmarks/profile_summary.py sums per function."""
    if path is None:
        yield
        return
    import subprocess

    spy = Path(sys.executable).with_name("py-spy")
    proc = subprocess.Popen([str(spy), "record", "--pid", str(pids[0]), "--rate", "250", "--gil", "--format", "raw",
                             "--output", str(path), "--nonblocking"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attached
    try:
        yield
    finally:
        import signal

        proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        proc.wait(timeout=60)


def publish_synthetic(actors: int, code: str, database: str | None) -> None:
    """The synthetic census (cached in benchmarks/out/) published as ``code``'s version 1."""
    from bench_census import OUT, synthetic_census

    from nrdash.store import Principal, Store

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synthetic-{actors}.xlsx"
    if not path.exists():
        synthetic_census(actors, path)
    s = Store(database) if database else Store()
    s.publish(Principal.operator(), code, path.read_bytes(), path.name, author="banc d'essai",
              force_reason="banc d'essai")
    s.set_territory(Principal.operator(), code, anonymous_read=True)  # a new territory opens closed (issue 25)
    s.close()


@contextlib.contextmanager
def single_server(args):
    from tests.e2e.harness import streamlit_server

    with tempfile.TemporaryDirectory(prefix="nrdash-room-") as tmp:
        env = {"NRDASH_DATA_DIR": tmp}
        os.environ.update(env)
        os.environ.pop("NRDASH_DATABASE_URL", None)
        if args.actors:
            publish_synthetic(args.actors, args.code, None)
        with streamlit_server(env=env, log=Path(tmp) / "server.log") as url:
            yield url, [url.pid]


@contextlib.contextmanager
def replicas(args):
    from tests.e2e.topology import deployment

    prepare = (lambda database: publish_synthetic(args.actors, args.code, database)) if args.actors else None
    with deployment(prepare) as d:
        yield d.url, [u.pid for u in d.replicas.values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", default="", help="page address: '' (Accueil), questionnaire, engagement…")
    parser.add_argument("--query", default=None, help="query string (default: territoire=CODE when --actors, "
                                                      "territoire=exemple for the questionnaire)")
    parser.add_argument("--expect", default=None, help="a text the page must draw")
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=5, help="warm single sessions, one after another")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument("--actors", type=int, default=0, help="publish a synthetic census of N actors first")
    parser.add_argument("--code", default="17300", help="its territory (default 17300, La Rochelle)")
    parser.add_argument("--replicas", type=int, default=1, choices=(1, 2))
    parser.add_argument("--json", type=Path, help="write the rows there too")
    parser.add_argument("--http", action="store_true", help="a page the server writes itself (the public "
                        "questionnaire since issue 29): each visitor is one GET of the whole page, no websocket")
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks of the rounds, to this file")
    args = parser.parse_args()
    if args.query is None:
        args.query = (f"territoire={args.code}" if args.actors
                      else "territoire=exemple" if args.page == "questionnaire" else "")
    if args.expect is None:
        args.expect = (EXPECT_HTTP if args.http else EXPECT).get(args.page, "")
    print(f"{time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} cœurs, charge {os.getloadavg()}, page "
          f"/{args.page}?{args.query}, {args.replicas} serveur(s)" + (f", {args.actors} acteurs" if args.actors
                                                                      else ", recensement d'exemple"), flush=True)
    with (replicas(args) if args.replicas > 1 else single_server(args)) as (url, pids):
        rows = asyncio.run(bench(url, pids, args))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    if any(r["problems"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
