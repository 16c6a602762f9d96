"""The shared workspace in the app: the account and territory in the sidebar, the draft/old-version banner on
every page, and the Versions page's sections (draft and publishing, history, restore; its workshop links and the
territory's settings are nrdash.ui.versions_admin). Logic: nrdash.workspace and nrdash.store."""
from __future__ import annotations

import logging
import urllib.parse
from typing import TYPE_CHECKING

import streamlit as st

from .. import workspace as ws
from ..store import StoreError
from ..text import count_noun, escape_md
from . import account as accounts
from . import editor, review_queue, source, territory_settings_panel, widgets
from . import territory_picker as territories
from .read_gate import PUBLISH, Busy, reading
from .elements import html_table, template_button
from .feedback import done, done_message, editing_source, failed  # noqa: F401  (done_message: ui.workspace_panel's)
from .filter_state import reset_filters
from .pages import url_path

if TYPE_CHECKING:
    from .source import Source

log = logging.getLogger("nrdash")
VERSIONS_PAGE = "pages/versions.py"
SAMPLE_HEADING = "Recensement d'exemple (fictif)"
# Pages that are one figure: « Se connecter » is not offered there (Accueil, Recensement, Versions… offer it): it
# would cost each of them a sidebar element, and their sobriety grade is at its limit (tests/e2e/test_sobriety.py).
FIGURE_PAGES = ("pages/engagement.py", "pages/cercles.py", "pages/matrice.py", "pages/carte.py")
TERRITORY_PICK_KEY = "ws_territory_pick"


def _shown_key(src: Source) -> tuple:
    c = src.dataset.census
    return (src.code, src.number, src.draft, c.sha256, src.dataset.origin)


def reset_on_change(src: Source) -> None:
    """Another census shown than on the previous run (a territory, a version, the draft): the filters, edits and
    map area start anew (an upload already does this in its callback)."""
    key = _shown_key(src)
    before = st.session_state.get(source.SHOWN_KEY)
    st.session_state[source.SHOWN_KEY] = key
    if before is not None and before != key and src.dataset.origin != "upload":
        st.session_state.pop(territories.CHOICE_KEY, None)
        editor.forget_edits()
        reset_filters()


def _readable_territories(src: Source) -> list[tuple[str, str]]:
    """(code, name) of the territories this session may read, for the chooser."""
    return source.store().readable_territories(src.who)


def _on_territory() -> None:
    code = st.session_state.get(TERRITORY_PICK_KEY)
    if code:
        st.session_state[source.CODE_KEY] = code
        st.session_state[source.VERSION_KEY] = None
        st.session_state.pop(source.DATASET_KEY, None)


def _latest() -> None:
    st.session_state[source.VERSION_KEY] = None


def sidebar_block(src: Source, workshop: bool, current_page: str | None) -> None:
    """Who is signed in, which published territory, the draft switch, the way back to the latest version."""
    if source.locked():
        st.sidebar.caption(f"Lien d'atelier verrouillé : « {escape_md(src.name)} », lecture seule.")
        return
    if src.account is not None or current_page not in FIGURE_PAGES:
        with st.sidebar:
            accounts.account_block(_here(current_page))
    if src.code is None or src.problem and not src.account:
        return
    choices = _readable_territories(src)
    if len(choices) > 1:
        names = dict(choices)
        if st.session_state.get(TERRITORY_PICK_KEY) != src.code:
            st.session_state[TERRITORY_PICK_KEY] = src.code if src.code in names else None
        st.sidebar.selectbox("Territoire affiché", list(names), key=TERRITORY_PICK_KEY, on_change=_on_territory,
                             format_func=lambda c: names.get(c, c), placeholder="Choisir un territoire")
    if src.problem:
        return
    if src.access.editor and src.has_draft and not workshop:
        st.session_state.setdefault(source.SHOW_DRAFT_KEY, True)
        st.sidebar.toggle("Afficher mon brouillon", key=source.SHOW_DRAFT_KEY,
                          help="Votre brouillon n'est visible que de vous ; désactivez pour voir la version publiée.")
    if src.number is not None and src.latest is not None and src.number != src.latest:
        st.sidebar.button(f"Revenir à la dernière version ({src.latest})", on_click=_latest,
                          icon=":material/update:", width="stretch")


def _here(current_page: str | None) -> str:
    """This page's address with its query, for « Se connecter » to come back to."""
    path = "/" + (url_path(current_page) if current_page else "")
    query = urllib.parse.urlencode([(k, v) for k in st.query_params.keys() for v in st.query_params.get_all(k)])
    return path + (f"?{query}" if query else "")


