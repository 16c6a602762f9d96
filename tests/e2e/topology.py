"""The reference deployment on one machine, on loopback: a throw-away PostgreSQL cluster (tests/pg.py), two
replicas of `streamlit run nrdash/web/server.py` (tests/e2e/harness.py) sharing its database and one
server.cookieSecret, and HAProxy (deploy/haproxy.cfg, as shipped) in front with cookie stickiness.

Used by tests/e2e/test_replicas.py and by deploy/demo.sh (``python -m tests.e2e.topology``: the same topology
for a person to try, until Ctrl-C)."""
from __future__ import annotations

import argparse
import contextlib
import csv
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from tests.e2e.harness import ROOT, ServerURL, free_port, stop, streamlit_server

HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
REPLICAS = ("a", "b")  # the server names and SERVERID cookie values of deploy/haproxy.cfg
STICKY_COOKIE = "SERVERID"
PROXY_ADDRESS = "127.0.0.1"  # where HAProxy connects to the replicas from: their NRDASH_TRUSTED_PROXIES
INSTALL_HAPROXY = "apt-get install haproxy (paquet Debian)"


class Unavailable(RuntimeError):
    """Something the topology needs is not installed (the message says what to install)."""


def haproxy_path() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
                                            if os.access(p, os.X_OK)), None)


