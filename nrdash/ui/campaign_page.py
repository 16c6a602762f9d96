"""The « Campagnes » page (editors; issue 26): choose the actors (the shared filters, « à actualiser »), see whom a
campaign reaches, make it, send it in the background (throttled, its progress shown), download its mail-merge file,
follow each recipient and the response rates; and the campaigns' section of the Suivi page.

Logic: nrdash.campaign (pure), nrdash.mailing (sending), nrdash.store (campaigns). Buttons act in callbacks; a
sending runs in a thread of this server process (one per campaign and process; the store lets one sender hold a
campaign at a time, whatever the process), and the page reads its progress from the store every two seconds (the sending's part: nrdash.ui.campaign_sending)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from .. import campaign as cm
from ..store import StoreError
from ..text import count_noun, date_time, escape_md, thousands
from . import source
from .campaign_sending import (CSV_KEY, DONE_KEY, FAILED_KEY, PICK_KEY, _done, _failed, _src,  # noqa: F401
                               last_sending, progress_block, sending_block, settings)
from .elements import data_table

if TYPE_CHECKING:
    from .page_context import Context

PAGE = "pages/campagnes.py"


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
def page(ctx: "Context") -> None:
    src = ctx.source
    # The messages in a container drawn on every run: the tabs below keep their place in the page, so the browser
    # keeps the tab that was chosen (a message drawn above them without it made them new: « Envoyer » showed the
    # first tab again).
    with st.container(key="camp_messages"):
        for key, box in ((DONE_KEY, st.success), (FAILED_KEY, st.error)):
            message = st.session_state.pop(key, None)
            if message:
                box(escape_md(message))
    st.markdown("Une campagne écrit à chaque acteur choisi, avec un **lien personnel** qui ouvre le questionnaire "
                "déjà rempli de sa fiche publiée : il corrige ce qui a changé et envoie ; sa réponse arrive dans la "
                "file du questionnaire comme une mise à jour de cet acteur.")
    closed = _closed(ctx)
    if closed:
        st.info(closed, icon=":material/lock:")
        return
    s = source.store()
    campaigns = s.campaigns(src.who, src.code)
    tab_new, tab_follow = st.tabs(["Nouvelle campagne", f"Suivre les campagnes ({len(campaigns)})"])
    with tab_new:
        new_campaign(ctx)
    with tab_follow:
        follow(ctx, campaigns)


def _closed(ctx: "Context") -> str | None:
    """Why this session sees no campaign (None: an editor of a stored territory, out of mode atelier)."""
    src = ctx.source
    if src is None or not src.stored:
        return "Les campagnes appartiennent à un territoire de la base : ouvrez-en un avec ?territoire=CODE."
    if ctx.workshop:
        return "Les campagnes ne sont jamais montrées en mode atelier (elles nomment des personnes à contacter)."
    if not src.access.editor:
        return "Les campagnes ne sont visibles que des éditeurs du territoire : connectez-vous (barre latérale)."
    return None


def _chosen(ctx: "Context", stale_only: bool, months: int) -> pd.DataFrame:
    actors = ctx.actors
    if stale_only:
        actors = cm.select(actors, stale_months=months, today=dt.date.today())
    return actors


def new_campaign(ctx: "Context") -> None:
    from . import suivi as suivi_ui

    src = ctx.source
    if src.draft or (src.number is not None and src.number != src.latest):
        st.info("Une campagne s'adresse aux acteurs de la dernière version publiée : affichez-la (barre latérale) "
                "pour en préparer une.", icon=":material/info:")
        return
    months = suivi_ui.freshness_months()
    st.markdown(f"**Qui ?** Les acteurs retenus par les filtres de la barre latérale : {escape_md(ctx.caption)}.")
    stale_only = st.checkbox(f"Seulement les acteurs à actualiser (sans mise à jour depuis plus de {months} mois, "
                             "ou sans date de mise à jour)", key="camp_stale")
    chosen = _chosen(ctx, stale_only, months)
    ids = chosen["actor_id"].dropna().tolist() if "actor_id" in chosen else []
    if not ids:
        st.warning("Aucun acteur ne correspond à ce choix : élargissez les filtres.", icon=":material/filter_alt:")
        return
    audience = source.store().campaign_audience(src.who, src.code, ids)
    with st.container(border=True, key="camp_audience"):
        st.markdown(escape_md(audience.sentence()))
        if audience.without_email:
            n = len(audience.without_email)
            with st.expander(("L'acteur sans adresse électronique (à joindre autrement : son lien" if n == 1 else
                              f"Les {thousands(n)} acteurs sans adresse électronique (à joindre autrement : leur lien")
                             + " est dans le fichier de publipostage)"):
                data_table(pd.DataFrame({"Acteur": [n for _, n in audience.without_email]}), hide_index=True,
                           width="stretch")
    st.session_state["_camp_ids"] = ids
    st.session_state["_camp_selection"] = cm.selection_words((), months if stale_only else None,
                                                             ctx.caption)
    with st.form("camp_new", border=False):
        c1, c2 = st.columns([3, 2])
        c1.text_input("Titre de la campagne", key="camp_title", max_chars=cm.LIMITS["title"],
                      placeholder=f"Actualisation {dt.date.today().year}")
        c2.date_input("Les liens répondent jusqu'au", key="camp_end",
                      value=dt.date.today() + dt.timedelta(days=cm.DEFAULT_DAYS), min_value=dt.date.today(),
                      format="DD/MM/YYYY")
        c1, c2 = st.columns(2)
        c1.number_input("Relancer qui n'a pas répondu après (jours)", min_value=1, max_value=90,
                        value=cm.DEFAULT_REMIND_AFTER_DAYS, key="camp_remind_after")
        c2.number_input("Nombre de relances au plus", min_value=0, max_value=cm.MAX_REMINDERS,
                        value=cm.DEFAULT_MAX_REMINDERS, key="camp_max_reminders")
        st.text_input("Objet du message", key="camp_subject", value=cm.DEFAULT_SUBJECT,
                      max_chars=cm.LIMITS["subject"])
        st.text_area("Texte du message", key="camp_body", value=cm.DEFAULT_BODY, height=320,
                     max_chars=cm.LIMITS["body"])
        st.caption("Repères remplacés pour chaque acteur : " + " ; ".join(
            f"{escape_md(k)} : {escape_md(v)}" for k, v in cm.PLACEHOLDERS.items())
            + ". Sous le texte, chaque message dit pourquoi l'acteur le reçoit, à qui écrire, et donne le lien pour "
              "ne plus recevoir ces courriels.")
        st.form_submit_button(f"Créer la campagne ({count_noun(len(ids), 'acteur')})", type="primary",
                              on_click=_create, icon=":material/add:")


def _create() -> None:
    src = _src()
    state = st.session_state
    if src is None:
        return
    try:
        info = source.store().create_campaign(
            source.principal(), src.code, state.get("_camp_ids") or [], ends_on=state.get("camp_end"),
            title=state.get("camp_title") or "", subject=state.get("camp_subject") or "",
            body=state.get("camp_body") or "", selection=state.get("_camp_selection") or "",
            remind_after_days=int(state.get("camp_remind_after") or cm.DEFAULT_REMIND_AFTER_DAYS),
            max_reminders=int(state.get("camp_max_reminders") if state.get("camp_max_reminders") is not None
                              else cm.DEFAULT_MAX_REMINDERS))
    except StoreError as exc:
        _failed(str(exc))
        return
    state[PICK_KEY] = info.id
    _done(f"Campagne n° {info.id} créée : {count_noun(info.recipients, 'destinataire')}. Envoyez-la depuis « Suivre "
          "les campagnes ».")


def _label(c) -> str:
    return f"n° {c.id} — {c.title} (créée le {c.created_at.astimezone():%d/%m/%Y}, fin le {c.ends_on:%d/%m/%Y})"


def follow(ctx: "Context", campaigns: list) -> None:
    src = ctx.source
    if not campaigns:
        st.markdown("Aucune campagne pour l'instant.")
        return
    by_id = {c.id: c for c in campaigns}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = campaigns[0].id
    cid = st.selectbox("Campagne", list(by_id), key=PICK_KEY, format_func=lambda i: _label(by_id[i]))
    progress_block(src.code, cid)
    c = source.store().campaign(src.who, src.code, cid)
    st.caption(escape_md(f"Destinataires choisis : {c.selection}."))
    sending_block(src, c)
    rates_block(ctx, c)
    recipients_block(src, c)
    message_block(c)



def rates_block(ctx: "Context", c) -> None:
    src = ctx.source
    recipients = source.store().campaign_recipients(src.who, src.code, c.id)
    if not recipients:
        return
    frame = pd.DataFrame({"actor_id": [r.actor_id for r in recipients], "status": [r.status for r in recipients]})
    latest = source.store().open_version(src.who, src.code).census.actors
    st.subheader("Taux de réponse", anchor=False)
    st.markdown(escape_md(cm.rate_sentence(c.recipients, c.answered)))
    rates_tables(frame, latest)


def rates_tables(frame: pd.DataFrame, latest: pd.DataFrame) -> None:
    """The response rates by level and by circle, one tab each (the level's labels need the width)."""
    by_level, by_circle = st.tabs(["Par niveau d'engagement", "Par cercle"])
    with by_level:
        data_table(cm.response_rates(frame, latest, "level"), hide_index=True, width="stretch")
    with by_circle:
        data_table(cm.response_rates(frame, latest, "circle"), hide_index=True, width="stretch")


def recipients_block(src, c) -> None:
    recipients = source.store().campaign_recipients(src.who, src.code, c.id, with_contacts=True)
    st.subheader(f"Destinataires ({thousands(len(recipients))})", anchor=False)
    statuses = ["Tous", *cm.status_counts(r.status for r in recipients)]
    shown = st.selectbox("Statut", statuses, key="camp_status_filter")
    rows = [{"Acteur": r.name, "Statut": r.status, "Adresse électronique": r.email or "—",
             "Messages envoyés": r.messages, "Dernier envoi": date_time(r.sent_at.astimezone()) if r.sent_at else "—",
             "Réponse reçue le": date_time(r.answered_at.astimezone()) if r.answered_at else "—",
             "Raison de l'échec": r.last_error or ""}
            for r in recipients if shown == "Tous" or r.status == shown]
    data_table(pd.DataFrame(rows), hide_index=True, width="stretch")


def message_block(c) -> None:
    with st.expander("Modifier la campagne (message, date de fin, relances)"):
        st.caption("Les messages déjà partis restent comme ils étaient ; les suivants et les relances prennent ces "
                   "réglages.")
        with st.form(f"camp_edit_{c.id}", border=False):
            st.text_input("Titre", value=c.title, key="camp_edit_title", max_chars=cm.LIMITS["title"])
            st.date_input("Les liens répondent jusqu'au", value=c.ends_on, key="camp_edit_end", format="DD/MM/YYYY")
            c1, c2 = st.columns(2)
            c1.number_input("Relancer après (jours)", 1, 90, value=c.remind_after_days, key="camp_edit_after")
            c2.number_input("Relances au plus", 0, cm.MAX_REMINDERS, value=c.max_reminders, key="camp_edit_max")
            st.text_input("Objet du message", value=c.subject, key="camp_edit_subject", max_chars=cm.LIMITS["subject"])
            st.text_area("Texte du message", value=c.body, key="camp_edit_body", height=300,
                         max_chars=cm.LIMITS["body"])
            st.form_submit_button("Enregistrer", on_click=_update, args=(c.id,))


def _update(cid: int) -> None:
    src = _src()
    state = st.session_state
    if src is None:
        return
    try:
        source.store().update_campaign(source.principal(), src.code, cid, title=state.get("camp_edit_title"),
                                       subject=state.get("camp_edit_subject"), body=state.get("camp_edit_body"),
                                       ends_on=state.get("camp_edit_end"),
                                       remind_after_days=state.get("camp_edit_after"),
                                       max_reminders=state.get("camp_edit_max"))
    except StoreError as exc:
        _failed(str(exc))
        return
    _done("Campagne enregistrée.")


# ---------------------------------------------------------------------------------------------
# Suivi
# ---------------------------------------------------------------------------------------------
def suivi_section(ctx: "Context") -> None:
    """The territory's campaigns on the Suivi page (editors): each one's response rate, by level and circle."""
    src = ctx.source
    if _closed(ctx):
        return
    s = source.store()
    campaigns = s.campaigns(src.who, src.code)
    if not campaigns:
        return
    st.header("Campagnes d'actualisation", anchor=False)
    latest = s.open_version(src.who, src.code).census.actors
    for c in campaigns[:3]:
        with st.expander(escape_md(f"{_label(c)} — {cm.rate_sentence(c.recipients, c.answered)}"),
                         expanded=c is campaigns[0]):
            recipients = s.campaign_recipients(src.who, src.code, c.id)
            frame = pd.DataFrame({"actor_id": [r.actor_id for r in recipients],
                                  "status": [r.status for r in recipients]})
            rates_tables(frame, latest)
    st.page_link(PAGE, label="Campagnes", icon=":material/campaign:")
