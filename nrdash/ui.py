"""Streamlit glue shared by the entrypoint and the pages: data source, shared filters, chart rendering.

Logic lives in the other ``nrdash`` modules; this one only wires widgets and session state, once,
so that pages stay thin and never copy each other.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import plotting
from . import referential as ref
from .census import CensusError
from .filters import FILTER_FIELDS, Filters, describe, filter_mask
from .geography import Geography, GeographyUnavailable, load_geography
from .matrix import filter_actions
from .placement import TerritoryInfo, search_territories, territory_info
from .dataset import Dataset, load_default, load_upload
from .text import count_noun, esc, escape_md, plural

log = logging.getLogger("nrdash")
ASSETS = Path(__file__).resolve().parent.parent / "assets"

FILTER_KEYS: dict[str, str] = {f: f"filter_{f}" for f in FILTER_FIELDS}
UPLOAD_KEY = "census_upload"
THROUGH_APP_KEY = "_through_app"
# The chart toolbar keeps its one useful button, the image download (bars and cells are read, not zoomed; a click
# filters).
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
UNEXPECTED = "Une erreur inattendue est survenue sur cette page."

PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/accueil.py", "Accueil", ":material/home:"),
    ("pages/recensement.py", "Recensement", ":material/table_view:"),
    ("pages/carte.py", "Carte", ":material/map:"),
    ("pages/engagement.py", "Engagement", ":material/bar_chart:"),
    ("pages/cercles.py", "Cercles", ":material/radio_button_checked:"),
    ("pages/matrice.py", "Matrice d'actions", ":material/grid_view:"),
    ("pages/suivi.py", "Suivi", ":material/timeline:"),
    ("pages/rapport.py", "Rapport", ":material/description:"),
)


@dataclass
class Context:
    dataset: Dataset
    filters: Filters
    actors: pd.DataFrame  # filtered
    categories: pd.DataFrame  # filtered, aligned with actors
    actions: pd.DataFrame  # filtered
    total: int  # actors before the shared filters
    include_error_rows: bool
    geo: Geography | None = None
    geo_note: str | None = None  # why the geography is unavailable
    territory: TerritoryInfo | None = None  # chosen in the sidebar, else the census's
    workshop: bool = False  # mode atelier: projected, no personal data, no upload or editing controls

    @property
    def caption(self) -> str:
        text = describe(self.filters, len(self.actors), self.total)
        errors = int((~self.dataset.valid).sum())
        if errors and not self.include_error_rows:
            text += f" (hors {count_noun(errors, 'ligne')} en erreur)"
        return text


# ---------------------------------------------------------------------------------------------
# Data source
# ---------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Chargement de la géographie hors ligne…")
def geography() -> tuple[Geography | None, str | None]:
    """The offline geography, loaded once per server process (built on first use if only the sources exist)."""
    try:
        return load_geography(), None
    except GeographyUnavailable as exc:
        return None, str(exc)


@st.cache_resource(show_spinner="Lecture du recensement…")
def _default_dataset() -> Dataset:
    """The sample (or configured) census: read once per server process, shared read-only by all sessions."""
    return load_default(geography()[0])


def _on_upload() -> None:
    """Validate a newly uploaded file; its census belongs to this session only."""
    file = st.session_state.get(UPLOAD_KEY)
    st.session_state.pop("upload_error", None)
    if file is None:
        st.session_state.pop("dataset", None)
    else:
        try:
            st.session_state["dataset"] = load_upload(file.getvalue(), file.name, geography()[0])
        except CensusError as exc:
            st.session_state.pop("dataset", None)
            st.session_state["upload_error"] = f"« {file.name} » n'a pas pu être lu : {exc}"
        except Exception:  # never a traceback for the user
            log.exception("upload failed")
            st.session_state.pop("dataset", None)
            st.session_state["upload_error"] = (f"« {file.name} » n'a pas pu être lu (erreur inattendue). "
                                                "Vérifiez-le avec « python -m nrdash check ».")
    st.session_state.pop("territory_choice", None)
    for key in ("edit_base", "edit_original", "edit_history"):
        st.session_state.pop(key, None)
    reset_filters()


def current_dataset() -> Dataset:
    return st.session_state.get("dataset") or _default_dataset()


# ---------------------------------------------------------------------------------------------
# Shared filters
# ---------------------------------------------------------------------------------------------
REMEMBERED_KEY = "_widget_values"


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


def _defaults(dataset: Dataset) -> Filters:
    return Filters.from_territory(dataset.census.territory)


def reset_filters() -> None:
    defaults = _defaults(current_dataset())
    for f, key in FILTER_KEYS.items():
        value = getattr(defaults, f)
        st.session_state[key] = list(value) if isinstance(value, tuple) else value


def _state_filters() -> Filters:
    """The shared filters as the widgets hold them."""
    return Filters().with_values(**{f: st.session_state[k] for f, k in FILTER_KEYS.items()})


def set_filters(**changes: tuple) -> None:
    """Change shared filters from a callback (chart selection, buttons): before the widgets are drawn."""
    for f, values in changes.items():
        st.session_state[FILTER_KEYS[f]] = list(values) if isinstance(values, tuple) else values


def _options(dataset: Dataset) -> dict[str, list]:
    a = dataset.census.actors
    types = [t for t in ref.TYPES] + ([ref.OTHER_TYPE] if (a["type"] == ref.OTHER_TYPE).any() else [])
    return {
        "families": list(ref.FAMILIES),
        "types": types,
        "levels": list(ref.LEVELS),
        "circles": list(ref.CIRCLES),
        "communes": dataset.communes,
        "categories": list(ref.ACTION_TYPES) + list(ref.NR_DIMENSIONS),
        "sources": list(ref.SOURCES),
    }


CHART_PAGES = ("pages/engagement.py", "pages/cercles.py", "pages/matrice.py")
IMAGE_SVG_KEY = "image_svg"


def image_format() -> str:
    """Format of the charts' image button: PNG unless SVG was asked for."""
    return "svg" if st.session_state.get(IMAGE_SVG_KEY) else "png"