@dataclass
class Deployment:
    url: str  # HAProxy's address: what browsers open
    replicas: dict[str, ServerURL]  # server name (SERVERID value) -> the replica's own address
    database_url: str
    cookie_secret: str
    socket_path: Path  # HAProxy's runtime API

    def haproxy(self, command: str) -> str:
        """One command of HAProxy's runtime API (``show stat``, ``show servers state``…), its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.socket_path))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict[str, str]]:
        """The backend's servers as HAProxy's statistics give them: name -> {status, scur (current streams:
        the open websockets and requests in flight), stot (streams so far), …}."""
        lines = self.haproxy("show stat").lstrip("# ").splitlines()
        rows = csv.DictReader(lines)
        return {r["svname"]: r for r in rows if r["pxname"] == "replicas" and r["svname"] in REPLICAS}

    def open_streams(self) -> dict[str, int]:
        """Name -> streams open right now between HAProxy and that replica."""
        return {name: int(row["scur"]) for name, row in self.servers().items()}


def _start_replicas(env: dict[str, str], stack: contextlib.ExitStack) -> dict[str, ServerURL]:
    """Both replicas started together (as they would be: the schema migration runs under a lock)."""
    managers = {name: streamlit_server(env=env) for name in REPLICAS}
    with ThreadPoolExecutor(len(managers)) as pool:
        futures = {name: pool.submit(cm.__enter__) for name, cm in managers.items()}
        urls, failure = {}, None
        for name, future in futures.items():
            try:
                urls[name] = future.result()
                stack.push(managers[name].__exit__)
            except Exception as exc:  # noqa: BLE001 - the other one is stopped by the stack, then this is raised
                failure = failure or exc
    if failure is not None:
        raise failure
    return urls


@contextlib.contextmanager
def _haproxy(env: dict[str, str], cfg: Path, log: Path) -> Iterator[None]:
    binary = haproxy_path()
    if binary is None:
        raise Unavailable(f"HAProxy absent : le déploiement de référence a besoin de {INSTALL_HAPROXY}")
    check = subprocess.run([binary, "-c", "-q", "-f", str(cfg)], env=env, capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"{cfg} refused by haproxy -c:\n{check.stdout}{check.stderr}")
    with open(log, "w") as out:
        proc = subprocess.Popen([binary, "-db", "-f", str(cfg)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        stop(proc)


def _wait_up(d: Deployment, timeout: float = 30) -> None:
    """Until HAProxy answers on its address and both replicas pass its health check."""
    deadline = time.time() + timeout
    while True:
        try:
            states = {name: row["status"] for name, row in d.servers().items()}
            with urllib.request.urlopen(d.url + "/_stcore/health", timeout=2) as r:
                healthy = r.status == 200
            if healthy and sorted(states) == sorted(REPLICAS) and set(states.values()) == {"UP"}:
                return
        except OSError as exc:
            states = {"error": str(exc)}
        if time.time() > deadline:
            raise RuntimeError(f"HAProxy not ready in {timeout:.0f} s: {states}")
        time.sleep(0.3)


@contextlib.contextmanager
def deployment(prepare: Callable[[str], None] | None = None, *, port: int | None = None,
               cookie_secret: str | None = None, cfg: Path = HAPROXY_CFG) -> Iterator[Deployment]:
    """PostgreSQL + the two replicas + HAProxy on loopback. ``prepare(database_url)`` runs on the fresh
    database before the replicas start (accounts, publications). Raises Unavailable when HAProxy is missing;
    a missing PostgreSQL is reported by tests/pg.py (a skip, or a failure under CI=true)."""
    from tests.pg import cluster, fresh_database

    if haproxy_path() is None:  # said before anything starts
        raise Unavailable(f"HAProxy absent : le déploiement de référence a besoin de {INSTALL_HAPROXY}")
    secret = cookie_secret or secrets.token_urlsafe(32)
    with contextlib.ExitStack() as stack:
        server_url = stack.enter_context(cluster())
        database_url = fresh_database(server_url)
        if prepare is not None:
            prepare(database_url)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nrdash-deploy-")))
        os.chmod(tmp, 0o700)
        replica_env = {"NRDASH_DATABASE_URL": database_url, "STREAMLIT_SERVER_COOKIE_SECRET": secret,
                       "NRDASH_TRUSTED_PROXIES": PROXY_ADDRESS, "NRDASH_DATA_DIR": str(tmp / "data")}
        replicas = _start_replicas(replica_env, stack)
        listen = f"127.0.0.1:{port or free_port()}"
        haproxy_env = {**os.environ, "NRDASH_LISTEN": listen, "NRDASH_HAPROXY_SOCKET": str(tmp / "haproxy.sock"),
                       **{f"NRDASH_REPLICA_{name.upper()}": url.removeprefix("http://")
                          for name, url in replicas.items()}}
        stack.enter_context(_haproxy(haproxy_env, cfg, tmp / "haproxy.log"))
        d = Deployment(f"http://{listen}", replicas, database_url, secret, tmp / "haproxy.sock")
        _wait_up(d)
        yield d


# ---------------------------------------------------------------------------------------------------------------
# The demo (deploy/demo.sh)
# ---------------------------------------------------------------------------------------------------------------
DEMO_TERRITORY = "241700434"  # CA de La Rochelle: the sample census published as its version 1
DEMO_EDITOR = "editeur@exemple.fr"


def _demo_prepare(password: str) -> Callable[[str], None]:
    def prepare(database_url: str) -> None:
        from nrdash.dataset import SAMPLE_PATH
        from nrdash.store import Principal, Store

        OP = Principal.operator()

        s = Store(database_url)
        s.add_user(OP, "admin@exemple.fr", password)  # the first account: the instance's administrator
        s.add_user(OP, DEMO_EDITOR, password, "éditeur", DEMO_TERRITORY)
        s.publish(OP, DEMO_TERRITORY, SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, author="démo",
                  note="Version de départ de la démonstration.")
        s.set_territory(OP, DEMO_TERRITORY, anonymous_read=True)  # a demonstration: open to visitors (a new
        # territory opens closed)
        s.close()
    return prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Démonstration : PostgreSQL + 2 répliques + HAProxy en local.")
    parser.add_argument("--port", type=int, default=8080, help="port de HAProxy sur 127.0.0.1 (8080)")
    args = parser.parse_args(argv)
    password = secrets.token_urlsafe(12)
    print("Démarrage de PostgreSQL, des deux répliques et de HAProxy (une minute au plus)…", flush=True)
    try:
        with deployment(_demo_prepare(password), port=args.port) as d:
            print(f"""
Prêt. Ouvrez {d.url}/?territoire={DEMO_TERRITORY}
  répliques : a = {d.replicas['a']}, b = {d.replicas['b']} (cookie {STICKY_COOKIE} : a ou b)
  base      : {d.database_url}
  comptes   : {DEMO_EDITOR} (éditeur du territoire {DEMO_TERRITORY}), admin@exemple.fr ; mot de passe : {password}
  essai     : un navigateur (ou une fenêtre privée) par réplique ; publier dans l'un, recharger l'autre.
  état      : les sessions ouvertes par réplique sont données par la statistique scur de HAProxy.
Ctrl-C arrête tout et efface la base de démonstration.""", flush=True)
            stop = []
            signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
            while not stop:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except Unavailable as exc:
        print(exc)
        return 1
    except BaseException as exc:  # tests/pg.py stops with pytest's skip or fail when PostgreSQL is missing
        if type(exc).__module__.startswith("_pytest"):
            print(f"{exc} — installez-le puis relancez.")
            return 1
        raise
    print("Arrêté.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
