"""The public pages nrdash's server answers itself, without Streamlit (routes for ``st.App(routes=...)``):

- ``GET/POST /questionnaire?territoire=CODE``: the actors' questionnaire (nrdash.web.form_page: the page;
  nrdash.questionnaire: the checks; the store keeps the answer for the editors' review queue). A plain HTML form:
  light (issue 29: B at least for the pages the public opens) and usable without JavaScript. Cross-site posts are
  refused (Origin or Referer of this site, as for the sign-in); a robot is told apart by a hidden field and by the
  time taken to fill the form (signed start time); the store limits answers per address. A campaign's personal link,
  the same address with ``acteur=TOKEN`` (issue 26), is not this route's: it is left to Streamlit's page
  (pages/questionnaire.py, nrdash.ui.campaign_link), which fills the form in with that actor's record.
- ``GET /accessibilite[?territoire=CODE]``: the accessibility and sobriety statement (nrdash.web.statement), with the
  territory's contact address when the territory has one.

Both are linked from every page (« Déclaration d'accessibilité »).
"""
from __future__ import annotations

import logging

from . import auth, form_page, statement, webpage
from .. import questionnaire as quest
from .. import referential as ref

log = logging.getLogger("nrdash")


def territory_communes(store, who, code: str) -> dict[str, str]:
    """The communes of the territory's latest published census (INSEE code -> name, in alphabetical order), as
    ``who`` may see them through its questionnaire: the form's list (and the paper answers' check,
    nrdash.ui.review_queue). Empty when the territory has nothing published or the geography is missing."""
    from ..store import StoreError

    try:
        return communes_named(store.questionnaire_form(who, code).members)
    except StoreError:
        return {}


def communes_named(members) -> dict[str, str]:
    """{INSEE: name} of ``members``, in alphabetical order, from the geography the app loaded (one per process)."""
    from ..ui.source import geography

    geo = geography()[0]
    if geo is None or not members:
        return {}
    names = geo.names
    found = {c: names[c] for c in members if c in names}
    return dict(sorted(found.items(), key=lambda kv: ref.norm_key(kv[1])))


def territory_shown(store, code: str | None) -> tuple[str | None, str | None]:
    """(name, contact address) of the territory ``code`` as its public questionnaire shows them (anyone may read
    them; the address set by the territory's administrators, issue 25, else None), or (None, None) when the address
    names no territory with a published census."""
    from ..store import Principal, StoreError

    if not code:
        return None, None
    try:
        form = store.questionnaire_form(Principal.anonymous(), code)
    except StoreError:
        return None, None
    return form.name, form.contact_email or None


def personal_link(query_string: bytes | str) -> bool:
    """The address carries a campaign's personal link (a non-empty ``acteur``, read as nrdash.ui.campaign_link reads
    it): Streamlit's page answers it, not the public form."""
    from urllib.parse import parse_qs

    from ..ui.campaign_link import TOKEN_PARAM

    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    return any(value.strip() for value in parse_qs(query_string).get(TOKEN_PARAM, ()))


