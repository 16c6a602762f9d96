"""The public pages nrdash's server answers itself, without Streamlit (routes for ``st.App(routes=...)``):

- ``GET/POST /questionnaire?territoire=CODE``: the actors' questionnaire (nrdash.form_page: the page;
  nrdash.questionnaire: the checks; the store keeps the answer for the editors' review queue). A plain HTML form:
  light (issue 29: B at least for the pages the public opens) and usable without JavaScript. Cross-site posts are
  refused (Origin or Referer of this site, as for the sign-in); a robot is told apart by a hidden field and by the
  time taken to fill the form (signed start time); the store limits answers per address.
- ``GET /accessibilite[?territoire=CODE]``: the accessibility and sobriety statement (nrdash.statement), with the
  territory's contact address when the territory has one.

Both are linked from every page (« Déclaration d'accessibilité »).
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from . import auth, form_page, statement, webpage
from . import questionnaire as quest
from . import referential as ref

log = logging.getLogger("nrdash")


def territory_communes(store, code: str) -> dict[str, str]:
    """The territory's communes (INSEE code -> name, in alphabetical order) from its latest published census: the
    form's list (and the paper answers' check, nrdash.ui.questionnaire)."""
    numbers = [v.number for v in store.versions(code)]
    return _communes_of(store, code, max(numbers) if numbers else None)


@lru_cache(maxsize=64)
def _communes_of(store, code: str, number: int | None) -> dict[str, str]:
    if number is None:
        return {}
    from .ui.source import geography  # the geography already loaded by the app (one copy per process)

    geo = geography()[0]
    info = store.open_version(code, number).territory
    if geo is None or info is None:
        return {}
    names = dict(zip(geo.communes["code"], geo.communes["name"]))
    found = {c: names[c] for c in info.members if c in names}
    return dict(sorted(found.items(), key=lambda kv: ref.norm_key(kv[1])))


def territory_of(store, code: str | None) -> dict[str, Any] | None:
    """The territory's row, or None when the address names none or an unknown one."""
    from .store import StoreError

    if not code:
        return None
    try:
        return store.territory(code)
    except StoreError:
        return None


def routes(trusted: list | None = None, store_factory=None, secret_factory=None) -> list:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    base = auth.paths().base
    trusted = auth.trusted_proxies() if trusted is None else trusted
    contact = statement.contact_email()  # a wrong setting stops the server at start, with its French message
    if store_factory is None:
        def store_factory():
            from .store import get_store

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
    def show_form(store, code: str, values=None, problems=(), now: float | None = None,
                  status: int = 200) -> Response:
        territory = territory_of(store, code)
        if territory is None:
            return page(form_page.TITLE, form_page.message_page(form_page.UNKNOWN if code else form_page.INCOMPLETE),
                        404 if code else 400)
        if not store.questionnaire_open(code):
            return page(form_page.TITLE, form_page.message_page(form_page.CLOSED, "info"), territory=code)
        token = form_page.start_token(secret_factory(), code, now)
        if now is None and values and form_page.elapsed_since(values.get("debut"), secret_factory(), code) is not None:
            token = values["debut"]  # shown again to correct it: the time counts from the first display
        body = form_page.form_page(code, territory["name"], territory_communes(store, code),
                                   int(territory["retention_months"]), token, values, problems)
        title = ("Erreur – " if problems else "") + form_page.TITLE
        return page(title, body, status, territory=code)

    def answer(store, code: str, body: bytes, client: str) -> Response:
        from .store import StoreError, TooManySubmissions

        territory = territory_of(store, code)
        if territory is None or not store.questionnaire_open(code):
            return show_form(store, code)
        raw = form_page.read_form(body)
        communes = territory_communes(store, code)
        answered, problems = quest.validate(raw, communes)
        if problems:
            return show_form(store, code, raw, problems)
        if str(raw.get("website") or "").strip():  # the hidden field: a robot, told it was sent, nothing stored
            return page(form_page.TITLE, form_page.sent_page(territory["name"], code, False), territory=code)
        elapsed = form_page.elapsed_since(raw.get("debut"), secret_factory(), code)
        if quest.robot(raw, elapsed):  # too fast: said, and a second « Envoyer » is a person's
            import time

            return show_form(store, code, raw, [quest.Problem("send", "Envoi", form_page.TOO_FAST)],
                             now=time.time() - quest.MIN_FILL_SECONDS)
        try:
            _, match = store.submit(code, answered, client)
        except TooManySubmissions as exc:
            return show_form(store, code, raw, [quest.Problem("send", "Envoi", str(exc))], status=429)
        except StoreError as exc:
            return show_form(store, code, raw, [quest.Problem("send", "Envoi", str(exc))])
        known = match is not None and bool(territory["anonymous_read"])  # a closed census is never revealed
        return page(form_page.TITLE, form_page.sent_page(territory["name"], code, known), territory=code)

    async def questionnaire(request: Request) -> Response:
        code = code_of(request)
        if request.method == "GET":
            return await run_in_threadpool(lambda: show_form(store_factory(), code))
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
        territory = territory_of(store, code) if code else None
        name = territory["name"] if territory else None
        territory_contact = (territory or {}).get("contact_email") or None  # when the store keeps one
        body = statement.body(contact, name, territory_contact, statement.load_audit())
        return page(webpage.STATEMENT_LINK, body, footer=False)

    async def accessibility(request: Request) -> Response:
        code = code_of(request)
        return await run_in_threadpool(lambda: show_statement(store_factory(), code))

    return [Route(base + form_page.PATH, questionnaire, methods=["GET", "POST"]),
            Route(base + webpage.STATEMENT_PATH, accessibility, methods=["GET"])]
