"""Junk and variant static URLs (issue 11: they each filled the compression cache), and a raw HTTP GET that sends
them as they are. Shared by tests/web/test_http.py and benchmarks/bench_compression.py. Loopback only."""
from __future__ import annotations

import http.client
import os
import socket
from pathlib import Path

from streamlit.file_util import get_static_dir as streamlit_static_dir

KINDS = ("unknown", "slashes", "percent", "dots", "encoded-slash", "long")


def real_scripts(count: int = 5, skip: int = 0) -> list[str]:
    """URL paths of the largest of Streamlit's scripts (the costliest to compress once per variant), after the
    ``skip`` largest."""
    js = Path(streamlit_static_dir()) / "static" / "js"
    largest = sorted(js.glob("*.js"), key=lambda p: p.stat().st_size, reverse=True)[skip:skip + count]
    return [f"/static/js/{p.name}" for p in largest]


def junk_paths(count: int, scripts: list[str]) -> list[str]:
    """count distinct URL paths: unknown /static/ files, and variants of real scripts (extra slashes, letters
    percent-encoded, ./ segments, %2F for /), and ~90 KB paths."""
    paths = []
    for i in range(count):
        kind, script = KINDS[i % len(KINDS)], scripts[i % len(scripts)]
        name = script.rsplit("/", 1)[1]
        n = i // len(KINDS)
        if kind == "unknown":
            paths.append(f"/static/js/nothing-{i}.js")
        elif kind == "slashes":
            paths.append("/static" + "/" * (2 + n) + "js/" + name)
        elif kind == "percent":  # some of the name's letters percent-encoded, a different set each time
            chars = [f"%{ord(c):02X}" if c.isalpha() and (n >> (k % 20)) & 1 else c for k, c in enumerate(name)]
            paths.append("/static/js/" + "./" * (n // 2 ** 20) + "".join(chars))
        elif kind == "dots":
            paths.append("/static/" + "./" * (1 + n) + "js/" + name)
        elif kind == "encoded-slash":
            paths.append("/static" + "%2F" * (1 + n) + "js%2F" + name)
        else:
            paths.append(f"/static/{i}-" + "a" * 90_000 + ".js")
    assert len(set(paths)) == count
    return paths


def get(url: str, path: str, headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    """GET path as given (no normalisation), on a connection of its own, sent in one piece."""
    host, port = url.rsplit("//", 1)[1].split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux: /proc/PID/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid} ({os.uname().sysname})")