def routes(trusted: list | None = None, store_factory=None, secret_factory=None) -> list:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Match, Route

    base = auth.paths().base
    trusted = auth.trusted_proxies() if trusted is None else trusted
    contact = statement.contact_email()  # a wrong setting stops the server at start, with its French message
    if store_factory is None:
        def store_factory():
            from ..store import get_store

            return get_store()
    secret_factory = secret_factory or auth.cookie_secret

    def page(title: str, body: str, status: int = 200, *, territory: str | None = None, large: bool = True,
             footer: bool = True) -> Response:
        return HTMLResponse(webpage.render(title, body, large=large, territory=territory, footer=footer),
                            status_code=status, headers={"cache-control": "no-store",
                                                         "content-security-policy": webpage.CSP})

    def code_of(request: Request) -> str:
        return (request.query_params.get(form_page.TERRITORY_PARAM) or "").strip()[:16]

    # -- the questionnaire ----------------------------------------------------------------------------------
    def show_form(store, who, code: str, values=None, problems=(), status: int = 200) -> Response:
        from ..store import StoreError

        if not code:
            return page(form_page.TITLE, form_page.message_page(form_page.INCOMPLETE), 400)
        try:
            form = store.questionnaire_form(who, code)
        except StoreError as exc:  # the same words for an unknown territory and one with nothing published
            return page(form_page.TITLE, form_page.message_page(str(exc)), 404)
        if not form.open:
            return page(form_page.TITLE, form_page.message_page(form_page.CLOSED, "info"), territory=code)
        token = form_page.start_token(secret_factory(), code)
        if values and form_page.elapsed_since(values.get("debut"), secret_factory(), code) is not None:
            token = values["debut"]  # shown again to correct it: the time counts from the first display
        body = form_page.form_page(code, form.name, communes_named(form.members), form.retention_months, token,
                                   values, problems, contact_email=form.contact_email)
        title = ("Erreur – " if problems else "") + form_page.TITLE
        return page(title, body, status, territory=code)

    def answer(store, code: str, body: bytes, client: str) -> Response:
        from ..store import Principal, StoreError, TooManySubmissions

        who = Principal.anonymous(client)
        try:
            form = store.questionnaire_form(who, code) if code else None
        except StoreError:
            form = None
        if form is None or not form.open:
            return show_form(store, who, code)
        raw = form_page.read_form(body)
        answered, problems = quest.validate(raw, communes_named(form.members))
        if problems:
            return show_form(store, who, code, raw, problems)
        if quest.trapped(raw):  # the hidden field: a robot, told it was sent, nothing stored
            return page(form_page.TITLE, form_page.sent_page(form.name, code, False), territory=code)
        elapsed = form_page.elapsed_since(raw.get("debut"), secret_factory(), code)
        if quest.too_fast(elapsed, quest.min_fill_seconds()):  # judged again on every click, never waved through
            return show_form(store, who, code, raw, [quest.Problem("send", "Envoi", form_page.TOO_FAST)])
        try:
            _, match = store.submit(who, code, answered)
        except TooManySubmissions as exc:
            return show_form(store, who, code, raw, [quest.Problem("send", "Envoi", str(exc))], status=429)
        except StoreError as exc:
            return show_form(store, who, code, raw, [quest.Problem("send", "Envoi", str(exc))])
        known = match is not None  # the store says it only to whom may read the census: a closed one is never revealed
        return page(form_page.TITLE, form_page.sent_page(form.name, code, known), territory=code)

    async def questionnaire(request: Request) -> Response:
        code = code_of(request)
        if request.method == "GET":
            from ..store import Principal

            client = auth.client_ip(request.client.host if request.client else None, request.headers, trusted)
            return await run_in_threadpool(lambda: show_form(store_factory(), Principal.anonymous(client), code))
        if not auth.same_origin(request.headers):
            return page(form_page.TITLE, form_page.message_page(form_page.FORBIDDEN), 403, territory=code or None)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > form_page.MAX_FORM_BYTES:
                return page(form_page.TITLE, form_page.message_page(form_page.TOO_LARGE), 413,
                            territory=code or None)
        client = auth.client_ip(request.client.host if request.client else None, request.headers, trusted)
        return await run_in_threadpool(lambda: answer(store_factory(), code, body, client))

    # -- the statement --------------------------------------------------------------------------------------
    def show_statement(store, code: str) -> Response:
        name, territory_contact = territory_shown(store, code)
        body = statement.body(contact, name, territory_contact, statement.load_audit())
        return page(webpage.STATEMENT_LINK, body, footer=False)

    async def accessibility(request: Request) -> Response:
        code = code_of(request)
        return await run_in_threadpool(lambda: show_statement(store_factory(), code))

    class PublicForm(Route):
        """The public questionnaire's route, which lets a personal link through to Streamlit's page (its catch-all
        route serves the app, whose page reads the link)."""

        def matches(self, scope):
            if scope["type"] == "http" and personal_link(scope.get("query_string", b"")):
                return Match.NONE, {}
            return super().matches(scope)

    return [PublicForm(base + form_page.PATH, questionnaire, methods=["GET", "POST"]),
            Route(base + webpage.STATEMENT_PATH, accessibility, methods=["GET"])]