def status_banner(src: Source | None) -> None:
    """Above every page: a draft or an old version is never taken for the published census."""
    if src is None or src.dataset is None:
        return
    if src.sample:  # on a projector, the fictional sample must never pass for a territory's real census
        # Plain markdown in a named container (styled by assets/css/base.css): no raw HTML, whose scripts
        # (rehype-raw: 3 requests, 47 kB) a page would otherwise load for this line alone (issue 29).
        with st.container(key="nr_sample"):
            st.markdown(f"**{SAMPLE_HEADING}** — acteurs et chiffres inventés pour découvrir nrdash ; ils ne "
                        "décrivent aucun territoire réel.")
    if src.draft:
        with st.container(key="draft_banner"):
            origin = ws.draft_origin(src.base_version)
            st.warning(f"**Brouillon — non publié.** {origin[0].upper()}{origin[1:]} ; vous seul le voyez. "
                       "Publiez-le ou abandonnez-le depuis la page Versions.", icon=":material/edit_note:")
    elif src.number is not None and src.latest is not None and src.number != src.latest:
        with st.container(key="old_version_banner"):
            st.info(f"**Ancienne version.** {escape_md(src.label)}.", icon=":material/history:")
    note = st.session_state.pop("ws_note", None)
    if note:
        st.warning(escape_md(note), icon=":material/link_off:")
    done_message()


def first_steps(src: Source) -> None:
    """An editor on a territory with nothing published: what to do first, in the page (no error: nothing is wrong),
    with the blank template and the upload at hand."""
    with st.container(key="first_steps"):
        st.header("Publiez votre premier recensement", anchor=False)
        st.markdown(escape_md(f"« {src.name} » n'a encore aucune version publiée. Trois étapes :"))
        st.markdown("1. **Préparez le fichier** : partez du modèle vierge (une feuille « Acteurs », des listes "
                    "déroulantes pour les listes du kit, un mode d'emploi) ou de votre classeur, avec les en-têtes "
                    "du modèle.")
        template_button("Modèle vierge (.xlsx)", key="first_template")
        st.markdown("2. **Chargez votre recensement** ci-dessous : nrdash le vérifie et le garde comme votre "
                    "brouillon, que vous seul voyez ; les lignes à corriger sont signalées page Recensement.")
        error = st.session_state.get(source.UPLOAD_ERROR_KEY)
        if error:
            st.error(escape_md(f"Fichier refusé : {error}"), icon=":material/error:")
        widgets.upload_widget(src, first=True)
        st.markdown("3. **Publiez-le** depuis la page Versions : il devient la version 1 du territoire.")


