"""The questionnaire in the app: the form of a campaign's personal link (pages/questionnaire.py, for
``/questionnaire?territoire=CODE&acteur=TOKEN``: no sign-in, no sidebar, no census shown; nrdash.ui.campaign_link) and
the editors' review queue (pages/soumissions.py). The public form itself (the same address without ``acteur``) is a
page the server writes without Streamlit (nrdash.web.public, nrdash.web.form_page: light and usable without
JavaScript). Logic: nrdash.questionnaire; storage: nrdash.store.

Buttons act in callbacks (AppTest loses a button's return value, see the GUIDE): the personal form's « Envoyer »
checks and stores the answer before the script reruns, the queue's decisions read the last run's Source."""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import streamlit as st

from .. import links
from .. import questionnaire as quest
from .. import referential as ref
from ..store import StoreError
from ..web.public import territory_communes
from ..text import count_noun, date_time, escape_md
from . import source, territory_settings
from .admission import PUBLISH, Busy, reading
from .pages import THROUGH_APP_KEY, navigation, page_link, show_link

if TYPE_CHECKING:
    from .page_context import Context

log = logging.getLogger("nrdash")
FORM_PAGE, QUEUE_PAGE = "pages/questionnaire.py", "pages/soumissions.py"
PROBLEMS_KEY = "q_problems"
FORM_KEYS = ("q_name", "q_siret", "q_actor_type", "q_commune", "q_commune_text", "q_is_local", "q_action_types",
             "q_actions_text", "q_level", "q_needs_text", "q_referent", "q_contact", "q_consent", "q_website",
             "q_dimensions",
             *(f"q_need_{i}" for i in range(len(quest.NEEDS))))
FORM_CSS = """<style>
/* The personal link's form: no sidebar, no navigation, the width of a phone's screen used whole. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none !important; }
.st-key-q_trap { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 46rem; padding: 2.5rem 1rem 4rem 1rem; }
@media (max-width: 40rem) { [data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; } }
/* Long choices read whole on a phone: the chosen actions wrap inside their tags, the lists' lines on two lines. */
.st-key-q_action_types [data-tag] { max-width: 100% !important; height: auto !important; }
.st-key-q_action_types [data-tag] > span { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; line-height: 1.3; padding: 0.15rem 0; }
[data-testid="stSelectboxVirtualDropdown"] [role="option"] > div { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.15; }
/* The 22 actor types on two columns where there is room (a family's types stay together, in reading order). */
@media (min-width: 40rem) {
  .st-key-q_actor_type { width: 100% !important; }
  .st-key-q_actor_type [role="radiogroup"] { display: block !important; columns: 2; column-gap: 2rem; }
  .st-key-q_actor_type [role="radiogroup"] > div { break-inside: avoid; margin-bottom: 0.4rem; }
}
</style>"""


# ---------------------------------------------------------------------------------------------
# The form of a campaign's personal link
# ---------------------------------------------------------------------------------------------
def _raw() -> dict:
    """The form's values as nrdash.questionnaire.validate reads them."""
    state = st.session_state
    raw = {k.removeprefix("q_"): state.get(k) for k in FORM_KEYS if not k.startswith("q_need_")}
    raw["needs"] = [n for i, n in enumerate(quest.NEEDS) if state.get(f"q_need_{i}")]
    return raw


def form_page() -> None:
    """``/questionnaire?territoire=CODE&acteur=TOKEN``: a campaign's personal link, that actor's record filled in
    (nrdash.ui.campaign_link). Without ``acteur`` the server answers that address itself with the public form
    (nrdash.web.public); this page sees such an address only through the app's own links (an expired link's offer
    of the public questionnaire), and sends the browser there."""
    if not st.session_state.get(THROUGH_APP_KEY):  # run alone (a fresh server's first request): through app.py
        navigation()
        st.rerun()
    st.markdown(FORM_CSS, unsafe_allow_html=True)  # our own constant
    code = (st.query_params.get("territoire") or "").strip()[:16]
    from ..web import form_page as public_form
    from . import campaign_link

    st.title("Questionnaire des acteurs du Numérique responsable", anchor=False)
    if code and campaign_link.token():  # a campaign's personal link: that actor's record, filled in
        campaign_link.page(code, campaign_link.token())
        return
    if not code:
        st.error(public_form.INCOMPLETE, icon=":material/link_off:")
        return
    # The public form is the server's own page: a whole new load of its address (without ``acteur``: never back here).
    href = public_form.action(code)  # relative, the code URL-quoted
    st.markdown(f"[Ouvrir le questionnaire public du territoire]({href})")  # our own words
    st.html(f"<script>window.location.replace({json.dumps(href)});</script>", unsafe_allow_javascript=True)


