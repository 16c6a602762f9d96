"""The Campagnes page's sending: the mail settings, the background thread that sends a campaign (it goes on when
the editor leaves the page), its progress read live, the mail-merge file and the uncertain sendings sent again
(nrdash.ui.campaign_page is the page; nrdash.mailing sends)."""
from __future__ import annotations

import logging
import threading

import streamlit as st

from .. import campaign as cm
from .. import mailing
from ..store import StoreError
from ..text import count_noun, escape_md, thousands
from . import source

log = logging.getLogger("nrdash")
PICK_KEY, DONE_KEY, FAILED_KEY, CSV_KEY = "camp_pick", "camp_done", "camp_failed", "camp_csv"

# The sendings this server process runs: (store, territory, campaign) -> {"thread", "progress", "error"}.
_sendings: dict[tuple, dict] = {}
_sendings_lock = threading.Lock()


def _done(message: str) -> None:
    st.session_state[DONE_KEY] = message


def _failed(message: str) -> None:
    st.session_state[FAILED_KEY] = message


def _src():
    src = st.session_state.get(source.SOURCE_KEY)
    return src if src is not None and src.stored else None


def settings(need: str | None = None) -> tuple[mailing.MailSettings | None, str | None]:
    """The mail settings, and why they are wrong or, for ``need`` ("sending", "links"), missing (French)."""
    try:
        config = mailing.MailSettings.from_env()
    except mailing.MailError as exc:
        return None, str(exc)
    problem = {"sending": config.sending_problem, "links": config.links_problem}.get(need, lambda: None)()
    return config, problem


# ---------------------------------------------------------------------------------------------
# Background sending
# ---------------------------------------------------------------------------------------------
def _key(code: str, cid: int) -> tuple:
    return (source.store().url, code, int(cid))


def running(code: str, cid: int) -> dict | None:
    with _sendings_lock:
        entry = _sendings.get(_key(code, cid))
    return entry if entry is not None and entry["thread"].is_alive() else None


def start_sending(code: str, cid: int) -> None:
    """« Envoyer »: the campaign's due messages sent by a thread of this process, as the editor who clicked."""
    config, problem = settings("sending")
    if problem:
        _failed(problem)
        return
    if running(code, cid):
        return
    store, who = source.store(), source.principal()
    entry: dict = {"progress": None, "error": None}

    def work() -> None:
        try:
            entry["progress"] = mailing.send_campaign(store, who, code, cid, config,
                                                      progress=lambda p: entry.__setitem__("progress", p))
        except (StoreError, mailing.MailError) as exc:
            entry["error"] = str(exc)
        except Exception:  # noqa: BLE001 - said on the page; what was sent is recorded
            log.exception("campaign sending failed")
            entry["error"] = "L'envoi s'est arrêté sur une erreur inattendue : relancez-le (rien n'est envoyé deux fois)."

    entry["thread"] = threading.Thread(target=work, name=f"nrdash-campaign-{cid}", daemon=True)
    with _sendings_lock:
        _sendings[_key(code, cid)] = entry
    entry["thread"].start()
    _done("Envoi lancé : il continue même si vous quittez la page (sa progression s'affiche ci-dessous).")


def last_sending(code: str, cid: int) -> dict | None:
    with _sendings_lock:
        return _sendings.get(_key(code, cid))


# ---------------------------------------------------------------------------------------------


def _sending(code: str, cid: int, c=None) -> bool:
    return bool(running(code, cid)) or bool(c is not None and c.sending)


def progress_block(code: str, cid: int) -> None:
    """Where the campaign stands; while it sends, read again every two seconds by a fragment (the rest of the page
    stays usable), else once."""
    src = _src()
    if src is None:
        return
    c = source.store().campaign(src.who, code, cid)
    if _sending(code, cid, c):
        _live(code, cid)
    else:
        _progress(code, cid, c)


@st.fragment(run_every=2)
def _live(code: str, cid: int) -> None:
    src = _src()
    if src is None:
        return
    c = source.store().campaign(src.who, code, cid)
    if not _sending(code, cid, c):
        st.rerun()  # finished: the whole page shows the result (and stops reading every two seconds)
    _progress(code, cid, c)


