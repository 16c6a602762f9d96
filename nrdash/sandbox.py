"""Reading a census in a child process: a bug or a blow-up in a third-party reader costs a worker, never the server.

``load_census_isolated`` is what the app (upload, configured file, sample), the store and the CLI call. It reads the
bytes (their size) and runs the checks that need no reader and bounded memory (format, real inflated size, every
sheet's real extent: ``nrdash.prescan``) before any reader allocates anything, so a crafted file is refused at once:
in the calling process, or in a child of the warm worker for a threaded server (pure Python, they would hold the
server's interpreter for seconds on a large file). The reading itself (calamine, then validation) runs in a forked
child that

- starts from already-imported code, forked from a single-threaded process: the CLI itself, or, from a threaded
  server (where a fork would copy other threads' locks in an unknown state), a warm worker process
  (``python -m nrdash.sandbox``, started once, which imported ``nrdash.census`` and forks a child per file);
- has an address-space limit (RLIMIT_AS: what the child already maps + ``NRDASH_WORKER_MEMORY_MB``), so an
  allocation beyond it fails in the child only (calamine then aborts the child, Python raises MemoryError);
- has a time limit that grows with the cells the pre-scan found (``NRDASH_WORKER_TIMEOUT_S`` + 20 s per million
  cells), after which it is killed.

Its death, whatever the cause, becomes a ``CensusError`` with a French message. The Census comes back pickled
(made by nrdash's own code from the file's values: cell text never becomes pickle opcodes). Only public
interfaces are used: os.fork, resource, select, subprocess.
"""
from __future__ import annotations

import faulthandler
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .prescan import preflight_zip
from .workbook import CensusError, Limits, _env_int, detect_format, read_source

if TYPE_CHECKING:
    from .census import Census

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_ENV = "NRDASH_SANDBOX"  # "0": read in the calling process (to measure what the sandbox costs)
WORKERS_ENV = "NRDASH_WORKERS"  # warm worker processes of a server: files read at the same time
SECONDS_PER_MILLION_CELLS = 20.0
REPLY_MARGIN_S = 15.0  # a worker that has not answered this long after its child's deadline is replaced
ADVICE = ("Ouvrez le fichier dans Excel ou LibreOffice, gardez seulement le tableau des acteurs (supprimez les lignes "
          "et colonnes au-delà du tableau, les feuilles inutiles), enregistrez-le en .xlsx, puis chargez-le à nouveau.")


@dataclass(frozen=True)
class WorkerLimits:
    """The child's bounds. Overridable by environment variables."""

    # Address space, not resident memory: a workbook at every default limit (10 million cells, 434 MB of XML) maps
    # up to 2.6 GB more in the command line's child (2.1 GB to read it alone; resident: 1.5 GB at most), mostly
    # vectors that double as calamine fills them (issue 23: the former 2,048 refused such a file).
    memory_mb: int = field(default_factory=lambda: _env_int("NRDASH_WORKER_MEMORY_MB", 4096))
    # The reading's budget is processor time (RLIMIT_CPU in the child), not elapsed time: on a server busy with other
    # readings a legitimate file at the limit gets a fraction of a core and took three times its processor time, so
    # an elapsed-time deadline refused it (issue 23: 199,999 rows × 50 columns under four anonymous uploads). The
    # elapsed time is bounded as well, at ``wall_factor`` times the budget: a child that waits without computing
    # (or that never gets the processor) is stopped too.
    base_timeout_s: float = field(default_factory=lambda: float(_env_int("NRDASH_WORKER_TIMEOUT_S", 30)))
    wall_factor: float = field(default_factory=lambda: float(_env_int("NRDASH_WORKER_WALL_FACTOR", 4)))

    def timeout_for(self, cells: int) -> float:
        """Seconds of processor time a reading of ``cells`` cells may take."""
        return self.base_timeout_s + SECONDS_PER_MILLION_CELLS * cells / 1e6

    def wall_for(self, cpu_seconds: float) -> float:
        """Seconds of elapsed time a child with ``cpu_seconds`` of processor time is given."""
        return self.wall_factor * cpu_seconds


def enabled() -> bool:
    return os.environ.get(SANDBOX_ENV, "1").strip() != "0"


