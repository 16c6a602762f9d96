"""The web server around the Streamlit app: ``streamlit run nrdash/web/server.py`` (``scripts/run.sh``).

- ``server``: the ASGI application (Streamlit's ``st.App`` serving ``app.py``) with the middleware below;
- ``served``: the files nrdash answers itself (font subsets, the charts' plotly.js build), by URL prefix;
- ``compression``: Streamlit's static files compressed once (gzip, Brotli) and kept in memory;
- ``headers``: the HTTP protections on every answer;
- ``fonts``: Streamlit's two fonts cut down to what nrdash can show;
- ``auth``: local sign-in and OpenID Connect (``/connexion``, ``/deconnexion``), the signed session cookie;
- ``frontend``: Streamlit's scripts with their English words put into French, and the small scripts and base
  stylesheet written in Streamlit's page (popovers with the keyboard, links within the app in the same tab);
- ``public``: the pages the public opens, written without Streamlit: the actors' questionnaire (``form_page``) and
  the accessibility and sobriety statement (``statement``), in one page shell (``webpage``, also the sign-in's);
- ``vote_page``: the phones' vote page (``/vote``).

Nothing here is imported by ``nrdash/__init__`` or the pages except ``auth``'s cookie functions (``nrdash.ui.account``),
the statement's link and the base stylesheet (``webpage``, ``frontend``) and the form's communes (``public``).
"""
