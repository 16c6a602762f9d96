"""The sidebar's widgets: the census source (upload, rows in error) and what it shows, the shared filters and the
charts' image format, with the memory that keeps their values across pages (the territory: ui.territory_picker)."""
from __future__ import annotations

import logging

import streamlit as st

from .. import referential as ref
from .. import urlstate
from ..census import CensusError
from ..dataset import Dataset, load_upload
from ..filters import Filters
from ..placement import TerritoryInfo
from ..store import StoreError
from ..text import count_noun, escape_md
from . import editor, territory_picker
from .filter_state import FILTER_KEYS, default_filters, reset_filters, set_filters, state_filters
from .read_gate import Busy, reading
from .pages import CHART_PAGES
from . import source
from .source import DATASET_KEY, geography

log = logging.getLogger("nrdash")

UPLOAD_KEY = "census_upload"
IMAGE_SVG_KEY = "image_svg"
REMEMBERED_KEY = "_widget_values"
URL_READ_KEY = "_filters_url_read"
URL_NOTES_KEY = "_filters_url_notes"


# ---------------------------------------------------------------------------------------------
# Widget memory
# ---------------------------------------------------------------------------------------------
def _restore_widgets(keys) -> None:
    """Streamlit forgets a widget's value when a run does not draw it (the image format on pages without
    charts), or when the page changes while the browser never showed it (the filters in an unopened popover):
    put back the value of the last run that drew it."""
    saved = st.session_state.get(REMEMBERED_KEY, {})
    for key in keys:
        if key not in st.session_state and key in saved:
            st.session_state[key] = saved[key]


def _remember_widgets(keys) -> None:
    st.session_state.setdefault(REMEMBERED_KEY, {}).update({k: st.session_state[k] for k in keys})


# ---------------------------------------------------------------------------------------------
# Shared filters
# ---------------------------------------------------------------------------------------------
def _options(dataset: Dataset) -> dict[str, list]:
    a = dataset.census.actors
    types = [t for t in ref.TYPES] + ([ref.OTHER_TYPE] if (a["type"] == ref.OTHER_TYPE).any() else [])
    return urlstate.filter_options(dataset.communes, types)


def address_filters(dataset: Dataset) -> urlstate.Decoded:
    """The filters this page's address states, and what it states wrongly (left out, with a note)."""
    params = {name: st.query_params.get_all(name) for name in st.query_params.keys()}
    return urlstate.decode(params, _options(dataset), default_filters(dataset))


def _filters_from_url(dataset: Dataset) -> None:
    """A new session starts from the filters its address states (a shared link, a reload); what the address
    states wrongly is left out and said in the sidebar."""
    decoded = address_filters(dataset)
    set_filters(**{f: getattr(decoded.filters, f) for f in FILTER_KEYS})
    st.session_state[URL_NOTES_KEY] = (decoded.notes, decoded.filters) if decoded.notes else None


def _sync_url(dataset: Dataset, filters: Filters) -> None:
    """The address states the current filters on every run (a page change drops the query: put it back)."""
    wanted = urlstate.encode(filters, default_filters(dataset))
    for name in urlstate.FILTER_PARAMS:
        if name not in wanted and name in st.query_params:
            del st.query_params[name]
    for name, values in wanted.items():
        if st.query_params.get_all(name) != values:
            st.query_params[name] = values


def _url_notes(filters: Filters) -> None:
    """What the address stated that could not be used, until the filters are changed."""
    noted = st.session_state.get(URL_NOTES_KEY)
    if not noted:
        return
    notes, decoded = noted
    if filters != decoded:
        st.session_state[URL_NOTES_KEY] = None
        return
    st.sidebar.warning("Lien partagé : " + " ".join(escape_md(n) for n in notes), icon=":material/link_off:")