def _image_format_widget(current_page: str | None) -> None:
    """Only on pages with charts (the choice is kept while other pages are shown). A switch rather than a PNG/SVG
    radio: half the page elements, and no radio script to fetch."""
    if current_page not in CHART_PAGES:
        return
    _restore_widgets([IMAGE_SVG_KEY])
    st.sidebar.toggle("Images des graphiques en SVG", key=IMAGE_SVG_KEY,
                      help="Format du bouton « appareil photo » de chaque graphique : PNG par défaut, SVG (vectoriel, "
                           "net à toute taille) si activé. Les filtres actifs sont écrits sous le titre de l'image.")
    _remember_widgets([IMAGE_SVG_KEY])


def _filter_widgets(dataset: Dataset) -> Filters:
    opts = _options(dataset)
    _restore_widgets(FILTER_KEYS.values())
    if any(key not in st.session_state for key in FILTER_KEYS.values()):
        reset_filters()  # first run of the session; a new upload resets them too (_on_upload)
    active = _state_filters().differences(_defaults(dataset))
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
    return _state_filters()


def _source_widgets(dataset: Dataset, workshop: bool) -> bool:
    """Loading a census (its errors, the choice to include rows in error); returns whether they are included.

    The upload sits in a popover: its widget (and its scripts) reach the browser only when someone opens it."""
    if workshop:
        return bool(st.session_state.get("include_error_rows"))
    with st.sidebar.popover("Charger un recensement", icon=":material/upload_file:", width="stretch",
                            key="source_popover"):
        st.file_uploader("Recensement (.xlsx, .xls, .ods, .csv)", type=["xlsx", "xls", "ods", "csv"],
                         key=UPLOAD_KEY, on_change=_on_upload,
                         help="Le fichier est vérifié puis utilisé dans votre session seulement.")
    if st.session_state.get("upload_error"):
        st.sidebar.error(escape_md(st.session_state["upload_error"]), icon=":material/error:")
    errors = int((~dataset.valid).sum())
    include = False
    if errors:
        st.sidebar.warning(f"{count_noun(errors, 'ligne')} en erreur : voir la page Recensement.",
                           icon=":material/warning:")
        include = st.sidebar.checkbox("Inclure les lignes en erreur dans les graphiques", key="include_error_rows")
    return include


TERRITORY_RESULTS_MAX = 30


def _territory_results(geo: Geography, query: str) -> dict[str, tuple[str, str]]:
    return {label: (kind, code) for kind, code, label in search_territories(geo, query, TERRITORY_RESULTS_MAX)}


