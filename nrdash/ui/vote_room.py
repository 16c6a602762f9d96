"""The Atelier page (pages/atelier.py, issue 28): the room's live vote on the projector, and the facilitator's
controls. Logic: nrdash.vote; storage: nrdash.store (votes.py); the phones' page: nrdash.web.vote_page (plain HTML).

- An editor of the territory opens a vote (what the room votes on, how many choices each person has), closes it,
  and turns a closed vote's chosen cells or actions into plan actions in their draft (« Ajouter au plan »).
- The projector (a locked workshop link, or the editor's own screen) shows the open vote: a large QR code made
  here, the short address and the code, and the live result drawn as the matrix. The result is a fragment that
  asks the store every second for the vote's revision counter only (one small query) and reads the result again
  only when it changed; a vote opened or closed meanwhile reruns the page once (the QR code comes or goes).
- Readers of the territory see the results, never the code (the phones' only credential).

Buttons act in callbacks (AppTest loses a button's return value, see the GUIDE)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from .. import links
from .. import vote as vt
from ..store import StoreError
from ..template import census_to_xlsx
from ..text import count_noun, date_time, esc, escape_md
from . import source
from .assets import style
from .elements import filter_caption
from .pages import absolute_url

if TYPE_CHECKING:
    from ..store import VoteInfo
    from .page_context import Context

TITLE = "Atelier : la salle choisit"
LIVE_SECONDS = 1.0  # the projector's tick: a vote shows there within about a second
LIVE_KEY = "vote_live"  # (revision, html) of the result last drawn
DONE_KEY, FAILED_KEY = "vote_done", "vote_failed"
OPEN_KEYS = ("vote_kind", "vote_purpose", "vote_n", "vote_q")


def atelier_page(ctx: "Context") -> None:
    st.markdown(style("vote"), unsafe_allow_html=True)  # our own sheet only
    src = ctx.source
    if src is None or not src.stored:
        st.title(TITLE, anchor=False)
        st.info("Le vote de la salle se fait sur un territoire de la base : ouvrez un territoire publié "
                "(barre latérale, « Territoire affiché »).", icon=":material/info:")
        return
    s, who = source.store(), source.principal()
    latest = s.latest_vote(who, src.code)
    editor = src.access.editor and not source.locked()
    is_open = latest is not None and latest.open
    st.title(latest.question if is_open else TITLE, anchor=False)  # on the projector, the question first
    if not ctx.workshop:  # which census the page reads (a plan vote offers its actions): the projector has no room
        filter_caption(ctx)
    _messages()
    if is_open and latest.code:
        join, live = st.columns([2, 3], gap="large")
        with join:
            _join(latest)
        with live:
            _live(src.code, (latest.id, True))
    else:
        if latest is not None and not latest.open:
            st.subheader(f"Dernier vote, clos : {latest.question}", anchor=False)
        _live(src.code, (latest.id, latest.open) if latest is not None else None)
    if editor and is_open:
        st.button("Clore le vote", key="vote_close", type="primary", icon=":material/stop_circle:",
                  on_click=_close, args=(src.code, latest.code),
                  help="Le résultat est gardé avec le territoire (date, question, voix par choix) ; les bulletins "
                       "sont effacés.")
    if editor and not is_open and not ctx.workshop:
        _open_form(src.code)
    if not ctx.workshop:
        _past_votes(src, editor)


def _messages() -> None:
    if msg := st.session_state.pop(DONE_KEY, None):
        st.success(escape_md(msg), icon=":material/check_circle:")
    if msg := st.session_state.pop(FAILED_KEY, None):
        st.error(escape_md(msg), icon=":material/error:")


# ---------------------------------------------------------------------------------------------
# The projector
# ---------------------------------------------------------------------------------------------
def _join(vote: "VoteInfo") -> None:
    """How phones join: the QR code, the short address and the code, large."""
    url, problem = absolute_url(vt.vote_path(vote.code))  # NRDASH_PUBLIC_URL, else this page's own address
    address = vt.vote_address(url, bool(os.environ.get(links.PUBLIC_URL_ENV, "").strip()))
    qr = vt.qr_image(address.url, f"Code QR du vote, qui mène à {address.url}")
    st.html(f'<div class="nr-vote-join"><div class="nr-qr-box">{qr}</div>'
            f'<p class="nr-vote-how">Votez depuis votre téléphone : scannez le code QR, ou ouvrez</p>'
            f'<p class="nr-vote-short">{esc(address.short)}</p>'
            f'<p class="nr-vote-how">et saisissez le code</p><p class="nr-vote-code">{esc(vote.code)}</p>'
            f'<p class="nr-vote-how">{count_noun(vote.max_choices, "choix", "choix")} par personne.</p></div>')
    for warning in (problem, address.warning):
        if warning:
            st.warning(escape_md(warning), icon=":material/warning:")


def results_block(vote: "VoteInfo | None") -> str:
    """The result as the projector shows it: participants, the matrix (or the ranked actions), the sentence."""
    if vote is None:
        return '<p class="nr-vote-none">Aucun vote pour l\'instant sur ce territoire.</p>'
    state = "Vote ouvert" if vote.open else f"Vote clos le {date_time(vote.closed_at.astimezone())}, résultat final"
    return (f'<div class="nr-vote-live"><p class="nr-vote-count"><strong>'
            f'{esc(count_noun(vote.participants, "participant"))}</strong> · {esc(state)}</p>'
            + vt.results_html(vote.kind, vote.choices, vote.counts, vote.participants)
            + f'<p class="nr-vote-summary">{esc(vote.summary())}</p></div>')


def _live(code: str, shown: tuple[int, bool] | None) -> None:
    """The live result: every LIVE_SECONDS, the store's revision counter; the result read again only when it moved;
    the page rerun once when a vote was opened or closed meanwhile."""

    @st.fragment(run_every=LIVE_SECONDS)
    def tick() -> None:
        s, who = source.store(), source.principal()
        revision = s.vote_revision(who, code)
        if ((revision[0], revision[2]) if revision else None) != shown:
            st.session_state.pop(LIVE_KEY, None)
            st.rerun(scope="app")
        cached = st.session_state.get(LIVE_KEY)
        if cached is None or cached[0] != (code, revision):
            cached = ((code, revision), results_block(s.latest_vote(who, code)))
            st.session_state[LIVE_KEY] = cached
        st.html(cached[1])

    tick()


def _close(code: str, vote_code: str) -> None:
    try:
        info = source.store().close_vote(source.principal(), code, vote_code)
    except StoreError as exc:
        st.session_state[FAILED_KEY] = str(exc)
        return
    st.session_state[DONE_KEY] = f"Vote clos : {info.summary()}"


# ---------------------------------------------------------------------------------------------
# Opening a vote
# ---------------------------------------------------------------------------------------------
def _open_form(code: str) -> None:
    with st.form("vote_open"):
        st.markdown("**Ouvrir un vote** : la salle vote depuis ses téléphones, sans compte ; le résultat s'affiche "
                    "ici en direct (et sur le projecteur ouvert avec un lien d'atelier).")
        st.radio("Sur quoi la salle vote-t-elle ?", list(vt.KINDS), format_func=vt.KINDS.get, key="vote_kind")
        st.radio("Ce que la salle choisit", list(vt.PURPOSES), format_func=vt.PURPOSES.get, key="vote_purpose",
                 horizontal=True,
                 help="« Ajouter au plan » marque les choix « Planifiée », et « gain rapide » si la salle choisit "
                      "des gains rapides.")
        st.number_input("Choix par personne", min_value=vt.MIN_CHOICES, max_value=vt.MAX_CHOICES,
                        value=vt.DEFAULT_CHOICES, step=1, key="vote_n")
        st.text_input("Question posée (facultative)", max_chars=vt.QUESTION_MAX, key="vote_q",
                      placeholder="Par défaut : « Quelles cases de la matrice sont nos priorités ? »")
        st.form_submit_button("Ouvrir le vote", type="primary", icon=":material/how_to_vote:", on_click=_open,
                              args=(code,))


def _open(code: str) -> None:
    state = st.session_state
    kind, purpose = state.get("vote_kind") or vt.MATRIX, state.get("vote_purpose") or vt.KEY_ACTIONS
    try:
        choices = None
        if kind == vt.PLAN:  # the plan the editor sees (their draft, or the version shown)
            shown = source.current_dataset()
            choices = vt.plan_choices(shown.census.actions if shown is not None else None)
        info = source.store().open_vote(source.principal(), code, kind, state.get("vote_n") or vt.DEFAULT_CHOICES,
                                        purpose=purpose, question=state.get("vote_q") or "", choices=choices)
    except (StoreError, vt.VoteError) as exc:
        state[FAILED_KEY] = str(exc)
        return
    state[DONE_KEY] = (f"Vote ouvert, code {info.code}. Projetez cette page (ou ouvrez-la avec un lien d'atelier sur "
                       "le projecteur) : la salle scanne le code QR.")


# ---------------------------------------------------------------------------------------------
# Past votes, and into the plan
# ---------------------------------------------------------------------------------------------
def report_votes(ctx: "Context") -> list:
    """The territory's closed votes for the report (none for a census outside the store)."""
    src = ctx.source
    if src is None or not src.stored:
        return []
    try:
        return source.store().votes(source.principal(), src.code)
    except StoreError:
        return []


