"""The phone's vote page, ``/vote?code=CODE`` (issue 28): plain HTML served by nrdash's own server route, no
JavaScript, no account, nothing asked of the person.

Why a route and not a Streamlit page: a phone in a council room has a poor network and a small battery. A Streamlit
page costs about 80 requests and 600 kB on a first visit and a websocket session kept open on the server (EcoIndex C
at best, docs/performances.md); this page is one request of a few kB (EcoIndex A), works on any browser, reads
well at 320 px, and forty phones voting at once are forty short HTTP requests. It is still public and bare: no
sidebar, nothing of the census, only the question and its choices.

- GET shows the code form (no or unknown code: « Aucun vote ouvert avec ce code. », the code as typed shown as
  text), the vote's checkboxes with this browser's current choices ticked (open vote), or « Ce vote est clos. »
  with the result (closed vote).
- POST (« Voter ») records the ticked choices as this browser's one ballot (the store checks: empty, too many, a
  closed vote, too many ballots from one address), then redirects to GET (a reload never sends the vote again).
- The browser's token is a random cookie (HttpOnly, SameSite=Lax, Path=/, 12 hours) set by this route the first
  time: the store keeps only its SHA-256, with the ballot, until the vote closes. A second tab or a reload is the
  same browser, the same ballot.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from typing import Mapping, Sequence
from urllib.parse import parse_qs, quote

from .. import referential as ref
from .. import vote as vt
from ..text import count_noun, plural
from . import webpage

COOKIE = "nrdash_votant"
COOKIE_MAX_AGE = 12 * 3600  # a workshop's day: the ballot it names is deleted when the vote closes
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_FORM_BYTES = 8_192
DONE = "Votre vote est enregistré"
CHANGE = "Vous pouvez le changer tant que le vote est ouvert : cochez autrement puis « Voter » de nouveau."

STYLE = """
html{font-family:Arial,Helvetica,sans-serif;color:#1e1e1e;background:#fff;line-height:1.45;font-size:112.5%}
body{margin:0}main{max-width:34rem;margin:0 auto;padding:1rem 1rem 3rem}footer{max-width:34rem;margin:0 auto 2rem;padding:0 1rem}
h1{font-size:1.45rem;line-height:1.25;margin:.5rem 0 .75rem;color:#0b2a6b}
p{margin:.5rem 0}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{font-weight:700;padding:0;margin:1rem 0 .25rem;color:#1d4e89}
legend.consigne{color:#1e1e1e;margin-top:.5rem}
.choix label{display:flex;align-items:flex-start;gap:.75rem;min-height:3rem;box-sizing:border-box;
padding:.65rem .75rem;margin:.4rem 0;border:2px solid #6b7280;border-radius:6px;cursor:pointer;
overflow-wrap:anywhere}
.choix input{flex:none;width:1.5rem;height:1.5rem;margin:.1rem 0 0;accent-color:#1d4e89}
.choix input:checked+span{font-weight:700}
button,.bouton{display:block;width:100%;min-height:3.25rem;margin-top:1.25rem;font-size:1.15rem;font-weight:700;
color:#fff;background:#1d4e89;border:0;border-radius:6px;cursor:pointer;text-align:center}
input[type=text]{display:block;width:100%;box-sizing:border-box;font-size:1.4rem;letter-spacing:.2em;
text-transform:uppercase;padding:.6rem;border:2px solid #3a3a3a;border-radius:6px;margin-top:.35rem}
:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
.erreur{color:#a00000;border-left:5px solid #a00000;padding:.35rem .75rem;font-weight:700;margin:1rem 0}
.fait{border-left:5px solid #1b6e3a;padding:.35rem .75rem;margin:1rem 0;color:#14532d;font-weight:700}
.note{color:#3d3d3d;font-size:.95rem}
table{border-collapse:collapse;width:100%;margin:.75rem 0}
th,td{border-bottom:1px solid #c9ced6;padding:.45rem .3rem;text-align:left;vertical-align:top}
td{text-align:right;white-space:nowrap}
""".strip()
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
PAGE_CSP = f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; base-uri 'none'"


_BEFORE = re.compile(r" ([?!:;»])")


def _fr(text: str) -> str:
    """Escaped text with French typography's no-break spaces (before ? ! : ; », after «): on a 320 px screen a
    question mark never starts a line alone."""
    return _BEFORE.sub("\u00a0\\1", html.escape(text, quote=False)).replace("« ", "«\u00a0")


def voter_token(cookies: Mapping[str, str]) -> str | None:
    """The browser's vote token from its cookies, when it has a well-formed one."""
    token = cookies.get(COOKIE) or ""
    return token if _TOKEN.match(token) else None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)} – vote de l'atelier</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main><footer>{webpage.statement_link_html()}</footer></body></html>")


def code_page(action: str, typed: str | None = None) -> str:
    """No code, or a code no vote has: the form to type the code shown on the screen; a code as typed is shown as
    text (escaped), never as markup."""
    error = ""
    if typed:
        error = (f'<div id="erreur" class="erreur" role="alert"><p>{_fr(vt.UNKNOWN_CODE)}</p>'
                 f'<p class="note">{_fr("Code saisi : « " + typed[:40] + " »")}</p></div>')
    described = ' aria-describedby="erreur" aria-invalid="true"' if typed else ""
    return _page("Code du vote", (
        "<h1>Vote de l'atelier</h1>" + error +
        f'<form method="get" action="{html.escape(action)}">'
        f'<label for="code">Code du vote <span class="note">(les {vt.CODE_LENGTH} caractères affichés à '
        "l'écran)</span></label>"
        f'<input id="code" name="code" type="text" required maxlength="12" autocomplete="off" autocapitalize='
        f'"characters" spellcheck="false" value="{html.escape((typed or "")[:12])}"{described}>'
        '<button type="submit">Continuer</button></form>'))


def _checkbox(choice: vt.Choice, ticked: bool) -> str:
    i = f"c-{html.escape(choice.key)}"
    return (f'<label for="{i}"><input type="checkbox" id="{i}" name="choix" value="{html.escape(choice.key)}"'
            + (" checked" if ticked else "") + f"><span>{html.escape(choice.label)}</span></label>")


def _choices_html(choices: Sequence[vt.Choice], ticked: set[str]) -> str:
    """The checkboxes, grouped by axis (a matrix vote: each axis's four targets), each named by its label."""
    groups: dict[str, list[vt.Choice]] = {}
    for c in choices:
        groups.setdefault(c.axis if c.axis in ref.AXES else "", []).append(c)
    if len(groups) == 1:
        return '<div class="choix">' + "".join(_checkbox(c, c.key in ticked) for c in choices) + "</div>"
    return "".join(f'<fieldset class="choix"><legend>{html.escape(axis or "Autres actions")}</legend>'
                   + "".join(_checkbox(c, c.key in ticked) for c in items) + "</fieldset>"
                   for axis, items in groups.items())


def ballot_page(action: str, vote, ticked: Sequence[str], *, error: str | None = None, done: bool = False) -> str:
    """An open vote: its question, its choices (``ticked`` already ticked), « Voter »; the error above the form
    (announced), or the acknowledgement of the ballot just recorded."""
    n = vote.max_choices
    how = ("Cochez un seul choix" if n == 1 else f"Cochez de 1 à {n} choix") + ", puis « Voter »."
    said = ""
    if error:
        said = f'<div id="erreur" class="erreur" role="alert"><p>{_fr(error)}</p></div>'
    elif done:
        labels = [c.label for c in vote.choices if c.key in set(ticked)]
        said = (f'<div class="fait" role="status"><p>{_fr(DONE + " : " + " ; ".join(labels))}.</p>'
                f'<p class="note">{_fr(CHANGE)}</p></div>')
    title = ("Erreur – " if error else "Vote enregistré – " if done else "") + vote.question
    return _page(title, (
        f"<h1>{_fr(vote.question)}</h1>" + said +
        f'<form method="post" action="{html.escape(action)}">'
        f'<fieldset><legend class="consigne">{_fr(how)}</legend>'
        + _choices_html(vote.choices, set(ticked)) + "</fieldset>"
        '<button type="submit">Voter</button></form>'
        '<p class="note">Vote anonyme : aucun nom n\'est demandé ; votre navigateur garde un jeton au hasard pour '
        "que votre vote compte une fois.</p>"))


def closed_page(vote) -> str:
    """A closed vote: « Ce vote est clos. » and its result (participants, votes per choice, most first)."""
    rows = "".join(f'<tr><th scope="row">{html.escape(c.label)}</th><td>{k} {plural(k, "voix", "voix")}</td></tr>'
                   for c, k in vt.ranked(vote.counts, vote.choices))
    return _page(vt.CLOSED, (
        f"<h1>{_fr(vt.CLOSED)}</h1><p>{_fr(vote.question)}</p>"
        f"<p><strong>{html.escape(count_noun(vote.participants, 'participant'))}.</strong></p>"
        f"<table><caption class=\"note\">Résultat, du plus choisi au moins choisi</caption><tbody>{rows}"
        "</tbody></table>"))


def read_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=False)


def routes(store_factory=None, trusted: list | None = None) -> list:
    """The Starlette route of the phone's vote page (for ``st.App(routes=...)``)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    from . import auth
    from ..store import Principal, StoreError, TooManyBallots

    path = auth.paths().base + "vote"
    trusted = auth.trusted_proxies() if trusted is None else trusted
    if store_factory is None:
        def store_factory():
            from ..store import get_store

            return get_store()

    def answer(request: Request, response: Response, token: str) -> Response:
        response.headers["cache-control"] = "no-store"
        if request.cookies.get(COOKIE) != token:
            response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, path="/", httponly=True, samesite="lax",
                                secure=auth.is_https(request.url.scheme, request.headers))
        return response

    def page(request: Request, content: str, token: str, status: int = 200) -> Response:
        response = HTMLResponse(content, status_code=status, headers={"content-security-policy": PAGE_CSP})
        return answer(request, response, token)

    def find(code: str, token: str, client: str):
        """(territory, who) of the code's vote, or (None, who) for an unknown code."""
        who = Principal.vote(code, token, client)
        return store_factory().vote_territory(who), who

    async def vote(request: Request) -> Response:
        token = voter_token(request.cookies) or new_token()
        typed = (request.query_params.get("code") or "")[:40]
        code = vt.normalise_code(typed)
        client = auth.client_ip(request.client.host if request.client else None, request.headers, trusted)
        territory, who = await run_in_threadpool(find, code, token, client) if code else (None, None)
        if territory is None:
            return page(request, code_page(path, typed.strip() or None), token, 404 if typed.strip() else 200)
        action = f"{path}?code={quote(code)}"
        if request.method == "POST":
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    return page(request, code_page(path), token, 413)
            chosen = read_form(body).get("choix", [])
            if not auth.same_origin(request.headers):
                ballot = await run_in_threadpool(store_factory().vote_ballot, who, territory)
                return page(request, ballot_page(action, ballot.vote, chosen, error="Vote refusé : envoyez-le depuis "
                                                 "la page du vote."), token, 403)
            if not voter_token(request.cookies):  # cookies refused, or a first visit straight to POST
                ballot = await run_in_threadpool(store_factory().vote_ballot, who, territory)
                return page(request, ballot_page(action, ballot.vote, chosen, error=(
                    "Votre navigateur n'a pas gardé le jeton de vote : cliquez de nouveau sur « Voter ». Si ce "
                    "message revient, autorisez les cookies de ce site.")), token, 400)
            try:
                await run_in_threadpool(store_factory().cast_vote, who, territory, chosen)
            except StoreError as exc:
                ballot = await run_in_threadpool(store_factory().vote_ballot, who, territory)
                if not ballot.vote.open:
                    return page(request, closed_page(ballot.vote), token, 409)
                return page(request, ballot_page(action, ballot.vote, chosen, error=str(exc)), token,
                            429 if isinstance(exc, TooManyBallots) else 400)
            return answer(request, RedirectResponse(f"{action}&vote=enregistre", status_code=303), token)
        ballot = await run_in_threadpool(store_factory().vote_ballot, who, territory)
        if not ballot.vote.open:
            return page(request, closed_page(ballot.vote), token)
        done = request.query_params.get("vote") == "enregistre" and bool(ballot.mine)
        return page(request, ballot_page(action, ballot.vote, ballot.mine, done=done), token)

    return [Route(path, vote, methods=["GET", "POST"])]