def _on_territory_pick() -> None:
    pick = st.session_state.get("territory_pick")
    geo, _ = geography()
    found = _territory_results(geo, st.session_state.get("territory_query", "")) if geo else {}
    if pick in found:
        st.session_state["territory_choice"] = found[pick]


def _territory(dataset: Dataset, geo: Geography | None) -> TerritoryInfo | None:
    """The territory chosen in this session, else the census's own."""
    choice = st.session_state.get("territory_choice")
    return territory_info(geo, *choice) if (geo is not None and choice) else dataset.territory


def _summary(dataset: Dataset, info: TerritoryInfo | None) -> None:
    """What the dashboard shows, in one block: the census and the territory."""
    c = dataset.census
    territory = (f"Territoire : **{escape_md(info.label)}**" if info is not None
                 else "" if dataset.territory_problem else "Aucun territoire choisi.")
    st.sidebar.markdown(f"**{dataset.label}**  \n{count_noun(len(c.actors), 'acteur')} — « {escape_md(c.file_name)} »"
                        + (f"\n\n{territory}" if territory else ""))


def _territory_widgets(dataset: Dataset, geo: Geography | None, info: TerritoryInfo | None) -> None:
    if info is None and dataset.territory_problem:
        st.sidebar.warning(escape_md(f"Feuille « Territoire » : {dataset.territory_problem}"), icon=":material/warning:")
    if geo is None:
        st.sidebar.caption("Géographie hors ligne non installée.")
        return
    with st.sidebar.popover("Choisir le territoire", icon=":material/location_on:", width="stretch",
                            key="territory_popover"):
        query = st.text_input("Chercher une commune ou un EPCI", key="territory_query",
                              placeholder="ex. La Rochelle")
        if query:
            # The results as a visible list: a drop-down inside a popover at the bottom of the screen has no room.
            found = _territory_results(geo, query)
            if found:
                st.radio(f"Résultats ({len(found)})", list(found), index=None, key="territory_pick",
                         on_change=_on_territory_pick)
                if len(found) >= TERRITORY_RESULTS_MAX:
                    st.caption("Les premiers résultats seulement : précisez la recherche.")
            else:
                st.caption("Aucune commune ni aucun EPCI de ce nom.")


# Streamlit's captions are faded (opacity 0.6) below the RGAA/WCAG 4.5:1 contrast ratio on white: darken them.
BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1; color: #4a4a4a; }
[data-testid="stCaptionContainer"] p { color: #4a4a4a; }
.nr-kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.75rem 1.5rem;
           margin: 0 0 1rem 0 !important; padding: 0 !important; list-style: none; }
