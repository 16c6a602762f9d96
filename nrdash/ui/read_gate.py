"""A session's census reads go through nrdash.admission: this session, its client address, the lane (its own for
publications) and the warm workers of that lane (nrdash.sandbox). One gate per server process."""
from __future__ import annotations

import threading
from contextlib import contextmanager


from .. import sandbox
from ..admission import PUBLISH, READ, Busy, Gate

__all__ = ["Busy", "PUBLISH", "READ", "reading", "session_id"]

_GATE: Gate | None = None
_GATE_LOCK = threading.Lock()


def gate() -> Gate:
    global _GATE
    with _GATE_LOCK:
        if _GATE is None:
            _GATE = Gate()
        return _GATE


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else f"thread-{threading.get_ident()}"


@contextmanager
def reading(lane: str = READ):
    """Admitted in ``lane`` for this session and client (``Busy`` otherwise), reading with that lane's workers."""
    from .source import client  # the client's address (X-Forwarded-For from trusted proxies only)

    with gate().admitted(lane, session_id(), client()), sandbox.lane(lane):
        yield
