"""Test-only server: nrdash's app exactly as nrdash/web/server.py serves it, plus one route that says which censuses are
alive in the server process (GET /_test/recensements: the file names of every Census object a garbage collection
leaves), for tests/e2e/test_session_memory.py."""
import gc
from pathlib import Path

import streamlit as st
from starlette.responses import JSONResponse
from starlette.routing import Route

from nrdash.census import Census
from nrdash.web.server import middleware, routes

ROOT = Path(__file__).resolve().parents[2]


async def censuses(request):
    gc.collect()
    return JSONResponse(sorted(o.file_name for o in gc.get_objects() if isinstance(o, Census)))


app = st.App(str(ROOT / "app.py"), routes=[*routes(), Route("/_test/recensements", censuses)],
             middleware=middleware())