.nr-kpi { margin: 0 !important; padding: 0 !important; }
.nr-kpi-label { font-size: 0.9rem; color: #3d3d3d; }
.nr-kpi-value { font-size: 2.25rem; line-height: 1.2; color: #1e1e1e; }
.nr-kpi-note { font-size: 0.85rem; color: #4a4a4a; }
</style>"""
WORKSHOP_KEY = "atelier"
WORKSHOP_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMain"] h1 { font-size: 2.4rem; padding-top: 0; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1.05rem; color: #3d3d3d; }
.nr-kpi-value { font-size: 3.2rem; }
.nr-kpi-label { font-size: 1.05rem; }
</style>"""


def _sync_workshop_url() -> None:
    if st.session_state.get(WORKSHOP_KEY):
        st.query_params[WORKSHOP_KEY] = "1"
    else:
        st.query_params.pop(WORKSHOP_KEY, None)


def workshop_toggle() -> bool:
    """Mode atelier, shareable as ?atelier=1 (the projector laptop opens straight into it)."""
    if WORKSHOP_KEY not in st.session_state:
        st.session_state[WORKSHOP_KEY] = st.query_params.get(WORKSHOP_KEY) == "1"
    on = st.sidebar.toggle("Mode atelier (projection)", key=WORKSHOP_KEY, on_change=_sync_workshop_url,
                           help="Grands caractères, aucune donnée personnelle, ni chargement ni modification. "
                                "Lien direct : ajoutez ?atelier=1 à l'adresse.")
    if on and st.query_params.get(WORKSHOP_KEY) != "1":
        # A page change (navigation, slideshow) drops the query: without it a reload would leave workshop mode.
        st.query_params[WORKSHOP_KEY] = "1"
    st.markdown(BASE_CSS + (WORKSHOP_CSS if on else ""), unsafe_allow_html=True)  # our own constants only
    return on


CAROUSEL_PAGES = ("pages/accueil.py", "pages/engagement.py", "pages/cercles.py", "pages/matrice.py", "pages/carte.py")


def carousel_next(current: str) -> str:
    """The page after ``current`` in the stand's slideshow (it starts over at the end)."""
    if current not in CAROUSEL_PAGES:
        return CAROUSEL_PAGES[0]
    return CAROUSEL_PAGES[(CAROUSEL_PAGES.index(current) + 1) % len(CAROUSEL_PAGES)]


def carousel(current: str) -> None:
    """Workshop mode's optional slideshow: the main pages in turn, for a stand."""
    if not st.sidebar.toggle("Diaporama (pages successives)", key="carousel"):
        return
    period = st.sidebar.select_slider("Secondes par page", [5, 10, 20, 30, 60], value=20, key="carousel_period")

    @st.fragment(run_every=period)
    def tick() -> None:
        import time

        now = time.monotonic()
        started = st.session_state.setdefault("carousel_since", now)
        if now - started >= period - 0.5:
            st.session_state["carousel_since"] = now
            st.switch_page(carousel_next(current))

    with st.sidebar:
        tick()


def sidebar(current_page: str | None = None) -> Context:
    """Draw the data source and the shared filters; compute the filtered view every page reads."""
    dataset = current_dataset()
    geo, geo_note = geography()
    workshop = workshop_toggle()
    if workshop and current_page:
        carousel(current_page)
    territory = _territory(dataset, geo)
    _summary(dataset, territory)  # one block rather than two, above the buttons that change them
    include_errors = _source_widgets(dataset, workshop)
    _territory_widgets(dataset, geo, territory)
    filters = _filter_widgets(dataset)
    _image_format_widget(current_page)
    actors, cats = dataset.actors(include_errors)
    mask = filter_mask(actors, filters, cats)
    ctx = Context(dataset, filters, actors[mask], cats[mask], filter_actions(dataset.census.actions, filters),
                  len(actors), include_errors, geo, geo_note, territory, workshop)
    st.session_state["_context"] = ctx
    return ctx


def context() -> Context:
    """The view computed by the entrypoint for this run (pages never recompute it).

    A page that is not run by run_page was run without app.py. Streamlit does that in its legacy "pages/ folder" mode (a folder
    named pages/ beside the entry script), until some run calls st.navigation: on a fresh server, the first request
    for a page URL (a bookmark, the projector laptop's start page) runs that page alone, and AppTest, which starts
    every run in that mode, runs each page it switches to alone first. Calling st.navigation, the
    public multipage API, ends that mode for the whole server (once an app uses st.navigation, Streamlit ignores
    the pages/ folder); the rerun then goes through app.py and keeps the requested page. Tested on a fresh server
    opened on a page URL: tests/e2e/test_navigation.py."""
    if not st.session_state.get(THROUGH_APP_KEY):
        navigation()
        st.rerun()
    return st.session_state["_context"]


# ---------------------------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------------------------
def data_table(frame: pd.DataFrame, **kwargs) -> None:
    """st.dataframe for every table of census text: what its toolbar downloads or a copy takes is spreadsheet-safe
    (nrdash.tables)."""
    from .tables import safe_table

    st.dataframe(safe_table(frame), **kwargs)


def filter_caption(ctx: Context) -> None:
    st.caption(escape_md(ctx.caption))


def _on_chart_points(points: list[dict], by: str | None) -> None:
    from .charts import selection_to_filters

    changes = selection_to_filters(points, by)
    if changes:
        set_filters(**changes)


def chart(fig: go.Figure, summary: str, key: str, select_by: str | None = None,
          table: pd.DataFrame | None = None) -> None:
    """A plotly chart with its text alternative; a click on a bar filters when ``select_by`` is given.

    The active filters are written in the figure itself, so the image downloaded from the chart's toolbar
    (PNG, drawn by the browser) always says what it shows."""
    ctx = st.session_state.get("_context")
    if ctx is not None:
        fig.update_layout(title_subtitle_text=esc(ctx.caption), title_subtitle_font_size=14)
    on_select = None if select_by is None else (lambda points: _on_chart_points(points, select_by))
    if st.session_state.get(WORKSHOP_KEY):
        fig.update_layout(font_size=21, title_font_size=27, legend_font_size=19, hoverlabel_font_size=19)
        fig.update_xaxes(tickfont_size=19)
        fig.update_yaxes(tickfont_size=19)
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {"format": image_format(), "scale": 2,
                                                        "filename": f"nrdash-{key}"}}
    plotting.plotly_chart(fig, key=key, config=config, on_select=on_select)
    st.caption(escape_md(summary))
    if table is not None and st.toggle("Données du graphique", key=f"{key}_data"):
        data_table(table, width="stretch")


def key_figures(items: list[tuple[str, object, str | None]]) -> None:
    """Key figures (label, value, optional note) as one light list: Streamlit's st.metric costs five scripts and
    about ten nodes per figure; the note is written under the value rather than hidden in a tooltip."""
    cells = []
    for label, value, note in items:
        extra = f'<div class="nr-kpi-note">{esc(note)}</div>' if note else ""
        cells.append(f'<li class="nr-kpi"><div class="nr-kpi-label">{esc(label)}</div>'
                     f'<div class="nr-kpi-value">{esc(value)}</div>{extra}</li>')
    st.markdown(f'<ul class="nr-kpis">{"".join(cells)}</ul>', unsafe_allow_html=True)  # every text escaped


def level_legend(key: str) -> None:
    """The level scale as a clickable legend: a click filters every page on that level, a second click on the
    active level lifts that filter (plotly's own legend only hides a series in the browser and cannot tell the app).
    One row of pills: it shows which level is filtered, and weighs a third of four buttons in columns."""
    short = {0: "Non impliqué", 1: "Sensibilisé", 2: "Acteur", 3: "Leader"}
    levels = _state_filters().levels
    st.session_state[key] = levels[0] if len(levels) == 1 else None  # the filter as set anywhere else

    def on_change() -> None:
        chosen = st.session_state.get(key)
        set_filters(levels=() if chosen is None else (chosen,))

    st.pills("Filtrer sur un niveau", list(ref.LEVELS), format_func=lambda n: f"{n} · {short[n]}", key=key,
             on_change=on_change)


def actors_table(actors: pd.DataFrame, key: str) -> None:
    """The actors behind the charts, never with personal data; sent to the browser only when asked."""
    from .indicators import public_table

    if st.toggle(f"Afficher les {len(actors)} acteurs correspondants", key=key):
        data_table(public_table(actors), hide_index=True, width="stretch")


def coming_soon(what: str) -> None:
    st.info(f"À venir : {what}", icon=":material/construction:")


def run_page(page: "st.navigation") -> None:
    """Run the selected page; an unexpected error shows a French message, never a traceback."""
    st.session_state[THROUGH_APP_KEY] = True  # context(): this page runs through app.py
    try:
        page.run()
    except Exception:
        log.exception("page failed")
        st.error(f"{UNEXPECTED} Rechargez la page ; si le problème persiste, signalez-le avec le fichier utilisé.",
                 icon=":material/error:")
    finally:  # also when the run stops early (st.rerun, st.switch_page)
        st.session_state.pop(THROUGH_APP_KEY, None)


def navigation() -> "st.navigation":
    return st.navigation([st.Page(path, title=title, icon=icon, default=(i == 0))
                          for i, (path, title, icon) in enumerate(PAGES)])


def url_path(path: str) -> str:
    """The page's address in the browser: '' for the home page (st.navigation's default), else the file's stem."""
    return "" if path == PAGES[0][0] else path.split("/")[-1].removesuffix(".py")


def page_path(page) -> str:
    """'pages/engagement.py' for the page st.navigation selected."""
    return next((p for p, t, _ in PAGES if t == page.title), PAGES[0][0])


def page_link(path: str) -> None:
    title, icon = next((t, i) for p, t, i in PAGES if p == path)
    st.page_link(path, label=title, icon=icon)


# ---------------------------------------------------------------------------------------------
# Geography for the map (read once, shared read-only)
# ---------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=16, show_spinner=False)
def commune_contours(codes: tuple[str, ...]):
    geo, _ = geography()
    return geo.contours(codes=list(codes))


@st.cache_resource(max_entries=8, show_spinner=False)
def territory_shape(kind: str, code: str, members: tuple[str, ...]):
    """(GeoJSON, geometry) of the territory's outline."""
    import json

    import shapely

    geo, _ = geography()
    if kind == "epci":
        geom = geo.epci_contour(code).geometry.iloc[0]
    else:
        geom = shapely.union_all(commune_contours(members).geometry.to_numpy())
    if geom is None:
        return None, None
    simple = shapely.set_precision(geom, 1e-4)
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(simple)), "properties": {}}, geom