def filter_widgets(dataset: Dataset) -> Filters:
    opts = _options(dataset)
    _restore_widgets(FILTER_KEYS.values())
    if any(key not in st.session_state for key in FILTER_KEYS.values()):
        reset_filters()  # first run of the session; a new upload resets them too (_on_upload)
        if not st.session_state.get(URL_READ_KEY):
            st.session_state[URL_READ_KEY] = True
            _filters_from_url(dataset)
    active = state_filters().differences(default_filters(dataset))
    label = f"Filtres ({count_noun(active, 'actif')})" if active else "Filtres"
    # In a popover: its ten widgets (and their scripts) reach the browser only when someone opens it.
    with st.sidebar.popover(label, icon=":material/filter_alt:", width="stretch", key="filters_popover"):
        st.multiselect("Famille d'acteurs", opts["families"], key=FILTER_KEYS["families"],
                       placeholder="Toutes")
        st.multiselect("Type d'acteur", opts["types"], key=FILTER_KEYS["types"], placeholder="Tous")
        st.multiselect("Niveau d'engagement", opts["levels"], key=FILTER_KEYS["levels"],
                       format_func=ref.level_label, placeholder="Tous")
        st.multiselect("Cercle", opts["circles"], key=FILTER_KEYS["circles"],
                       format_func=lambda c: ref.CIRCLES[c].label, placeholder="Tous")
        st.multiselect("Commune", opts["communes"], key=FILTER_KEYS["communes"], placeholder="Toutes")
        st.multiselect("Catégorie NR (type d'action ou dimension)", opts["categories"],
                       key=FILTER_KEYS["categories"], placeholder="Toutes")
        st.multiselect("Source d'identification", opts["sources"], key=FILTER_KEYS["sources"],
                       placeholder="Toutes")
        with st.expander("Arbitrages du kit", expanded=False):
            st.checkbox(ref.ARBITRATIONS["include_nonlocal_companies"], key=FILTER_KEYS["include_nonlocal_companies"])
            st.checkbox(ref.ARBITRATIONS["include_nonlocal_associations"],
                        key=FILTER_KEYS["include_nonlocal_associations"])
            st.checkbox(ref.ARBITRATIONS["include_non_residents"], key=FILTER_KEYS["include_non_residents"])
    if active:
        st.sidebar.button("Réinitialiser les filtres", on_click=reset_filters, icon=":material/filter_alt_off:",
                          width="stretch")
    _remember_widgets(FILTER_KEYS.values())
    filters = state_filters()
    _url_notes(filters)
    _sync_url(dataset, filters)
    return filters


# ---------------------------------------------------------------------------------------------
# The charts' image format
# ---------------------------------------------------------------------------------------------
def image_format_widget(current_page: str | None) -> str:
    """Format of the charts' image button: PNG unless SVG was asked for.

    The switch shows only on pages with charts (the choice is kept while other pages are shown). A switch rather
    than a PNG/SVG radio: half the page elements, and no radio script to fetch."""
    if current_page in CHART_PAGES:
        _restore_widgets([IMAGE_SVG_KEY])
        st.sidebar.toggle("Images des graphiques en SVG", key=IMAGE_SVG_KEY,
                          help="Format du bouton « appareil photo » de chaque graphique : PNG par défaut, SVG "
                               "(vectoriel, net à toute taille) si activé. Les filtres actifs sont écrits sous le "
                               "titre de l'image.")
        _remember_widgets([IMAGE_SVG_KEY])
    return "svg" if st.session_state.get(IMAGE_SVG_KEY) else "png"


# ---------------------------------------------------------------------------------------------
# The census source
# ---------------------------------------------------------------------------------------------
UPLOAD_TARGET_KEY = "upload_target"
DRAFT_TARGET, SESSION_TARGET = "Brouillon du territoire", "Ma session seulement"