def _problem(*keys: str) -> None:
    """Beside a field: what is wrong with it (the same words as the list at the top)."""
    for key, _, msg in st.session_state.get(PROBLEMS_KEY) or ():
        if key in keys:
            st.error(escape_md(msg), icon=":material/error:")


def _form(code: str, communes: dict[str, str], form) -> None:
    """The fields of a campaign's personal link (nrdash.ui.campaign_link): the kit's NR dimensions are asked too (the
    record has them), the referent and contact are optional. The public form is nrdash.web.form_page."""
    # No max_chars: Streamlit would cut a longer text without a word; the check says it (questionnaire.validate).
    # No help tooltips either: their button is announced in English (« Help for … »).
    label = {k: v[0] for k, v in quest.TEXT_FIELDS.items()}
    with st.form("questionnaire", enter_to_submit=False, border=False):
        st.subheader("Votre structure", anchor=False)
        st.text_input(label["name"] + " *", key="q_name", autocomplete="organization")
        _problem("name")
        st.text_input("SIRET (facultatif)", key="q_siret",
                      placeholder="14 chiffres, par exemple 356 000 000 00048")
        _problem("siret")
        # A radio, not a selectbox: a chosen option is shown whole, on as many lines as it needs (a selectbox
        # shows it in a one-line input, cut on a phone: « Associations du NR (Organismes associat »).
        st.radio("Type d'acteur *", ref.TYPES, index=None, key="q_actor_type", format_func=quest.type_label,
                 captions=[ref.FAMILY_OF_TYPE[t] for t in ref.TYPES])
        _problem("actor_type")
        options = [*communes, quest.OTHER_COMMUNE]
        st.selectbox("Commune", options, index=None, key="q_commune", placeholder="Tapez pour chercher",
                     format_func=lambda c: "Autre commune (écrite ci-dessous)" if c == quest.OTHER_COMMUNE
                     else communes.get(c, c))
        st.text_input(label["commune_text"] + " (si elle n'est pas dans la liste)", key="q_commune_text")
        _problem("commune", "commune_text")
        st.radio("Votre structure est-elle implantée sur le territoire ?", ["oui", "non"], index=None,
                 key="q_is_local", horizontal=True)
        st.subheader("Vos actions", anchor=False)
        st.multiselect("Actions de Numérique responsable déjà menées", ref.ACTION_TYPES, key="q_action_types",
                       placeholder="Choisir une ou plusieurs actions")
        st.multiselect("Dimensions du Numérique responsable", ref.NR_DIMENSIONS, key="q_dimensions",
                       placeholder="Choisir une ou plusieurs dimensions")
        st.text_area(label["actions_text"], key="q_actions_text", placeholder="En quelques phrases")
        _problem("actions_text")
        st.radio("Niveau d'engagement *", list(ref.LEVELS), index=None, key="q_level",
                 format_func=lambda n: f"{ref.level_label(n)} : {quest.LEVEL_HINTS[n]}")
        _problem("level")
        st.subheader("Vos besoins", anchor=False)
        st.markdown("De quoi auriez-vous besoin pour agir davantage ?")
        for i, need in enumerate(quest.NEEDS):
            st.checkbox(need, key=f"q_need_{i}")
        st.text_area(label["needs_text"], key="q_needs_text")
        _problem("needs_text")
        st.subheader("La personne à contacter", anchor=False)
        st.markdown("Le recensement connaît déjà une personne à contacter ; elle n'est pas montrée ici. Si elle "
                    "a changé, donnez la nouvelle (sinon, laissez vide).")
        st.text_input(label["referent"], key="q_referent", autocomplete="name")
        _problem("referent")
        st.text_input(label["contact"], key="q_contact",
                      autocomplete="email")
        _problem("contact")
        with st.container(key="q_trap"):  # hidden from people (CSS): only a robot fills it
            st.text_input("Site web (laissez ce champ vide)", key="q_website", autocomplete="off")
        # Escaped: the contact address is typed by an administrator (and would be auto-linked).
        st.checkbox(escape_md("Si vous donnez un référent ou un contact : "
                              + quest.consent_text(form.name, form.retention_months, form.contact_email)),
                    key="q_consent")
        _problem("consent")
        problems = st.session_state.get(PROBLEMS_KEY)
        if problems:  # beside the button too: on a phone the list at the top is out of sight
            _problem("send")
            if any(key != "send" for key, _, _ in problems):
                st.error(f"Réponse non envoyée : {count_noun(len(problems), 'point')} à corriger, signalé"
                         f"{'s' if len(problems) > 1 else ''} en haut du formulaire et sous chaque champ concerné.",
                         icon=":material/error:")
        from .campaign_link import send as send_update

        st.form_submit_button("Envoyer", type="primary", on_click=send_update, args=(code, communes))