# ---------------------------------------------------------------------------------------------
# Editing the census (Recensement page, never in workshop mode)
# ---------------------------------------------------------------------------------------------
def _editor_config() -> dict:
    from .editing import CIRCLE_CHOICES, LEVEL_CHOICES, YES_NO

    h = ref.HEADER_OF
    return {
        h["family"]: st.column_config.SelectboxColumn(options=["", *ref.FAMILIES]),
        h["type"]: st.column_config.SelectboxColumn(options=["", *ref.TYPES, ref.OTHER_TYPE], required=True),
        h["level"]: st.column_config.SelectboxColumn(options=LEVEL_CHOICES, required=True),
        h["circle"]: st.column_config.SelectboxColumn(options=CIRCLE_CHOICES, help="Vide : règle du kit"),
        h["source"]: st.column_config.SelectboxColumn(options=["", *ref.SOURCES]),
        h["is_local"]: st.column_config.SelectboxColumn(options=YES_NO),
        h["action_types"]: st.column_config.TextColumn(help="Valeurs séparées par « ; » : " + " ; ".join(ref.ACTION_TYPES)),
        h["dimensions"]: st.column_config.TextColumn(help="Valeurs séparées par « ; » : " + " ; ".join(ref.NR_DIMENSIONS)),
    }


