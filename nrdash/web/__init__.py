"""The web server around the Streamlit app: ``streamlit run nrdash/web/server.py`` (``scripts/run.sh``).

- ``server``: the ASGI application (Streamlit's ``st.App`` serving ``app.py``) with the middleware below;
- ``served``: the files nrdash answers itself (font subsets, the charts' plotly.js build), by URL prefix;
- ``compression``: Streamlit's static files compressed once (gzip, Brotli) and kept in memory;
- ``headers``: the HTTP protections on every answer;
- ``fonts``: Streamlit's two fonts cut down to what nrdash can show;
- ``auth``: local sign-in and OpenID Connect (``/connexion``, ``/deconnexion``), the signed session cookie.

Nothing here is imported by ``nrdash/__init__`` or the pages except ``auth``'s cookie functions (``nrdash.ui.account``).
"""