# ---------------------------------------------------------------------------------------------
# The Versions page
# ---------------------------------------------------------------------------------------------
def draft_section(src: Source) -> None:
    """An editor's draft: what it holds, what it changes against the latest version, what it would undo of a newer
    one, and publishing it: a note, then a confirmation."""
    s = source.store()
    st.subheader("Votre brouillon", anchor=False)
    draft, ds = source.draft_dataset(s, src.code, src.who)
    waiting = review_queue.waiting_line(src)
    if draft is None:
        st.markdown("Vous n'avez pas de brouillon personnel sur ce territoire" + (" (les réponses au questionnaire "
                    "ont le leur, ci-dessus)" if waiting else "") + ". Chargez un fichier (barre latérale, « Charger "
                    "un recensement ») ou modifiez le recensement (page Recensement) puis « Enregistrer comme "
                    "brouillon ».")
        return
    if ds is None:
        st.error("Votre brouillon n'a pas pu être relu : chargez de nouveau le fichier.", icon=":material/error:")
        return
    c = ds.census
    n_error_rows = int(c.actors["has_error"].sum())
    st.markdown(escape_md(f"« {draft.file_name} », enregistré le {draft.updated_at.astimezone():%d/%m/%Y à %H:%M}, "
                          f"{ws.draft_origin(draft.base_version)} : "
                          f"{count_noun(len(c.actors), 'acteur')}, {count_noun(len(c.errors), 'erreur')} sur "
                          f"{count_noun(n_error_rows, 'ligne')}, {count_noun(len(c.warnings), 'avertissement')}."))
    if c.issues:
        st.caption("Le rapport de vérification complet est sur la page Recensement (brouillon affiché).")
    changes = _draft_changes(src, draft, c)
    _changes_block(changes, c)
    confirm = True
    if src.latest is not None and (draft.base_version or 0) < src.latest:
        base = s.open_version(src.who, src.code, draft.base_version).census if draft.base_version else None
        latest = s.open_version(src.who, src.code).census
        if base is not None:
            undone = ws.undone_by(base, latest, c, draft.base_version, src.latest)
            box = st.warning if undone.lines else st.info
            box(escape_md(undone.sentence), icon=":material/merge_type:")
            if undone.lines:
                st.markdown("\n".join(f"- {escape_md(line)}" for line in undone.lines))
            st.caption(escape_md(f"Ce que la version {src.latest} avait changé : {undone.others}"))
        confirm = st.checkbox(f"J'ai lu ce que la version {src.latest} a changé et je publie quand même",
                              key="ws_confirm_over")
    reason = None
    if n_error_rows:
        reason = st.text_input("Raison de publier malgré les lignes en erreur (obligatoire)", key="ws_force_reason",
                               max_chars=2000)
    note = st.text_area("Note de version (ce qui change, pourquoi)", key="ws_note_text", max_chars=2000,
                        placeholder="Obligatoire, par exemple : niveaux mis à jour après les entretiens de mars.")
    nxt = (src.latest or 0) + 1
    missing = [what for what, lacking in (("la note de version", not (note or "").strip()),
                                          ("la raison de publier malgré les erreurs",
                                           bool(n_error_rows and not (reason or "").strip())),
                                          (f"la case « J'ai lu ce que la version {src.latest} a changé »", not confirm))
               if lacking]
    asked = st.session_state.get(PUBLISH_ASK_KEY) == (src.code, src.latest, draft.sha256)
    if asked and not missing:
        with st.container(border=True, key="ws_publish_confirm_box"):
            st.markdown(escape_md(f"Publier la version {nxt} ? "
                                  + (changes.sentence if changes else f"Première version du territoire : "
                                     f"{count_noun(len(c.actors), 'acteur')}.")
                                  + f" Elle devient la version affichée de « {src.name} »."))
            territory_settings_panel.publish_line(src, nxt)  # who will read it
            c1, c2 = st.columns(2)
            c1.button(f"Confirmer : publier la version {nxt}", type="primary", icon=":material/publish:",
                      key="ws_publish_confirm", on_click=_publish)
            c2.button("Annuler", key="ws_publish_cancel", on_click=_cancel_publish)
        return
    territory_settings_panel.publish_line(src, nxt)
    c1, c2 = st.columns(2)
    c1.button(f"Publier la version {nxt}", type="primary", icon=":material/publish:", key="ws_publish",
              on_click=_ask_publish, args=((src.code, src.latest, draft.sha256),), disabled=bool(missing))
    c2.button("Abandonner le brouillon", icon=":material/delete:", key="ws_discard", on_click=_discard)
    if missing:
        st.caption(escape_md("Pour publier, il manque : " + ", ".join(missing) + "."))


PUBLISH_ASK_KEY = "ws_publish_ask"  # (territory, latest, draft's SHA-256) whose publication waits for a confirmation
CHANGES_KEY = "_ws_draft_changes"  # ((territory, latest, draft's SHA-256), DraftChanges): computed once per draft


def _draft_changes(src: Source, draft, census) -> ws.DraftChanges | None:
    """What the draft changes against the latest version (None when nothing is published yet), once per draft."""
    if src.latest is None:
        return None
    key = (src.code, src.latest, draft.sha256)
    cached = st.session_state.get(CHANGES_KEY)
    if cached and cached[0] == key:
        return cached[1]
    s = source.store()
    links, unlinks = s.pairings(src.who, src.code)
    latest = s.open_version(src.who, src.code, personal=True).census
    changes = ws.draft_changes(latest, census, src.latest, links, unlinks, include_personal=True)
    st.session_state[CHANGES_KEY] = (key, changes)
    return changes


def _changes_block(changes: ws.DraftChanges | None, census) -> None:
    """What publishing changes, before the note and the button."""
    if changes is None:
        st.markdown("**Ce que la publication change** : " + escape_md(
            f"c'est la première version du territoire ({count_noun(len(census.actors), 'acteur')}, "
            f"{count_noun(len(census.actions), 'action')} prévues)."))
        return
    with st.container(key="ws_draft_changes"):
        st.markdown(f"**Ce que la publication change.** {escape_md(changes.sentence)}")
        parts = []
        for title, n, lines in (("Nouveaux", changes.n_new, changes.new), ("Retirés", changes.n_gone, changes.gone),
                                ("Modifiés", changes.n_changed, changes.changed)):
            if n:
                more = f"\n- … et {n - len(lines)} autres (page Suivi, une fois publiée)" if n > len(lines) else ""
                parts.append(f"{title} ({n}) :\n" + "\n".join(f"- {escape_md(x)}" for x in lines) + more)
        parts.append("Plan d'actions : " + escape_md(" ".join(changes.plan)))
        st.markdown("\n\n".join(parts))