# ---------------------------------------------------------------------------------------------
# The review queue (editors)
# ---------------------------------------------------------------------------------------------
PICK_KEY, ACTION_KEY, TARGET_KEY, REASON_KEY = "q_review_pick", "q_review_action", "q_review_target", "q_review_reason"
ACTIONS = {"accept": "L'ajouter comme nouvel acteur", "merge": "La fusionner avec un acteur du recensement",
           "reject": "La refuser"}


def _editing():
    """The last run's Source (the store decides whether the session's principal may act on it)."""
    src = st.session_state.get(source.SOURCE_KEY)
    return src if src is not None and src.stored else None


def _done(message: str) -> None:
    st.session_state["ws_done"] = message


def _failed(message: str) -> None:
    st.session_state["ws_failed"] = message


def _decide(sid: int) -> None:
    src = _editing()
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
            _failed("Choisissez d'abord ce que vous faites de cette réponse.")
            return
    except StoreError as exc:
        _failed(str(exc))
        return
    for k in list(state.keys()):
        if str(k).startswith(("q_field_", "q_review_")) and k != PICK_KEY:
            state.pop(k, None)
    _done(msg)


def _publish() -> None:
    src = _editing()
    if src is None:
        return
    try:
        with reading(PUBLISH):  # the publications' own lane: never behind uploads
            r = source.store().publish_questionnaire(source.principal(), src.code,
                                                     note=st.session_state.get("q_publish_note") or "",
                                                     force_reason=(st.session_state.get("q_force") or "").strip()
                                                     or None)
    except (StoreError, Busy) as exc:
        _failed(str(exc))
        return
    st.session_state[source.VERSION_KEY] = None
    st.session_state.pop("q_publish_note", None)
    _done(f"Version {r.number} publiée avec les réponses acceptées et fusionnées.")