def _on_upload() -> None:
    """Validate a newly uploaded file. An editor's file becomes their draft of the territory (stored, seen by
    them only) unless they chose their session only; anyone else's belongs to this session only."""
    file = st.session_state.get(UPLOAD_KEY)
    st.session_state.pop("upload_error", None)
    src = st.session_state.get(source.SOURCE_KEY)
    to_draft = (src is not None and src.access.editor and src.code is not None
                and st.session_state.get(UPLOAD_TARGET_KEY, DRAFT_TARGET) == DRAFT_TARGET)
    if file is None:
        st.session_state.pop(DATASET_KEY, None)
    else:
        try:
            data = file.getvalue()
            with reading():  # one read at a time per session, a few per client and in all (nrdash.admission)
                ds = load_upload(data, file.name, geography()[0])
            if to_draft:
                source.store().save_draft(source.principal(), src.code, data, file.name, src.latest)
                st.session_state.pop(DATASET_KEY, None)
                st.session_state[source.SHOW_DRAFT_KEY] = True
            else:
                st.session_state[DATASET_KEY] = ds
        except Busy as exc:  # nothing wrong with the file: what is shown stays
            st.session_state["upload_error"] = f"{exc} « {file.name} » n'a pas été lu."
        except CensusError as exc:
            st.session_state.pop(DATASET_KEY, None)
            st.session_state["upload_error"] = f"« {file.name} » n'a pas pu être lu : {exc}"
        except StoreError as exc:  # the store refused the draft (a role taken back meanwhile): said as it words it
            st.session_state.pop(DATASET_KEY, None)
            st.session_state["upload_error"] = f"« {file.name} » n'est pas enregistré comme brouillon : {exc}"
        except Exception:  # never a traceback for the user
            log.exception("upload failed")
            st.session_state.pop(DATASET_KEY, None)
            st.session_state["upload_error"] = (f"« {file.name} » n'a pas pu être lu (erreur inattendue). "
                                                "Enregistrez-le de nouveau au format du modèle vierge (page "
                                                "Recensement) puis réessayez.")
    st.session_state.pop(territory_picker.CHOICE_KEY, None)
    editor.forget_edits()
    reset_filters()


def source_widgets(src: "source.Source", workshop: bool) -> bool:
    """Loading a census (its errors, the choice to include rows in error); returns whether they are included.

    The upload sits in a popover: its widget (and its scripts) reach the browser only when someone opens it."""
    dataset = src.dataset
    if workshop:
        return bool(st.session_state.get("include_error_rows"))
    upload_widget(src)
    if st.session_state.get("upload_error"):
        st.sidebar.error("Fichier refusé : le motif est en haut de la page.", icon=":material/error:")
    errors = int((~dataset.valid).sum())
    include = False
    if errors:
        st.sidebar.warning(f"{count_noun(errors, 'ligne')} en erreur : voir la page Recensement.",
                           icon=":material/warning:")
        include = st.sidebar.checkbox("Inclure les lignes en erreur dans les graphiques", key="include_error_rows")
    return include


def upload_widget(src: "source.Source", first: bool = False) -> None:
    """« Charger un recensement »: an editor's file becomes their draft (or stays in the session), anyone else's
    stays in the session. ``first``: the territory's first census, uploaded from the page itself (it becomes the
    editor's draft: no choice to make)."""
    if first:
        st.file_uploader("Votre recensement (.xlsx, .xls, .ods, .csv)", type=["xlsx", "xls", "ods", "csv"],
                         key=UPLOAD_KEY, on_change=_on_upload,
                         help="Le fichier est vérifié puis enregistré comme votre brouillon (vous seul le voyez).")
        return
    with st.sidebar.popover("Charger un recensement", icon=":material/upload_file:", width="stretch",
                            key="source_popover"):
        editor_here = src.access.editor and src.code is not None
        if editor_here:
            st.radio("Le fichier sera", [DRAFT_TARGET, SESSION_TARGET], key=UPLOAD_TARGET_KEY,
                     captions=[f"enregistré comme votre brouillon de « {escape_md(src.name)} » (vous seul le voyez ; "
                               "à publier depuis la page Versions)",
                               "vérifié et affiché dans cette session, jamais enregistré"])
        st.file_uploader("Recensement (.xlsx, .xls, .ods, .csv)", type=["xlsx", "xls", "ods", "csv"],
                         key=UPLOAD_KEY, on_change=_on_upload,
                         help=("Le fichier est vérifié puis utilisé selon votre choix ci-dessus." if editor_here else
                               "Le fichier est vérifié puis utilisé dans votre session seulement, jamais enregistré."))


def summary(label: str, dataset: Dataset, info: TerritoryInfo | None) -> None:
    """What the dashboard shows, in one block: the census and the territory."""
    c = dataset.census
    territory = (f"Territoire : **{escape_md(info.label)}**" if info is not None
                 else "" if dataset.territory_problem else "Aucun territoire choisi.")
    st.sidebar.markdown(f"**{escape_md(label)}**  \n{count_noun(len(c.actors), 'acteur')} — « {escape_md(c.file_name)} »"
                        + (f"\n\n{territory}" if territory else ""))