def _past_votes(src, editor: bool) -> None:
    past = source.store().votes(source.principal(), src.code)
    st.header("Votes passés", anchor=False)
    if not past:
        st.markdown("Aucun vote clos sur ce territoire.")
        return
    for v in past:
        with st.expander(f"{date_time(v.closed_at.astimezone())} — {v.question} "
                         f"({count_noun(v.participants, 'participant')})"):
            st.html(results_block(v))
            if editor:
                _to_plan_form(src, v)


def _to_plan_form(src, v: "VoteInfo") -> None:
    labels = {c.key: c.label for c in v.choices}
    leading = [c.key for c, n in vt.ranked(v.counts, v.choices) if n][:v.max_choices]
    st.multiselect("Choix à ajouter au plan", list(labels), default=leading, format_func=labels.get,
                   key=f"vote_plan_{v.id}",
                   help="Une case de la matrice devient une action à préciser dans cette case ; une action du plan "
                        "devient « Planifiée » si elle n'était qu'une idée ; un exemple du kit devient une action.")
    st.checkbox("Les marquer « gain rapide »", value=v.purpose == vt.QUICK_WINS, key=f"vote_quick_{v.id}")
    st.button("Ajouter au plan", key=f"vote_add_{v.id}", icon=":material/playlist_add:", on_click=_add_to_plan,
              args=(src.code, v.id),
              help="Dans votre brouillon (vous seul le voyez), à publier depuis la page Versions.")