def _toggle_open() -> None:
    src = _editing()
    if src is not None:
        is_open = bool(st.session_state.get("q_open"))
        try:
            source.store().set_questionnaire_open(source.principal(), src.code, is_open)
        except StoreError as exc:
            _failed(str(exc))
            return
        _done("Questionnaire ouvert : il accepte les réponses." if is_open else
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
    territory_settings.contact_prompt(src, s.questionnaire_form(src.who, src.code).contact_email)
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
    src = _editing()
    upload = st.session_state.get("q_paper_file")
    if src is None or upload is None:
        return
    communes = territory_communes(source.store(), source.principal(), src.code)  # the form's list (nrdash.web.public)
    try:
        answers, problems = quest.read_paper(upload.getvalue(), upload.name, communes)
    except quest.PaperError as exc:
        _failed(f"Réponses papier non importées : {exc}")
        return
    if problems:
        shown = problems[:20]
        more = f" (et {len(problems) - 20} autres)" if len(problems) > 20 else ""
        _failed(f"Réponses papier non importées : {count_noun(len(problems), 'problème')}{more}, rien n'est "
                "importé tant qu'il en reste.\n" + "\n".join(f"- {p}" for p in shown))
        return
    try:
        source.store().submit_paper(source.principal(), src.code, answers)
    except StoreError as exc:
        _failed(f"Réponses papier non importées : {exc}")
        return
    _done(f"{count_noun(len(answers), 'réponse papier importée', 'réponses papier importées')} dans la file.")


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


def needs_section(ctx: "Context", subs: list) -> None:
    """« Besoins »: what the actors asked for, by kind, family and commune (chart, map), who asked what (editors),
    the kit's formats suggested beside each need, and the list as .csv/.xlsx."""
    from .chart_component import plotly_chart
    from .elements import PLOTLY_CONFIG, data_table

    rows = quest.needs_rows(subs)
    st.subheader("Besoins exprimés", anchor=False)
    if rows.empty:
        st.markdown("Aucun besoin exprimé pour l'instant (les réponses refusées ne comptent pas).")
        return
    n = rows["N°"].nunique()
    st.markdown(escape_md(f"{count_noun(n, 'structure')} {'a' if n == 1 else 'ont'} exprimé "
                          f"{count_noun(len(rows), 'besoin')} (réponses refusées exclues)."))
    by_family = quest.needs_counts(rows, "Famille d'acteurs")
    plotly_chart(quest.needs_figure(by_family), key="q_needs_chart",
                 config={**PLOTLY_CONFIG, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                                   "filename": "nrdash-besoins"}},
                 summary=quest.needs_summary(by_family))
    needs_map(ctx, subs)
    by = st.radio("Tableau par", ["Famille d'acteurs", "Commune"], horizontal=True, key="q_needs_by")
    data_table(quest.needs_counts(rows, by), width="stretch")
    with st.expander("Formats du kit à proposer pour chaque besoin"):
        st.markdown("\n".join(f"- **{escape_md(need)}** : " + " ; ".join(escape_md(f) for f in quest.need_formats(need))
                              for need in quest.NEEDS))
    src = ctx.source
    contacts = st.toggle("Avec les référents et contacts (données personnelles)", key="q_needs_contacts")
    listing = quest.needs_rows(subs, with_contacts=contacts)
    data_table(listing, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    suffix = "-avec-contacts" if contacts else ""
    c1.download_button("Télécharger (.csv)", quest.needs_csv(listing), file_name=f"besoins-{src.code}{suffix}.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", key="q_needs_csv")
    c2.download_button("Télécharger (.xlsx)", quest.needs_xlsx(listing),
                       file_name=f"besoins-{src.code}{suffix}.xlsx", on_click="ignore", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="q_needs_xlsx")


NEEDS_MAP_HEIGHT = 460  # px: the map and its legend beside it within a 1280×720 screen


def needs_map(ctx: "Context", subs: list) -> None:
    """The needs per commune on a map (one disc per commune, its count written on it), filtered by kind, with its
    legend and its text alternative. The map's data holds counts per commune and kind only (maps.NeedsLayer)."""
    from .. import maps
    from .geometry import commune_contours, territory_shape

    st.markdown("**Carte des besoins par commune**")
    if ctx.geo is None:
        st.info(escape_md(ctx.geo_note or "Géographie hors ligne indisponible : pas de carte des besoins."),
                icon=":material/map:")
        return
    kind = st.selectbox("Besoin montré sur la carte", [None, *quest.NEEDS], key="q_needs_kind",
                        format_func=lambda k: "Tous les besoins" if k is None else k)
    counts, unplaced = quest.needs_per_commune(subs)
    layer = maps.needs_layer(counts, unplaced, ctx.geo.by_code, kind)
    territory = ctx.territory
    codes = tuple(sorted(territory.members)) if territory else tuple(sorted(counts.index))
    outline, outline_geom = (territory_shape(territory.kind, territory.code, territory.members) if territory
                             else (None, None))
    deck = maps.needs_deck(layer, maps.commune_outlines(commune_contours(codes)), outline, outline_geom,
                           NEEDS_MAP_HEIGHT)
    summary = layer.summary()
    left, right = st.columns([5, 2], gap="medium")
    with left:
        st.pydeck_chart(deck, key="q_needs_map", height=NEEDS_MAP_HEIGHT, alt=summary)
        st.caption(escape_md(summary))
    with right, st.container(key="q_needs_legend"):
        st.markdown("**Légende**")
        st.markdown(maps.legend_html(maps.needs_legend(layer)), unsafe_allow_html=True)  # escaped by legend_html


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
    territory_settings.publish_line(src, (src.latest or 0) + 1)
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
