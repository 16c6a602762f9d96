"""The editors' review queue of the questionnaire (pages/soumissions.py): each answer beside the census's nearest
actors, accepted, merged or refused, the shared draft they make and its publication, the paper answers, the
questionnaire opened or closed. The form of a campaign's personal link is nrdash.ui.personal_form; the public form
(``/questionnaire?territoire=CODE``) a page the server writes without Streamlit (nrdash.web.public,
nrdash.web.form_page); the needs the answers state, nrdash.ui.answer_needs. Logic: nrdash.questionnaire; storage:
nrdash.store.

Buttons act in callbacks (AppTest loses a button's return value, see the GUIDE): the decisions read the last run's
Source."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from .. import links
from .. import questionnaire as quest
from .. import referential as ref
from ..store import StoreError
from ..web.public import territory_communes
from ..text import count_noun, date_time, escape_md
from . import source, territory_settings_panel
from .read_gate import PUBLISH, Busy, reading
from .pages import page_link, show_link
from .answer_needs import needs_section
from .feedback import done, editing_source, failed
from .personal_form import FORM_PAGE  # noqa: F401  (tests name it here)

if TYPE_CHECKING:
    from .page_context import Context

log = logging.getLogger("nrdash")
QUEUE_PAGE = "pages/soumissions.py"


# ---------------------------------------------------------------------------------------------
# The review queue (editors)
# ---------------------------------------------------------------------------------------------
PICK_KEY, ACTION_KEY, TARGET_KEY, REASON_KEY = "q_review_pick", "q_review_action", "q_review_target", "q_review_reason"
ACTIONS = {"accept": "L'ajouter comme nouvel acteur", "merge": "La fusionner avec un acteur du recensement",
           "reject": "La refuser"}


def _decide(sid: int) -> None:
    src = editing_source()
    if src is None:
        return
    state = st.session_state
    action = state.get(f"{ACTION_KEY}_{sid}")
    try:
        if action == "reject":
            source.store().review_submission(source.principal(), src.code, sid,
                                             reason=state.get(f"{REASON_KEY}_{sid}") or "")
            msg = f"Réponse n° {sid} refusée."
        elif action == "merge":
            fields = tuple(f for f in quest.MERGE_FIELDS if state.get(f"q_field_{sid}_{f}"))
            target = state.get(f"{TARGET_KEY}_{sid}")
            source.store().review_submission(source.principal(), src.code, sid,
                                             decision=quest.Decision(quest.MERGED, target, fields))
            msg = (f"Réponse n° {sid} fusionnée ({count_noun(len(fields), 'champ')} repris) : elle est dans le "
                   "brouillon partagé du questionnaire.")
        elif action == "update":  # an answer through a personal link: its actor, by its identifier
            fields = tuple(f for f in quest.MERGE_FIELDS if state.get(f"q_field_{sid}_{f}"))
            source.store().review_submission(source.principal(), src.code, sid, decision=quest.Decision(
                quest.MERGED, state.get(f"{TARGET_KEY}_{sid}"), fields, actor_id=state.get(f"q_actor_{sid}")))
            msg = (f"Réponse n° {sid} acceptée ({count_noun(len(fields), 'champ')} mis à jour) : la fiche de l'acteur "
                   "est mise à jour dans le brouillon partagé du questionnaire.")
        elif action == "accept":
            source.store().review_submission(source.principal(), src.code, sid,
                                             decision=quest.Decision(quest.ACCEPTED))
            msg = f"Réponse n° {sid} acceptée : le nouvel acteur est dans le brouillon partagé du questionnaire."
        else:
            failed("Choisissez d'abord ce que vous faites de cette réponse.")
            return
    except StoreError as exc:
        failed(str(exc))
        return
    for k in list(state.keys()):
        if str(k).startswith(("q_field_", "q_review_")) and k != PICK_KEY:
            state.pop(k, None)
    done(msg)


def _publish() -> None:
    src = editing_source()
    if src is None:
        return
    try:
        with reading(PUBLISH):  # the publications' own lane: never behind uploads
            r = source.store().publish_questionnaire(source.principal(), src.code,
                                                     note=st.session_state.get("q_publish_note") or "",
                                                     force_reason=(st.session_state.get("q_force") or "").strip()
                                                     or None)
    except (StoreError, Busy) as exc:
        failed(str(exc))
        return
    st.session_state[source.VERSION_KEY] = None
    st.session_state.pop("q_publish_note", None)
    done(f"Version {r.number} publiée avec les réponses acceptées et fusionnées.")


def _toggle_open() -> None:
    src = editing_source()
    if src is not None:
        is_open = bool(st.session_state.get("q_open"))
        try:
            source.store().set_questionnaire_open(source.principal(), src.code, is_open)
        except StoreError as exc:
            failed(str(exc))
            return
        done("Questionnaire ouvert : il accepte les réponses." if is_open else
              "Questionnaire fermé : il n'accepte plus de réponses.")


def home_line(ctx: "Context") -> None:
    """Accueil, for an editor of the territory shown: how many answers wait for review."""
    src = ctx.source
    if src is None or not src.stored or not src.access.editor or ctx.workshop:
        return
    n = source.store().count_submissions(src.who, src.code)
    if n:
        with st.container(border=True):
            st.markdown(f"{count_noun(n, 'nouvelle réponse', 'nouvelles réponses')} au questionnaire à examiner.")
            page_link(QUEUE_PAGE)


def waiting_line(src) -> bool:
    """The Versions page, for an editor: accepted or merged answers wait to be published from the Questionnaire
    page (a draft of their own, shared by the territory's editors). Whether some wait."""
    s = source.store()
    n = sum(1 for status in (quest.ACCEPTED, quest.MERGED) for x in s.submissions(src.who, src.code, status=status)
            if x.published_version is None)
    if n:
        with st.container(border=True, key="q_waiting"):
            st.markdown(escape_md(
                f"{count_noun(n, 'réponse acceptée', 'réponses acceptées')} au questionnaire"
                + (" attend d'être publiée : elle forme" if n == 1 else " attendent d'être publiées : elles forment")
                + " le brouillon partagé du questionnaire, à publier depuis la page Questionnaire."))
            page_link(QUEUE_PAGE, label="Publier les réponses (page Questionnaire)", icon=":material/inbox:")
    return bool(n)


def queue_page(ctx: "Context") -> None:
    src = ctx.source
    if src is None or not src.stored:
        st.info("Le questionnaire appartient à un territoire de la base : ouvrez-en un avec ?territoire=CODE.",
                icon=":material/info:")
        return
    st.markdown(escape_md(f"Les acteurs de « {src.name} » répondent au questionnaire par ce lien :"))
    show_link(links.questionnaire_path(src.code))
    if not src.access.editor or ctx.workshop:
        st.info("Les réponses ne sont visibles que des éditeurs du territoire"
                + (" (et jamais en mode atelier)." if ctx.workshop else " : connectez-vous (barre latérale)."),
                icon=":material/lock:")
        return
    s = source.store()
    st.session_state.setdefault("q_open", s.questionnaire_open(src.who, src.code))
    st.toggle("Questionnaire ouvert aux réponses", key="q_open", on_change=_toggle_open)
    territory_settings_panel.contact_prompt(src, s.questionnaire_form(src.who, src.code).contact_email)
    subs = s.submissions(src.who, src.code, with_contacts=True)  # read once for the page's sections
    _draft_section(src, subs)
    new = [x for x in subs if x.status == quest.NEW]
    st.subheader(f"Réponses à examiner ({len(new)})", anchor=False)
    if new:
        _review(src, new)
    else:
        st.markdown("Aucune nouvelle réponse.")
    _history(subs)
    needs_section(ctx, subs)
    paper_section(src)


def _import_paper() -> None:
    src = editing_source()
    upload = st.session_state.get("q_paper_file")
    if src is None or upload is None:
        return
    communes = territory_communes(source.store(), source.principal(), src.code)  # the form's list (nrdash.web.public)
    try:
        answers, problems = quest.read_paper(upload.getvalue(), upload.name, communes)
    except quest.PaperError as exc:
        failed(f"Réponses papier non importées : {exc}")
        return
    if problems:
        shown = problems[:20]
        more = f" (et {len(problems) - 20} autres)" if len(problems) > 20 else ""
        failed(f"Réponses papier non importées : {count_noun(len(problems), 'problème')}{more}, rien n'est "
                "importé tant qu'il en reste.\n" + "\n".join(f"- {p}" for p in shown))
        return
    try:
        source.store().submit_paper(source.principal(), src.code, answers)
    except StoreError as exc:
        failed(f"Réponses papier non importées : {exc}")
        return
    done(f"{count_noun(len(answers), 'réponse papier importée', 'réponses papier importées')} dans la file.")


def paper_section(src) -> None:
    """Actors met at events: the blank form to print, and the answers typed into a workbook imported."""
    form = source.store().questionnaire_form(src.who, src.code)
    st.subheader("Réponses sur papier", anchor=False)
    st.markdown("Imprimez le questionnaire vierge pour les acteurs rencontrés lors d'événements, puis tapez leurs "
                "réponses dans le modèle (une réponse par ligne) et importez-le : les réponses rejoignent la file "
                "ci-dessus. Un fichier est importé en entier ou pas du tout.")
    c1, c2 = st.columns(2)
    c1.download_button("Questionnaire vierge à imprimer (.html)",
                       quest.printable_form(form.name, form.retention_months, form.contact_email).encode("utf-8"),
                       file_name=f"questionnaire-{src.code}.html", mime="text/html", on_click="ignore",
                       icon=":material/print:", key="q_printable")
    c2.download_button("Modèle de saisie des réponses (.xlsx)", quest.paper_template(),
                       file_name="reponses-papier.xlsx", on_click="ignore", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="q_paper_model")
    st.file_uploader("Importer les réponses papier (.xlsx, .ods, .csv)", type=["xlsx", "ods", "csv"],
                     key="q_paper_file", on_change=_import_paper)


def _draft_section(src, subs: list) -> None:
    pending = [x for x in subs if x.status in (quest.ACCEPTED, quest.MERGED) and x.published_version is None]
    if not pending:
        return
    draft = source.store().questionnaire_draft(src.who, src.code, data=False)  # its workbook is written on publishing
    st.subheader("Brouillon partagé du questionnaire", anchor=False)
    st.markdown(escape_md(
        f"{count_noun(len(pending), 'réponse acceptée ou fusionnée', 'réponses acceptées ou fusionnées')}, pas "
        f"encore publiée{'s' if len(pending) > 1 else ''}"
        + (f", sur la base de la version {draft.base_version}" if draft and draft.base_version else "")
        + ". Tous les éditeurs du territoire partagent ce brouillon ; il est recalculé sur la dernière version au "
          "moment de publier."))
    st.text_input("Note de version", key="q_publish_note", max_chars=2000)
    st.text_input("Raison de publier malgré des lignes en erreur (seulement si la publication le demande)",
                  key="q_force", max_chars=2000)
    territory_settings_panel.publish_line(src, (src.latest or 0) + 1)
    st.button(f"Publier la version {(src.latest or 0) + 1}", type="primary", key="q_publish",
              icon=":material/publish:", on_click=_publish)


def _review(src, new: list) -> None:
    s = source.store()
    ids = [x.id for x in new]
    by_id = {x.id: x for x in new}
    if st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = ids[0]
    sid = st.selectbox("Réponse", ids, key=PICK_KEY,  # options are plain text (no markdown): never escaped
                       format_func=lambda i: f"n° {i} — {by_id[i].answer.name[:80]} "
                                             f"(reçue le {date_time(by_id[i].created_at.astimezone())})")
    sub = by_id[sid]
    a = sub.answer
    rows = [("Nom de la structure", a.name), ("SIRET", a.siret or "—"),
            ("Type d'acteur", f"{a.actor_type} ({a.family})"), ("Commune", a.commune or "—"),
            ("Implantée sur le territoire", quest.shown_value("is_local", a.is_local)),
            ("Actions menées", " ; ".join(a.action_types) or "—"), ("Ses actions", a.actions_text or "—"),
            ("Niveau d'engagement", ref.level_label(a.level)), ("Besoins", " ; ".join(a.needs) or "—"),
            ("Précisions sur les besoins", a.needs_text or "—"),
            ("Référent", a.referent or ("(inchangé)" if sub.actor_id else "(effacé)")),
            ("Contact", a.contact or ("(inchangé)" if sub.actor_id else "(effacé)")), ("Origine", sub.origin)]
    with st.container(border=True, key="q_answer"):
        st.markdown("\n".join(f"- **{label}** : {escape_md(value)}" for label, value in rows))
    actors = s.open_version(src.who, src.code, personal=True).census.actors
    if sub.actor_id:  # through a campaign's personal link: an update of that actor, never a guess on its name
        from . import campaign_link

        options = campaign_link.review(sub, actors, ACTION_KEY, TARGET_KEY)
        action = st.radio("Que faire de cette réponse ?", options, key=f"{ACTION_KEY}_{sid}",
                          format_func=campaign_link.ACTIONS.get)
        if action == "reject":
            st.text_input("Raison du refus (gardée dans l'historique)", key=f"{REASON_KEY}_{sid}", max_chars=2000)
        st.button("Valider la décision", key="q_decide", on_click=_decide, args=(sid,), icon=":material/check:")
        return
    found = quest.matches(a, actors)
    if sub.match_ref:
        st.warning(escape_md(f"À l'envoi, cette réponse correspondait à un acteur du recensement "
                             f"({quest.HOW_LABEL.get(sub.match_how, sub.match_how)})."), icon=":material/flag:")
    if found:
        st.markdown("**Acteurs du recensement les plus proches**")
        for m in found:
            diffs = quest.differences(a, actors.iloc[m.position].to_dict())
            with st.container(border=True):
                st.markdown(escape_md(f"{m.name} — {m.commune or 'commune non renseignée'} "
                                      f"({quest.HOW_LABEL[m.how]}" + (f", score {m.score}" if m.how == quest.SIMILAR
                                                                      else "") + ")"))
                if diffs:
                    st.markdown("\n".join(f"- {escape_md(label)} : réponse « {escape_md(new)} », recensement "
                                          f"« {escape_md(old)} »" for _, label, new, old in diffs))
                else:
                    st.caption("Aucune différence sur les champs de la réponse.")
    else:
        st.markdown("Aucun acteur proche dans le recensement publié.")
    options = ["accept", *(["merge"] if found else []), "reject"]
    action = st.radio("Que faire de cette réponse ?", options, index=None, key=f"{ACTION_KEY}_{sid}",
                      format_func=ACTIONS.get)
    if action == "merge":
        refs = {m.ref: m for m in found}
        if st.session_state.get(f"{TARGET_KEY}_{sid}") not in refs:
            st.session_state[f"{TARGET_KEY}_{sid}"] = found[0].ref
        target = st.selectbox("Acteur à compléter", list(refs), key=f"{TARGET_KEY}_{sid}",
                              format_func=lambda r: f"{refs[r].name} ({refs[r].commune or '—'})")
        diffs = quest.differences(a, actors.iloc[refs[target].position].to_dict())
        if diffs:
            st.markdown("Cochez chaque champ à reprendre de la réponse (rien d'autre n'est modifié) :")
        for f, label, new, old in diffs:  # a widget's label reads markdown: the answer's and the census's text escaped
            st.checkbox(f"{escape_md(label)} : « {escape_md(new)} » au lieu de « {escape_md(old)} »",
                        key=f"q_field_{sid}_{f}")
        if not diffs:
            st.caption("La réponse n'apporte rien de nouveau à cet acteur : refusez-la plutôt, en le disant.")
    if action == "reject":
        st.text_input("Raison du refus (gardée dans l'historique)", key=f"{REASON_KEY}_{sid}", max_chars=2000)
    st.button("Valider la décision", key="q_decide", on_click=_decide, args=(sid,), disabled=action is None,
              icon=":material/check:")


def _history(subs: list) -> None:
    import pandas as pd

    from .elements import data_table

    done = [x for x in subs if x.status != quest.NEW]
    if not done:
        return
    st.subheader(f"Réponses traitées ({len(done)})", anchor=False)
    rows = []
    for x in reversed(done):
        last = x.history[-1] if x.history else None
        rows.append({"N°": x.id, "Reçue le": date_time(x.created_at.astimezone()), "Structure": x.answer.name,
                     "Statut": quest.STATUS_LABEL.get(x.status, x.status),
                     "Raison": x.reason or "", "Publiée dans la version": str(x.published_version or "—"),
                     "Dernier changement": f"{date_time(last[0].astimezone())} par {last[2]}" if last else ""})
    data_table(pd.DataFrame(rows), hide_index=True, width="stretch")