def preflight(data: bytes, filename: str | None, limits: Limits) -> int:
    """The checks that need no reader, in bounded memory; the cells the reader will have to handle."""
    kind = detect_format(data, filename)
    if kind == "zip":
        return preflight_zip(data, limits)[1]
    # .xls (at most 65,536 × 256 cells per sheet as Excel writes them; the child's limits bound the rest) and
    # CSV: no cheap exact count, a bound from the size (a cell takes at least 2 bytes in either).
    return len(data) // 2


def load_census(*args, **kwargs) -> Census:
    """``nrdash.census.load_census``, imported when first used: a caller can start ``PendingChecks`` before
    importing pandas."""
    from .census import load_census as load

    return load(*args, **kwargs)


class PendingChecks:
    """``preflight`` of a file's bytes; with ``in_child``, in a forked child while the caller goes on (e.g.
    imports pandas), else here when asked for.

    The bytes are read once, here: the reader later gets these same bytes (``load_census_isolated(checks)``),
    never the file again. A process running other threads (a server) never forks here: ``in_child`` is then
    ignored (its reading goes to a warm worker)."""

    def __init__(self, source: str | Path | bytes, filename: str | None = None, limits: Limits | None = None,
                 worker: WorkerLimits | None = None, in_child: bool = False):
        self.limits = limits or Limits()
        self.worker = worker or WorkerLimits()
        if filename is None and not isinstance(source, (bytes, bytearray, memoryview)):
            filename = Path(source).name
        self.filename = filename
        self.data = read_source(source, self.limits)
        # The checks of a file at the cell limit take a fraction of its reading: they get the reading's time at
        # that limit (15 s of processor for 434 MB of XML; the base alone refused it on a busy machine).
        self._checks_timeout = self.worker.timeout_for(self.limits.max_cells)
        self._deadline = time.monotonic() + self.worker.wall_for(self._checks_timeout)
        forkable = in_child and enabled() and threading.active_count() == 1
        self._child = None if not forkable else _fork(lambda: preflight(self.data, filename, self.limits),
                                                      self.worker.memory_mb, self._checks_timeout)
        self._cells: int | None = None

    def pending(self) -> bool:
        """Nothing checked yet, no child checking: the checks can still run anywhere."""
        return self._cells is None and self._child is None

    def cells(self) -> int:
        """The cells the reader will handle, once the checks have passed; a CensusError if they refuse the file."""
        if self._cells is None:
            if self._child is None:
                self._cells = preflight(self.data, self.filename, self.limits)
            else:
                status, payload = _wait(*self._child, self._deadline)
                self._child = None
                if status != "ok":
                    raise CensusError(_failure(status, payload, self.worker, self._checks_timeout))
                self._cells = payload
        return self._cells