def _progress(code: str, cid: int, c) -> None:
    entry = last_sending(code, cid)
    with st.container(border=True, key="camp_progress"):
        cols = st.columns(4)
        sent = c.counts.get(cm.SENT_LABEL, 0) + c.answered
        cols[0].metric("Destinataires", thousands(c.recipients))
        cols[1].metric("À envoyer", thousands(c.to_send))
        cols[2].metric("Réponses", thousands(c.answered))
        cols[3].metric("Taux de réponse", f"{round(100 * c.answered / c.recipients)} %" if c.recipients else "—")
        if c.sending or (entry is not None and entry["thread"].is_alive()):
            done = c.recipients - c.to_send
            st.progress(min(1.0, done / c.recipients) if c.recipients else 1.0,
                        text=f"Envoi en cours : {thousands(sent)} message{'s' if sent > 1 else ''} parti"
                             f"{'s' if sent > 1 else ''}, {thousands(c.to_send)} à envoyer.")
        elif entry is not None and entry.get("error"):
            st.error(escape_md(entry["error"]), icon=":material/error:")
        elif entry is not None and entry.get("progress") is not None:
            p = entry["progress"]
            text = f"Dernier envoi : {p.line()}."
            if p.stopped:
                st.warning(escape_md(text + " " + p.stopped), icon=":material/warning:")
            else:
                st.caption(escape_md(text))
        st.markdown(" · ".join(f"{escape_md(k)} : {thousands(v)}" for k, v in c.counts.items()))


def sending_block(src, c) -> None:
    config, problem = settings("sending")
    c1, c2 = st.columns(2)
    with c1:
        if problem:
            st.info(escape_md(problem), icon=":material/mail:")
        else:
            rate = config.rate
            st.button(f"Envoyer les courriels ({count_noun(c.to_send, 'message')})", type="primary",
                      key="camp_send", icon=":material/send:", disabled=c.to_send == 0 or c.sending,
                      on_click=start_sending, args=(src.code, c.id))
            st.caption(escape_md(f"Par {config.smtp.describe()}, {rate} messages par minute au plus, depuis "
                                 f"{config.sender}. Jamais deux fois au même acteur ; les échecs sont tentés de "
                                 f"nouveau au prochain envoi ({cm.MAX_ATTEMPTS} fois en tout)."))
    with c2:
        links_problem = settings("links")[1]
        if links_problem:
            if links_problem != problem:  # said once
                st.caption(escape_md(links_problem))
        else:
            st.button("Préparer le fichier de publipostage (.csv)", key="camp_prepare_csv",
                      icon=":material/table_view:", on_click=_prepare_csv, args=(src.code, c.id))
            ready = st.session_state.get(CSV_KEY)
            if ready and ready[0] == (src.code, c.id):
                st.download_button("Télécharger le fichier de publipostage", ready[1],
                                   file_name=f"campagne-{c.id}-{src.code}.csv", mime="text/csv", on_click="ignore",
                                   icon=":material/download:", key="camp_csv_download")
            st.caption("Nom, adresse, lien personnel et date de fin de chaque destinataire, pour l'outil d'envoi de la "
                       "collectivité. Les destinataires « à envoyer » y passent « lien exporté » : nrdash ne leur "
                       "écrit plus.")
    uncertain = c.counts.get("envoi incertain", 0)
    if uncertain:
        st.warning(escape_md(f"{count_noun(uncertain, 'envoi incertain', 'envois incertains')} : "
                             f"{cm.STATUS_HELP['envoi incertain']}"), icon=":material/help:")
        st.button("Renvoyer les envois incertains", key="camp_resend", on_click=_resend, args=(src.code, c.id))


def _prepare_csv(code: str, cid: int) -> None:
    config, problem = settings("links")
    if problem:
        _failed(problem)
        return
    try:
        rows = source.store().campaign_links(source.principal(), code, cid)
    except StoreError as exc:
        _failed(str(exc))
        return
    data = cm.mail_merge_csv((name, email, mailing.link_to(mailing.personal_path(code, token), config.public_url),
                              end) for name, email, token, end in rows)
    st.session_state[CSV_KEY] = ((code, cid), data)


def _resend(code: str, cid: int) -> None:
    try:
        n = source.store().resend_uncertain(source.principal(), code, cid)
    except StoreError as exc:
        _failed(str(exc))
        return
    _done(f"{count_noun(n, 'destinataire')} à envoyer de nouveau.")