def _ask_publish(key: tuple) -> None:
    st.session_state[PUBLISH_ASK_KEY] = key


def _cancel_publish() -> None:
    st.session_state.pop(PUBLISH_ASK_KEY, None)


# Buttons act in callbacks (before the script reruns), on what the person saw (nrdash.ui.feedback).
def _publish() -> None:
    src = editing_source()
    if src is None:
        return
    state = st.session_state
    asked = state.pop(PUBLISH_ASK_KEY, None)
    try:
        with reading(PUBLISH):  # the publications' own lane: never behind uploads
            draft = source.store().draft(source.principal(), src.code, data=False)
            if draft is None or asked != (src.code, src.latest, draft.sha256):  # changed since shown (another tab)
                failed("Votre brouillon a changé depuis son affichage : relisez ce que la publication change, puis "
                        "publiez.")
                return
            result = source.store().publish_draft(
                source.principal(), src.code, note=state.get("ws_note_text") or "",
                force_reason=(state.get("ws_force_reason") or "").strip() or None, expected_latest=src.latest or 0)
    except (StoreError, Busy) as exc:  # NewerVersion, PublishRefused, an unusable file, busy: said in words
        failed(str(exc))
        return
    state[source.VERSION_KEY] = None
    state[source.SHOW_DRAFT_KEY] = True
    state.pop(source.DRAFT_CACHE_KEY, None)
    for k in ("ws_note_text", "ws_force_reason", "ws_confirm_over", PUBLISH_ASK_KEY, CHANGES_KEY):
        state.pop(k, None)
    done(f"Version {result.number} publiée." if result.created else
          f"Fichier identique à la version {result.number} : rien de nouveau n'a été publié.")


def _discard() -> None:
    src = editing_source()
    if src is None:
        return
    try:
        source.store().discard_draft(source.principal(), src.code)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state.pop(source.DRAFT_CACHE_KEY, None)
    done("Brouillon abandonné.")


def _restore(number: int) -> None:
    src = editing_source()
    if src is None:
        return
    try:
        r = source.store().restore(source.principal(), src.code, number)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state[source.VERSION_KEY] = None
    done(f"Version {number} restaurée comme version {r.number}.")


def _show_version(number: int) -> None:
    st.session_state[source.VERSION_KEY] = number
    st.session_state[source.SHOW_DRAFT_KEY] = False
    st.session_state.pop(source.DATASET_KEY, None)


def history_section(src: Source) -> None:
    """Every version (newest first); an editor downloads original files and restores."""
    s = source.store()
    infos = s.versions(src.who, src.code)
    st.subheader(f"Historique ({count_noun(len(infos), 'version')})", anchor=False)
    # A plain table: the interactive grid's scripts (about 20 requests) would cost the page its sobriety grade.
    st.markdown(html_table(ws.history_table(infos, src.access.editor)), unsafe_allow_html=True)
    if not infos:
        return
    numbers = [v.number for v in reversed(infos)]
    what = "Afficher, télécharger ou restaurer une version" if src.access.editor else "Afficher une ancienne version"
    # In a popover: its widgets (and their scripts) reach the browser only when someone opens it.
    with st.popover(what, key="ws_versions_popover"):
        pick = st.selectbox("Version", numbers, key="ws_pick",
                            format_func=lambda n: f"Version {n}" + (" (dernière)" if n == numbers[0] else ""))
        st.button("Afficher cette version", on_click=_show_version, args=(pick,), key="ws_show",
                  disabled=(pick == src.number and not src.draft))
        if not src.access.editor:
            return
        st.download_button("Fichier d'origine", lambda: s.original(src.who, src.code, pick)[1],
                           file_name=next(v.file_name for v in infos if v.number == pick), icon=":material/download:",
                           on_click="ignore", key="ws_original",
                           help="Le fichier tel que publié (données personnelles comprises : à ne pas diffuser).")
        if pick != numbers[0]:
            st.button(f"Restaurer la version {pick}", key="ws_restore", on_click=_restore, args=(pick,),
                      help="Publie de nouveau son contenu comme nouvelle version ; rien n'est effacé.")