def load_census_isolated(source: str | Path | bytes | PendingChecks, filename: str | None = None,
                         limits: Limits | None = None, mode: str = "auto", worker: WorkerLimits | None = None,
                         while_reading: Callable[[], object] | None = None,
                         alongside: Callable[[], object] | None = None,
                         finish: Callable[[Census, object], object] | None = None) -> Census | object:
    """``load_census`` in a child process with memory and time limits; any failure is a French CensusError.

    ``source``: a path, bytes, or ``PendingChecks`` already started on the file (then its bytes, limits and
    worker limits are used).
    ``mode``: "fork" forks the calling process (only safe when it runs no other thread), "worker" uses a warm
    worker process, "auto" forks when this process has a single thread and uses a worker otherwise.
    ``while_reading``: work for the caller to do while the child reads (fork mode), e.g. loading the geography.
    ``finish``: what to make of the census, ``finish(census, alongside())``, returned instead of it (e.g. the
    report): in fork mode it runs in the child, after the read, and ``alongside()`` in a thread of the child
    while it reads; what it returns comes back pickled instead of the whole census."""
    checks = source if isinstance(source, PendingChecks) else PendingChecks(source, filename, limits, worker)
    data, filename, limits, worker = checks.data, checks.filename, checks.limits, checks.worker
    if mode == "auto":
        mode = "fork" if threading.active_count() == 1 else "worker"
    if enabled() and mode == "worker" and finish is None and checks.pending():
        # A threaded server: the checks run in the worker's child as well, never here. They are pure Python (zip
        # inflating, XML scanning: seconds for a large file) and would hold this process's interpreter meanwhile,
        # every other session of the server waiting (issue 23: anonymous re-uploads starved the readers).
        status, payload = _pool().run((data, filename, limits, worker, None),
                                      2 * worker.wall_for(worker.timeout_for(limits.max_cells)) + REPLY_MARGIN_S)
        if status == "ok":
            return pickle.loads(payload)
        raise CensusError(payload if status == "refused" else _failure(status, payload, worker, 0))
    cells = checks.cells()

    def finished(census: Census, extra: object = None) -> Census | object:
        if finish is None:
            return census
        return finish(census, alongside() if alongside is not None and extra is None else extra)

    if not enabled():
        return finished(load_census(data, filename, limits, prechecked=True))
    timeout = worker.timeout_for(cells)
    if mode == "fork" and finish is not None:
        def work() -> object:
            helper = _Thread(alongside) if alongside is not None else None
            census = load_census(data, filename, limits, prechecked=True)
            return finish(census, helper.result() if helper is not None else None)

        status, payload = _wait(*_fork(work, worker.memory_mb, timeout), time.monotonic() + worker.wall_for(timeout),
                                while_reading)
        if status == "ok":
            return payload
    elif mode == "fork":
        status, payload = read_in_child(data, filename, limits, worker, timeout, while_reading)
    else:
        status, payload = _pool().run((data, filename, limits, worker, timeout),
                                      worker.wall_for(timeout) + REPLY_MARGIN_S)
    if status == "ok":
        return finished(pickle.loads(payload))
    raise CensusError(_failure(status, payload, worker, timeout))


class _Thread:
    """``work()`` in a thread; ``result()`` waits for it and returns its value or raises its exception."""

    def __init__(self, work: Callable[[], object]):
        self._out: list = []
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], object]) -> None:
        try:
            self._out.append((True, work()))
        except BaseException as exc:
            self._out.append((False, exc))

    def result(self) -> object:
        self._thread.join()
        ok, value = self._out[0]
        if not ok:
            raise value
        return value


def _failure(status: str, payload: object, worker: WorkerLimits, timeout: float) -> str:
    """The French message of a child that did not answer "ok"."""
    if status == "refused":
        return payload
    if status == "memory":
        return _memory_message(worker)
    if status == "cpu":
        return (f"La lecture du classeur a demandé plus de {timeout:.0f} secondes de calcul : elle a été arrêtée. "
                + ADVICE)
    if status == "timeout":
        return (f"La lecture du classeur a dépassé {worker.wall_for(timeout):.0f} secondes sans finir (le serveur "
                "est peut-être très occupé) : elle a été arrêtée. Réessayez dans un moment ; si cela se reproduit, "
                + ADVICE[0].lower() + ADVICE[1:])
    if status == "died":
        return _death_message(payload, worker)
    return f"Le lecteur de classeur a échoué ({payload}). " + ADVICE


def _memory_message(worker: WorkerLimits) -> str:
    return (f"La lecture du classeur demandait plus de mémoire que la limite permise ({worker.memory_mb} Mo) : "
            "elle a été arrêtée. Le fichier contient sans doute des valeurs ou des mises en forme très loin du "
            "tableau. " + ADVICE)


def _death_message(status: int | None, worker: WorkerLimits) -> str:
    """``status``: os.waitpid's status of the child (None: unknown)."""
    if status is not None and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in (signal.SIGABRT, signal.SIGKILL):  # a native reader aborts when an allocation fails
            return _memory_message(worker)
        name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
        return f"Le lecteur de classeur s'est arrêté brutalement (signal {name}) sur ce fichier. " + ADVICE
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    return f"Le lecteur de classeur s'est arrêté sans réponse (code {code}). " + ADVICE


