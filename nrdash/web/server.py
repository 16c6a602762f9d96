"""The web server: Streamlit's own ASGI application (st.App) serving app.py, its static files compressed.

    streamlit run nrdash/web/server.py

Streamlit serves its JavaScript and CSS uncompressed: about 3 MB on every first visit. nrdash.web.compression
compresses them once per file (gzip at once, Brotli in the background), which divides what a first visit
transfers by about three (gzip) to four (Brotli), and serves Streamlit's page with lang="fr"; nrdash.web.served
answers the files nrdash serves itself: Streamlit's two fonts cut down to what can be shown (nrdash.web.fonts,
545 kB → 106 kB), the partial plotly.js build the charts use (nrdash.plotting, 1.06 MB → 0.36 MB once
compressed) and Streamlit's scripts with their English words put into French (nrdash.web.frontend). nrdash.web.headers
adds the HTTP protections (nosniff, referrer policy, frame-ancestors) to every answer.
nrdash.web.auth adds the local sign-in routes (/connexion, /deconnexion), which set the signed session cookie;
nrdash.web.public the pages the public opens, written without Streamlit: the actors' questionnaire (/questionnaire)
and the accessibility and sobriety statement (/accessibilite); nrdash.web.vote_page the phones' vote page (/vote),
plain HTML; nrdash.web.opendata_routes the open data routes (/donnees/CODE/…), compressed by their ETag.
nrdash.maintenance applies the territories' retention periods at most once a day (a thread of the server).
"""
from __future__ import annotations

from nrdash import allocator

allocator.use_system_allocator()  # first: Python reads PYTHONMALLOC only when it starts (this may start it again)

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from nrdash import maintenance, plotting  # noqa: E402
from nrdash.sandbox import warm_up  # noqa: E402
from nrdash.web import auth, fonts, frontend, opendata_routes, public, vote_page  # noqa: E402
from nrdash.web.compression import StaticCompression  # noqa: E402
from nrdash.web.headers import SecurityHeaders  # noqa: E402
from nrdash.web.served import ServeFiles, Served  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def served_routes() -> dict[str, Served]:
    """The files nrdash answers itself (URL prefix -> file): the font subsets, the charts' plotly.js build and
    Streamlit's scripts in French (nrdash.web.frontend)."""
    return {**fonts.routes(), **plotting.routes(), **frontend.routes()}


def middleware() -> list[Middleware]:
    """The protection headers, the compression, the files nrdash serves itself (outermost first)."""
    routes = served_routes()
    return [Middleware(SecurityHeaders),
            Middleware(StaticCompression, served=routes, keyed=(opendata_routes.base_prefix(),)),
            Middleware(ServeFiles, routes=routes)]


def routes() -> list:
    """nrdash's own routes: sign-in and sign-out, the public pages (questionnaire, statement), the phones' vote
    page, the open data."""
    return auth.routes() + public.routes() + vote_page.routes() + opendata_routes.routes()


allocator.limit_arenas()  # before the sessions' threads exist: freed memory goes back, not kept per thread
auth.restrict_proxy_headers()  # client addresses from NRDASH_TRUSTED_PROXIES only (uvicorn believes loopback)
warm_up()  # the census reader's worker process, started in the background: the first upload does not wait for it
maintenance.start()  # the retention period applied at most once a day, whichever replica does it
app = st.App(str(ROOT / "app.py"), routes=routes(), middleware=middleware())