def _show_edit(frame: pd.DataFrame, corrected) -> None:
    """Make ``frame`` the table in the editor (a new widget key drops the grid's pending edits) and its census
    this session's data."""
    from .dataset import prepare

    st.session_state["edit_base"] = frame
    st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1
    st.session_state["dataset"] = prepare(corrected, "upload", geography()[0])


def _apply_edit(frame: pd.DataFrame, corrected) -> None:
    from .editing import push

    st.session_state["edit_history"] = push(st.session_state.get("edit_history", []), st.session_state["edit_base"])
    _show_edit(frame, corrected)


def _undo_edit() -> None:
    from .editing import revalidate

    history = st.session_state.get("edit_history", [])
    if history:
        frame = history.pop()
        _show_edit(frame, revalidate(frame, st.session_state["edit_original"]))


def census_editor(ctx: Context) -> None:
    """Edit, re-validate live, apply to this session's dashboard, undo, download the corrected workbook."""
    from .census import issues_table
    from .editing import corrected_replacements, corrected_workbook, revalidate, to_edit_frame
    from .tables import from_editor, to_editor

    census = ctx.dataset.census
    if "edit_base" not in st.session_state:  # a new census (first edit, or a new upload) starts a new history
        st.session_state["edit_original"] = census
        st.session_state["edit_base"] = to_edit_frame(census.actors)
        st.session_state["edit_history"] = []
    base = st.session_state["edit_base"]
    # The grid holds spreadsheet-safe text (its toolbar downloads a CSV); what comes back is the census's own text.
    edited = from_editor(st.data_editor(to_editor(base), num_rows="dynamic", hide_index=True, width="stretch",
                                        column_config=_editor_config(),
                                        key=f"editor_{st.session_state.get('edit_version', 0)}"))
    corrected = revalidate(edited, st.session_state["edit_original"])
    changed = not edited.equals(base)
    errors = len(corrected.errors)
    st.caption(f"{len(corrected.actors)} acteurs, {errors} erreur(s), {len(corrected.warnings)} avertissement(s) "
               "après modification (numéros de ligne comme dans le classeur : ligne 2 = premier acteur).")
    if corrected.issues:
        data_table(issues_table(corrected.issues, with_sheet=False), hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    if c1.button("Appliquer au tableau de bord", disabled=not changed, icon=":material/check:"):
        _apply_edit(edited, corrected)
        st.rerun()
    c2.button("Annuler la dernière modification", on_click=_undo_edit, icon=":material/undo:",
              disabled=not st.session_state.get("edit_history"))
    c3.download_button("Classeur corrigé (.xlsx)", lambda: corrected_workbook(corrected),
                       file_name=f"{corrected.file_name}.xlsx", icon=":material/download:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       help="Au format du modèle, avec référents et contacts (données personnelles : à ne pas diffuser).")
    if replaced := corrected_replacements(corrected).message():
        st.warning(escape_md("Classeur corrigé : " + replaced), icon=":material/warning:")