# ---------------------------------------------------------------------------------------------
# The child: one file, then exit
# ---------------------------------------------------------------------------------------------
def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(extra_mb: int) -> None:
    """RLIMIT_AS = what this process already maps (imported libraries) + ``extra_mb``."""
    limit = _mapped_bytes() + (extra_mb << 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _limit_processor(seconds: float) -> None:
    """RLIMIT_CPU: SIGXCPU once this process has computed ``seconds`` (whole seconds, at least one; a fork starts
    at zero), SIGKILL two seconds later if it goes on."""
    soft = max(1, math.ceil(seconds))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY and hard <= soft:
        soft = max(1, hard - 1)
    else:
        hard = soft + 2
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _child(fd: int, work: Callable[[], object], memory_mb: int, cpu_seconds: float) -> None:
    """Runs in a forked child: ``work()`` under the memory and processor limits, its outcome written to ``fd``;
    never returns."""
    code = 0
    try:
        os.environ["RUST_BACKTRACE"] = "0"  # a failed allocation: one line in the log, not a backtrace
        faulthandler.disable()  # an abort here is an expected outcome, said to the user in French: no stack dump
        _limit_memory(memory_mb)
        _limit_processor(cpu_seconds)
        try:
            message = ("ok", work())
        except CensusError as exc:
            message = ("refused", str(exc))
        except MemoryError:
            message = ("memory", None)
        except BaseException as exc:  # a reader's panic included: its type is enough, never a traceback
            message = ("crash", type(exc).__name__)
        _write_frame(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _fork(work: Callable[[], object], memory_mb: int, cpu_seconds: float) -> tuple[int, int]:
    """Fork a child that runs ``work`` with ``cpu_seconds`` of processor time: (its pid, the pipe's end its outcome
    arrives on)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        _child(w, work, memory_mb, cpu_seconds)
    os.close(w)
    return pid, r


def _wait(pid: int, r: int, deadline: float, meanwhile: Callable[[], object] | None = None) -> tuple[str, object]:
    """The outcome of a child from ``_fork`` (after ``meanwhile()`` ran here), killed at ``deadline``: ("ok",
    work's result), ("refused" | "crash", text), ("memory", None), ("cpu", None: out of processor time),
    ("timeout", None: out of elapsed time) or ("died", waitpid status)."""
    try:
        if meanwhile is not None:
            meanwhile()  # the child's answer waits in the pipe meanwhile (it blocks when the pipe is full)
        frame = _read_frame(r, deadline)
    finally:
        os.close(r)
    if frame is None and time.monotonic() >= deadline:  # out of time
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return "timeout", None
    _, status = os.waitpid(pid, 0)  # the child has answered, or closed its end of the pipe by dying
    if frame is None:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            return "cpu", None
        return "died", status
    return pickle.loads(frame)


def read_in_child(data: bytes, filename: str | None, limits: Limits, worker: WorkerLimits,
                  timeout: float, while_reading: Callable[[], object] | None = None) -> tuple[str, object]:
    """Fork, read ``data`` in the child with ``timeout`` seconds of processor time (and the elapsed time the worker
    limits give them). (status, payload): ("ok", pickled Census), ("refused" | "crash", text), ("memory", None),
    ("cpu" | "timeout", None) or ("died", waitpid status)."""
    def work() -> bytes:
        census = load_census(data, filename, limits, prechecked=True)
        return pickle.dumps(census, protocol=pickle.HIGHEST_PROTOCOL)

    deadline = time.monotonic() + worker.wall_for(timeout)
    return _wait(*_fork(work, worker.memory_mb, timeout), deadline, while_reading)


# ---------------------------------------------------------------------------------------------
# Frames: 8-byte length, then the bytes
# ---------------------------------------------------------------------------------------------
def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(struct.pack(">Q", len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, n: int, deadline: float) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        left = None if deadline == float("inf") else deadline - time.monotonic()
        if left is not None and (left <= 0 or not select.select([fd], [], [], left)[0]):
            return None
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float) -> bytes | None:
    head = _read_exactly(fd, 8, deadline)
    if head is None:
        return None
    return _read_exactly(fd, struct.unpack(">Q", head)[0], deadline)


# ---------------------------------------------------------------------------------------------
# Warm workers, for a threaded server
# ---------------------------------------------------------------------------------------------
class _Worker:
    """``python -m nrdash.sandbox``: imports the readers once, then forks one child per request."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "nrdash.sandbox"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=ROOT, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, request: tuple, timeout: float) -> tuple[str, object] | None:
        try:
            _write_frame(self.proc.stdin.fileno(), pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return None
        frame = _read_frame(self.proc.stdout.fileno(), time.monotonic() + timeout)
        return pickle.loads(frame) if frame is not None else None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the worker and a child it may be running
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Pool:
    def __init__(self, size: Callable[[], int] = lambda: max(1, _env_int(WORKERS_ENV, 2))) -> None:
        self._idle: list[_Worker] = []
        self._count = 0
        self._ready = threading.Condition()
        self._size = size

    def _acquire(self) -> _Worker:
        with self._ready:
            while True:
                while self._idle:
                    w = self._idle.pop()
                    if w.alive():
                        return w
                    self._count -= 1
                if self._count < self._size():
                    self._count += 1
                    break
                self._ready.wait()
        try:
            return _Worker()
        except BaseException:
            with self._ready:
                self._count -= 1
                self._ready.notify()
            raise

    def _release(self, w: _Worker | None) -> None:
        with self._ready:
            if w is not None and w.alive():
                self._idle.append(w)
            else:
                self._count -= 1
            self._ready.notify()

    def run(self, request: tuple, timeout: float) -> tuple[str, object]:
        w = self._acquire()
        try:
            reply = w.run(request, timeout)
        except BaseException:
            w.kill()
            self._release(None)
            raise
        if reply is None:  # the worker itself failed or hung: replace it
            w.kill()
            self._release(None)
            return "crash", "processus de lecture"
        self._release(w)
        return reply

    def warm(self) -> None:
        self._release(self._acquire())


_POOL = _Pool()
# Publications read with workers of their own (nrdash.admission's PUBLISH lane): never behind uploads.
PUBLISH_WORKERS_ENV = "NRDASH_PUBLISH_WORKERS"
_POOLS = {"read": _POOL, "publish": _Pool(lambda: max(1, _env_int(PUBLISH_WORKERS_ENV, 1)))}
_LANE = threading.local()


@contextmanager
def lane(name: str):
    """The warm workers this thread's reads use meanwhile: "read" (the default) or "publish"."""
    if name not in _POOLS:
        raise ValueError(f"unknown lane {name!r}")
    previous = getattr(_LANE, "name", "read")
    _LANE.name = name
    try:
        yield
    finally:
        _LANE.name = previous


def _pool() -> _Pool:
    return _POOLS[getattr(_LANE, "name", "read")]


def warm_up(background: bool = True) -> None:
    """Start a worker of each lane now (it imports the readers once), so the first file read does not wait."""
    if not enabled():
        return
    pools = list(_POOLS.values())
    if background:
        for pool in pools:
            threading.Thread(target=pool.warm, name="nrdash-sandbox-warm-up", daemon=True).start()
    else:
        for pool in pools:
            pool.warm()


def _serve() -> None:
    """The worker's loop: one request at a time on stdin, its answer on stdout; ends when stdin closes."""
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    sys.stdout = sys.stderr  # nothing but answers on the channel
    import nrdash.census  # noqa: F401  (imported once, here: every child starts with it)
    while True:
        frame = _read_frame(inp, float("inf"))
        if frame is None:
            return
        data, filename, limits, worker, timeout = pickle.loads(frame)
        reply = read_in_child(data, filename, limits, worker, timeout) if timeout is not None else \
            check_and_read(data, filename, limits, worker)
        _write_frame(out, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


def check_and_read(data: bytes, filename: str | None, limits: Limits, worker: WorkerLimits) -> tuple[str, object]:
    """In the worker: the checks in a child (the time allowed at the cell limit), then the reading in another
    (the time allowed for the cells found). ("ok", pickled Census) or ("refused", the French message)."""
    checks_timeout = worker.timeout_for(limits.max_cells)
    status, payload = _wait(*_fork(lambda: preflight(data, filename, limits), worker.memory_mb, checks_timeout),
                            time.monotonic() + worker.wall_for(checks_timeout))
    if status != "ok":
        return "refused", _failure(status, payload, worker, checks_timeout)
    timeout = worker.timeout_for(payload)
    status, payload = read_in_child(data, filename, limits, worker, timeout)
    return (status, payload) if status in ("ok", "refused") else ("refused", _failure(status, payload, worker, timeout))


if __name__ == "__main__":
    _serve()
