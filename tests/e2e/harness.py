"""Browser end-to-end harness: `streamlit run nrdash/web/server.py` (the app as users get it) on a free loopback
port, driven by Playwright in Debian's chromium (no browser download)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ServerURL(str):
    """The server's base URL (a str, as before), with the server process's id as .pid."""
    pid: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, preexec_fn=None, script: Path | None = None,
                     log: Path | None = None, root: Path = ROOT):
    """``log``: the server's output goes to that file (else to a pipe nobody reads: fine for a test's few lines,
    not for a benchmark's hundreds of sessions). ``root``: the checkout whose app is served (a benchmark compares
    with another one)."""
    port = free_port()
    if script is None:  # nrdash/web/server.py; an older checkout's nrdash/server.py
        script = next(p for p in (root / "nrdash" / "web" / "server.py", root / "nrdash" / "server.py") if p.exists())
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    out = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 - closed below
    # PYTHONMALLOC=malloc as scripts/run.sh sets it (else the server starts itself again with it: nrdash.allocator)
    environ = {**os.environ, "PYTHONMALLOC": os.environ.get("PYTHONMALLOC", "malloc"), **(env or {})}
    proc = subprocess.Popen(cmd, cwd=root, env=environ, stdout=out,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=preexec_fn)
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.pid = proc.pid
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited:\n" + (proc.stdout.read() if proc.stdout else
                                                             log.read_text() if log else ""))
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy in 60 s")
        yield url
    finally:
        stop(proc)
        if log:
            out.close()


def stop(proc: subprocess.Popen) -> None:
    """End a server the tests started: politely, then for good after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the app has finished running its script (Streamlit's own marker)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


_NAV_BOX = """() => { const n = document.querySelector('[data-testid="stSidebarNav"]');
                      const r = n && n.getBoundingClientRect();
                      return r && r.width > 0 ? [r.left, r.right, innerWidth] : null; }"""


def settled(page, script: str, arg=None, *, ok=lambda value: True, readings: int = 3, every_ms: int = 200,
            timeout: float = 10.0, what: str = "the page"):
    """What ``script`` (a function evaluated in the page, given ``arg``) returns once it is the same ``readings``
    times in a row, ``every_ms`` apart, and ``ok``: the page at rest (a sidebar sliding in, controls drawn in turns,
    an element about to leave). Raises AssertionError with the last value after ``timeout`` seconds. (A bound for
    the message, not a measure: it returns as soon as the page is still.)"""
    deadline, last, steady = time.monotonic() + timeout, None, 0
    while True:
        value = page.evaluate(script, arg)
        steady = steady + 1 if ok(value) and value == last else (1 if ok(value) else 0)
        last = value
        if steady >= readings:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not settle within {timeout} s (last reading: {value})")
        page.wait_for_timeout(every_ms)


def open_sidebar(page, timeout: float = 10.0) -> None:
    """Unfold the sidebar mode atelier folds away, and wait until it has slid in: a link clicked while the sidebar
    still moves is outside the viewport (Playwright refuses the click). Already open, it is left as it is."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():
        expand.click()
    # the menu wholly on the screen, at the same place three readings in a row: the slide is over
    settled(page, _NAV_BOX, ok=lambda box: box is not None and box[0] >= 0 and box[1] <= box[2], every_ms=50,
            timeout=timeout, what="the sidebar (its menu)")


def goto(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    wait_idle(page)


def interactive_map(page) -> None:
    """The Carte page opens on its still map (nrdash.svgmap, issue 29): switch the interactive map (deck.gl) on."""
    switch = page.get_by_role("switch", name="Carte interactive")
    switch.wait_for(state="attached", timeout=30_000)
    if not switch.is_checked():
        page.get_by_text("Carte interactive", exact=True).click()
        wait_idle(page)


def sign_in(page, server: str, here: str, email: str, password: str) -> None:
    """From ``here`` (a path of the app with its query), « Se connecter » in the sidebar, the sign-in form, and back
    to ``here``, its script run over."""
    goto(page, server + here)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Se connecter").click()
    page.wait_for_url(server + "/connexion?suivant=**")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(server + here)
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    wait_idle(page)