def _add_to_plan(code: str, vote_id: int) -> None:
    """The chosen cells or actions into the editor's draft (started from the latest published version, personal
    data included, when they have none)."""
    state = st.session_state
    s, who = source.store(), source.principal()
    try:
        v = next(x for x in s.votes(who, code) if x.id == vote_id)
        chosen = [c for c in v.choices if c.key in set(state.get(f"vote_plan_{vote_id}") or ())]
        if not chosen:
            raise StoreError("Aucun choix retenu : choisissez au moins une case ou une action à ajouter.")
        draft, ds = source.draft_dataset(s, code, who)
        if ds is None:
            ds = s.open_version(who, code, personal=True)
            base, name = s.versions(who, code)[-1].number, f"{code}-atelier.xlsx"
        else:
            base, name = draft.base_version, draft.file_name
        when = (v.closed_at or dt.datetime.now(dt.timezone.utc)).astimezone().date()
        actions, added, updated = vt.plan_with(ds.census.actions, chosen, v.kind,
                                               bool(state.get(f"vote_quick_{vote_id}")), when, v.question)
        if added or updated:
            s.save_draft(who, code, census_to_xlsx(replace(ds.census, actions=actions), with_contacts=True),
                         name if name.endswith(".xlsx") else f"{name.rsplit('.', 1)[0]}.xlsx", base)
            state[source.SHOW_DRAFT_KEY] = True
    except StoreError as exc:
        state[FAILED_KEY] = str(exc)
        return
    state[DONE_KEY] = vt.plan_message(added, updated)
