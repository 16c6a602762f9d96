"""Reading a census in a child process: a bug or a blow-up in a third-party reader costs a worker, never the server.

``load_census_isolated`` is what the app (upload, configured file, sample) and the CLI call. In the calling
process it reads the bytes and runs the checks that need no reader and bounded memory (size, format, real
inflated size, every sheet's real extent: ``nrdash.prescan``), so a crafted file is refused at once. The reading
itself (calamine, then validation) runs in a child process that

- starts from already-imported code: forked from a fork server that imported ``nrdash.census`` once (the
  Streamlit server has threads, which a plain fork would copy in an unknown state), or forked directly from a
  single-threaded CLI;
- has an address-space limit (RLIMIT_AS: what the child already maps + ``NRDASH_WORKER_MEMORY_MB``), so an
  allocation beyond it fails in the child only (calamine then aborts the child, Python raises MemoryError);
- has a time limit that grows with the cells the pre-scan found (``NRDASH_WORKER_TIMEOUT_S`` + 20 s per million
  cells), after which it is killed.

Its death, whatever the cause, becomes a ``CensusError`` with a French message. The Census comes back pickled.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing import popen_forkserver, spawn
from multiprocessing.connection import Connection, wait
from pathlib import Path

from .census import Census, load_census
from .prescan import check_extents
from .workbook import CensusError, Limits, _env_int, check_zip, detect_format, read_source

SANDBOX_ENV = "NRDASH_SANDBOX"  # "0": read in the calling process (to measure what the sandbox costs)
PRELOAD = ["nrdash.census"]
SECONDS_PER_MILLION_CELLS = 20.0
ADVICE = ("Ouvrez le fichier dans Excel ou LibreOffice, gardez seulement le tableau des acteurs (supprimez les lignes "
          "et colonnes au-delà du tableau, les feuilles inutiles), enregistrez-le en .xlsx, puis chargez-le à nouveau.")


@dataclass(frozen=True)
class WorkerLimits:
    """The child's bounds. Overridable by environment variables."""

    memory_mb: int = field(default_factory=lambda: _env_int("NRDASH_WORKER_MEMORY_MB", 2048))
    base_timeout_s: float = field(default_factory=lambda: float(_env_int("NRDASH_WORKER_TIMEOUT_S", 30)))

    def timeout_for(self, cells: int) -> float:
        return self.base_timeout_s + SECONDS_PER_MILLION_CELLS * cells / 1e6


def enabled() -> bool:
    return os.environ.get(SANDBOX_ENV, "1").strip() != "0"


def preflight(data: bytes, filename: str | None, limits: Limits) -> int:
    """The checks that need no reader, in bounded memory; the cells the reader will have to handle."""
    kind = detect_format(data, filename)
    if kind == "zip":
        return check_extents(data, check_zip(data, limits), limits)
    # .xls (at most 65,536 × 256 cells per sheet as Excel writes them; the child's limits bound the rest) and
    # CSV: no cheap exact count, a bound from the size (a cell takes at least 2 bytes in either).
    return len(data) // 2


def load_census_isolated(source: str | Path | bytes, filename: str | None = None, limits: Limits | None = None,
                         start_method: str = "forkserver", worker: WorkerLimits | None = None) -> Census:
    """``load_census`` in a child process with memory and time limits; any failure is a French CensusError.

    ``start_method``: "forkserver" (default; safe from a threaded server) or "fork" (a single-threaded CLI)."""
    limits = limits or Limits()
    if filename is None and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    data = read_source(source, limits)
    cells = preflight(data, filename, limits)
    if not enabled():
        return load_census(data, filename, limits, prechecked=True)
    worker = worker or WorkerLimits()
    timeout = worker.timeout_for(cells)
    ctx = _context(start_method)
    receiver, sender = ctx.Pipe(duplex=False)
    process = _ReaderProcess if start_method == "forkserver" else ctx.Process
    proc = process(target=_child, args=(sender, data, filename, limits, worker.memory_mb), daemon=True,
                   name="nrdash-reader")
    try:
        proc.start()
        sender.close()
        ready = wait([receiver, proc.sentinel], timeout)
        message = None
        if receiver in ready:
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = None
        elif not ready:
            proc.kill()
            raise CensusError(f"La lecture du classeur a dépassé {timeout:.0f} secondes : elle a été arrêtée. " + ADVICE)
    finally:
        if proc.is_alive() and proc.exitcode is None:
            proc.join(5)
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if message is not None:
        status, payload = message
        if status == "ok":
            return payload
        if status == "refused":
            raise CensusError(payload)
        if status == "memory":
            raise CensusError(_memory_message(worker))
        raise CensusError(f"Le lecteur de classeur a échoué ({payload}). " + ADVICE)
    raise CensusError(_death_message(proc.exitcode, worker))


def _memory_message(worker: WorkerLimits) -> str:
    return (f"La lecture du classeur demandait plus de mémoire que la limite permise ({worker.memory_mb} Mo) : "
            "elle a été arrêtée. Le fichier contient sans doute des valeurs ou des mises en forme très loin du "
            "tableau. " + ADVICE)


def _death_message(exitcode: int | None, worker: WorkerLimits) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig in (signal.SIGABRT, signal.SIGKILL):  # a native reader aborts when an allocation fails
            return _memory_message(worker)
        name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
        return f"Le lecteur de classeur s'est arrêté brutalement (signal {name}) sur ce fichier. " + ADVICE
    return f"Le lecteur de classeur s'est arrêté sans réponse (code {exitcode}). " + ADVICE


_contexts: dict[str, mp.context.BaseContext] = {}


def _context(method: str) -> mp.context.BaseContext:
    if method not in _contexts:
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        _contexts[method] = ctx
    return _contexts[method]


class _ForkserverPopen(popen_forkserver.Popen):
    """multiprocessing prepares a fork server's child by running the parent's main script again: under
    Streamlit that is the app itself. The reader needs nothing from it: its preparation leaves the main out."""

    _lock = threading.Lock()

    def _launch(self, process_obj):
        with self._lock:
            prepare = spawn.get_preparation_data

            def without_main(name):
                data = prepare(name)
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
                return data

            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)
            finally:
                spawn.get_preparation_data = prepare


class _ReaderProcess(mp.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _ForkserverPopen(process_obj)


def warm_up() -> None:
    """Start the fork server now (it imports nrdash.census once), so the first read does not wait for it."""
    if enabled():
        _context("forkserver")
        from multiprocessing import forkserver

        forkserver.ensure_running()


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


def _child(conn: Connection, data: bytes, filename: str | None, limits: Limits, memory_mb: int) -> None:
    try:
        os.environ["RUST_BACKTRACE"] = "0"  # a failed allocation: one line in the log, not a backtrace
        _limit_memory(memory_mb)
        census = load_census(data, filename, limits, prechecked=True)
        del data
        conn.send(("ok", census))
    except CensusError as exc:
        conn.send(("refused", str(exc)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # a reader's panic included: its type is enough, never a traceback
        conn.send(("crash", type(exc).__name__))
    finally:
        conn.close()
