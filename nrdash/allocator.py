"""How the server's process allocates memory, so that what closed sessions freed goes back to the system.

A session's census (50,000 actors: hundreds of MB) is made in the session's own thread and freed when the session
ends (nrdash.session_reaper). Three allocators hold memory in that process, and each kept freed memory resident in
its own way (issue 23: +15 to +90 MB of resident memory from one round of ten closed 50,000-actor sessions to the
next, with nothing of them alive; docs/performances.md, « Mémoire des sessions fermées »):

- **Python's small-object allocator** (pymalloc) takes memory from the system by arenas of 1 MB and gives an arena
  back only when every object in it is freed. A census is millions of small objects; a few hundred that outlive
  the session (a cache entry, an interned string, a thread's bookkeeping) pin as many arenas for good, and the
  next round's census takes new ones. ``use_system_allocator`` restarts the server with ``PYTHONMALLOC=malloc``:
  small objects then come from glibc's malloc, whose free pages ``trim`` hands back one by one (4 KB, not 1 MB).
- **glibc's malloc** gives each thread up to eight heaps per core and keeps what a thread freed in its heap:
  ``limit_arenas`` keeps two heaps for the whole process, ``trim`` (malloc_trim) returns their free pages.
- **Arrow's pool** (mimalloc: pandas' text columns are Arrow arrays) keeps the pages of a thread that has ended:
  ``release_memory`` asks it to give them back.

Measured with the same ten threads × 50,000-actor census per round, five rounds: pymalloc + trim 188 → 298 MB after
close; malloc + trim without Arrow's release 622 → 592 MB (flat, high); malloc + trim + Arrow's release 134 → 140 MB.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
from collections.abc import Callable, Mapping

SERVER_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


def _libc_function(name: str, argtypes: list, restype: object) -> Callable | None:
    """A function of glibc's allocator, or None (another C library)."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = argtypes, restype
    return function


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library)."""
    return _libc_function("malloc_trim", [ctypes.c_size_t], ctypes.c_int)


_TRIM = malloc_trim()


def trim() -> None:
    """Give glibc's free pages back to the system (every heap, not only the top of each)."""
    if _TRIM is not None:
        _TRIM(0)


def limit_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """At most ``arenas`` glibc heaps for the threads created from now on (mallopt M_ARENA_MAX, as the environment
    variable MALLOC_ARENA_MAX would at start). True when the C library took it."""
    mallopt = _libc_function("mallopt", [ctypes.c_int, ctypes.c_int], ctypes.c_int)
    return mallopt is not None and mallopt(_M_ARENA_MAX, arenas) == 1


def release_memory() -> None:
    """Collect the garbage (a census may sit in reference cycles), ask Arrow's pool to give back what ended threads
    left in it, then give glibc's free pages back to the system."""
    gc.collect()
    pyarrow = sys.modules.get("pyarrow")  # (not imported for this: a process without census has none to release)
    if pyarrow is not None:
        try:
            pyarrow.default_memory_pool().release_unused()
        except Exception:  # noqa: BLE001 — an older pyarrow, another pool: nothing to give back this way
            pass
    trim()


def use_system_allocator(environ: Mapping[str, str] | None = None, argv: list[str] | None = None,
                         execve: Callable[[str, list[str], dict[str, str]], object] = os.execve) -> bool:
    """Start this process again, with the same command line, under ``PYTHONMALLOC=malloc`` (Python reads it only
    when it starts), unless PYTHONMALLOC is already set: whoever set it (``PYTHONMALLOC=pymalloc`` to compare, a
    debugging allocator) keeps their choice. Called first by the server (nrdash/web/server.py), before it listens
    or starts a thread, so whichever way it is started (scripts/run.sh, ``streamlit run``, a service) it runs so.
    False when nothing was done; otherwise the process image is replaced and this does not return (``execve`` is
    given by the tests)."""
    environ = os.environ if environ is None else environ
    if environ.get("PYTHONMALLOC") or not _TRIM:  # set by someone; or no glibc to hand pages back one by one
        return False
    argv = [sys.executable, *(sys.orig_argv if argv is None else argv)[1:]]  # (Python finds its venv by argv[0])
    sys.stdout.flush()
    sys.stderr.flush()
    if execve is os.execve:  # the new process gets the standard streams only: not the listening socket that
        _close_on_exec()     # Streamlit bound (inheritable) before it loaded the server, which it binds again
    execve(sys.executable, argv, {**environ, "PYTHONMALLOC": "malloc"})
    return True


def _close_on_exec() -> None:
    """Every file descriptor of this process but 0, 1 and 2 closed by the coming exec."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2:
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
