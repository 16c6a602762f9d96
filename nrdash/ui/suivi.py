"""The Suivi page's Streamlit glue: which two censuses are compared (two published versions of the territory shown,
or two files uploaded on the page, never stored), the comparison's sections, the territory's objectives and the
actors to update. The logic is nrdash.compare and nrdash.suivi; buttons act in callbacks, on the last run's Source
(AppTest loses a button's return value: see nrdash.ui.page_context)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from .. import compare as cp
from .. import referential as ref
from .. import suivi as sv
from ..census import CensusError
from ..dataset import load_upload
from ..search import matching, search_keys
from ..store import PAIR_LINK, PAIR_UNLINK, StoreError
from ..text import count_noun, escape_md, thousands
from . import source
from .admission import Busy, reading
from .chart_component import plotly_chart
from .elements import PLOTLY_CONFIG, chart, data_table, workshop_figure
from .page_context import CONTEXT_KEY, Context
from .source import SOURCE_KEY, Source

MONTHS_KEY = "suivi_months"  # « actualisation conseillée » after this many months (Accueil reads it too)
CMP_CACHE_KEY = "_suivi_cmp"  # (key, Comparison) of the last comparison: one per session
FILES_KEY = "_suivi_files"  # {sha256: Dataset} of the files uploaded on the page (this session only)
DONE_KEY, FAILED_KEY = "suivi_done", "suivi_failed"
MODE_VERSIONS, MODE_FILES = "Deux versions publiées", "Deux fichiers chargés"
LISTED = 200  # rows of a list sent to the browser
CONFIRM_KEY = "_suivi_obj_confirm"  # the id of the objective whose removal waits for a confirmation
SEARCH_KEY = "_suivi_search"  # (comparison key, {side: folded search texts}) for the pairing lists


def freshness_months() -> int:
    return int(st.session_state.get(MONTHS_KEY) or cp.DEFAULT_FRESHNESS_MONTHS)


def include_personal(ctx: Context) -> bool:
    """Référent and Contact are compared only for an editor, never in mode atelier."""
    return bool(ctx.source is not None and ctx.source.access.editor and not ctx.workshop)


def editing(ctx: Context) -> bool:
    return include_personal(ctx) and ctx.source.stored


# ---------------------------------------------------------------------------------------------
# Which two censuses
# ---------------------------------------------------------------------------------------------
def _version_label(info) -> str:
    return f"Version {info.number} ({info.created_at.astimezone():%d/%m/%Y})"


def _cached(key, make):
    cached = st.session_state.get(CMP_CACHE_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    # the compared cells (two lists per column, only for the command line's details) are not kept in the session
    cmp = dataclasses.replace(make(), cells_a={}, cells_b={})
    st.session_state[CMP_CACHE_KEY] = (key, cmp)
    return cmp


def versions_comparison(ctx: Context, infos) -> cp.Comparison | None:
    src = ctx.source
    labels = {v.number: _version_label(v) for v in infos}
    numbers = list(labels)
    c1, c2 = st.columns(2)
    na = c1.selectbox("Version A (la plus ancienne)", numbers, index=len(numbers) - 2, format_func=labels.get,
                      key="suivi_a")
    nb = c2.selectbox("Version B (la plus récente)", numbers, index=len(numbers) - 1, format_func=labels.get,
                      key="suivi_b")
    if na == nb:
        st.info("Choisissez deux versions différentes.", icon=":material/info:")
        return None
    if na > nb:
        st.caption(escape_md(f"La version A ({na}) est plus récente que la B ({nb}) : la comparaison va de A vers "
                             "B, comme choisi."))
    personal = include_personal(ctx)
    s = source.store()
    links, unlinks = s.pairings(src.who, src.code)
    key = ("versions", src.code, na, nb, personal, tuple(links), tuple(unlinks), ctx.include_error_rows)

    def make():
        a = s.open_version(src.who, src.code, na, personal=personal)
        b = s.open_version(src.who, src.code, nb, personal=personal)
        cmp = cp.compare(_shown(a, ctx), _shown(b, ctx), links, unlinks, include_personal=personal)
        return dataclasses.replace(cmp, label_a=labels[na], label_b=labels[nb])

    return _cached(key, make)


def _shown(ds, ctx: Context):
    """The census as the pages show it: without its rows in error unless the sidebar includes them."""
    actors, _ = ds.actors(ctx.include_error_rows)
    return dataclasses.replace(ds.census, actors=actors)


def files_comparison(ctx: Context) -> cp.Comparison | None:
    st.markdown("Chargez l'ancien et le nouveau recensement (modèle nrdash, .xlsx, .ods ou .csv) : ils sont lus pour "
                "cette comparaison et ne sont jamais enregistrés.")
    c1, c2 = st.columns(2)
    fa = c1.file_uploader("Ancien recensement (A)", type=["xlsx", "ods", "csv"], key="suivi_file_a")
    fb = c2.file_uploader("Nouveau recensement (B)", type=["xlsx", "ods", "csv"], key="suivi_file_b")
    if fa is None or fb is None:
        st.info("Chargez les deux fichiers pour les comparer.", icon=":material/upload_file:")
        return None
    loaded = []
    for f in (fa, fb):
        ds = _read_upload(f, ctx)
        if ds is None:
            return None
        loaded.append(ds)
    personal = include_personal(ctx)
    key = ("files", loaded[0].census.sha256, loaded[1].census.sha256, personal, ctx.include_error_rows)

    def make():
        cmp = cp.compare(_shown(loaded[0], ctx), _shown(loaded[1], ctx), include_personal=personal)
        return dataclasses.replace(cmp, label_a=fa.name, label_b=fb.name)

    return _cached(key, make)


def _read_upload(f, ctx: Context):
    data = f.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    files = st.session_state.setdefault(FILES_KEY, {})
    if digest not in files:
        try:
            with reading():
                files[digest] = load_upload(data, f.name, ctx.geo)
        except Busy as exc:
            st.warning(escape_md(f"{exc} « {f.name} » n'a pas encore été lu."), icon=":material/hourglass_empty:")
            return None
        except CensusError as exc:
            st.error(escape_md(f"« {f.name} » n'a pas pu être lu : {exc}"), icon=":material/error:")
            return None
        while len(files) > 2:
            files.pop(next(iter(files)))
    return files[digest]


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------
def comparison_sections(ctx: Context, cmp: cp.Comparison) -> None:
    shown = cp.filter_comparison(cmp, ctx.filters)
    st.markdown(escape_md(cp.summary_sentence(shown)))
    st.caption("Filtres : un acteur est retenu quand son état dans la version A ou dans la version B passe les "
               "filtres (un nouvel acteur par son état dans B, un acteur sorti par son état dans A).")
    if cmp.unresolved_links:
        st.caption(escape_md(f"{count_noun(len(cmp.unresolved_links), 'appariement manuel')} ne s'applique pas à "
                             "ces deux versions (l'un des acteurs n'y figure pas)."))

    st.subheader("Transitions de niveau", anchor=False)
    transitions = cp.level_transitions(cp.filter_comparison(cmp, cp.transition_filters(ctx.filters)))
    chart(ctx, sv.transitions_figure(transitions, "A", "B"), sv.transitions_caption(transitions),
          key="suivi_transitions", table=sv.transition_table(transitions).reset_index(), main=True)
    if ctx.filters.levels:
        st.caption(cp.TRANSITIONS_IGNORE_LEVEL)

    st.subheader("Acteurs nouveaux, sortis et modifiés", anchor=False)
    labels = [f"Nouveaux ({len(shown.new)})", f"Sortis ({len(shown.gone)})", f"Modifiés ({len(shown.changed)})"]
    tabs = st.tabs(labels, default=labels[sv.first_changed_tab(len(shown.new), len(shown.gone), len(shown.changed))])
    with tabs[0]:
        _listed(sv.actors_list(shown.b, shown.new), "Aucun nouvel acteur.")
    with tabs[1]:
        _listed(sv.actors_list(shown.a, shown.gone), "Aucun acteur sorti.")
    with tabs[2]:
        _listed(sv.changed_list(shown), "Aucun acteur modifié.")

    st.subheader("Cercles de mobilisation", anchor=False)
    counts, rows = cp.circle_movements(shown)
    sentences = cp.circle_sentences(counts)
    st.markdown("\n".join(f"- {escape_md(s)}." for s in sentences) if sentences else
                "Aucun acteur n'a changé de cercle.")
    if len(rows):
        _listed(sv.circle_list(rows), "")

    st.subheader("Engagement (part des acteurs au niveau ≥ 2)", anchor=False)
    by = st.radio("Par", ["family", "commune"], format_func={"family": "famille", "commune": "commune"}.get,
                  horizontal=True, key="suivi_by")
    prog = cp.engagement_progress(shown, by)
    if by == "family":
        st.markdown("\n".join(f"- {escape_md(s)}" for s in cp.engagement_sentences(prog, by)))
    data_table(sv.engagement_table(prog, by), hide_index=True, width="stretch")

    st.subheader("Plan d'actions", anchor=False)
    plan = cp.plan_sentences(cp.action_changes(shown.actions_a, shown.actions_b),
                             cp.coverage_changes(shown.actions_a, shown.actions_b))
    st.markdown("\n".join(f"- {escape_md(s)}" for s in plan))
    if editing(ctx) and ctx.source.stored and cmp_is_versions(ctx):
        pairing_section(ctx, cmp)


def cmp_is_versions(ctx: Context) -> bool:
    cached = st.session_state.get(CMP_CACHE_KEY)
    return bool(cached and cached[0][0] == "versions")


def _listed(table, empty: str) -> None:
    if not len(table):
        if empty:
            st.caption(empty)
        return
    if len(table) > LISTED:
        st.caption(f"Les {LISTED} premiers sur {len(table)} (le détail complet : python -m nrdash diff).")
    data_table(table.head(LISTED), hide_index=True, width="stretch")


# ---------------------------------------------------------------------------------------------
# Manual pairing (editors, kept with the territory)
# ---------------------------------------------------------------------------------------------
def _search_texts(cmp: cp.Comparison, side: str) -> np.ndarray:
    """Name and commune of the gone (``a``), new (``b``) or paired (``pairs``, named as in B) actors, folded once
    per comparison."""
    cached = st.session_state.get(SEARCH_KEY)
    key = (st.session_state.get(CMP_CACHE_KEY) or (None,))[0]
    if cached is None or cached[0] != key:
        cached = (key, {})
        st.session_state[SEARCH_KEY] = cached
    if side not in cached[1]:
        frame, positions = {"a": (cmp.a, cmp.gone), "b": (cmp.b, cmp.new),
                            "pairs": (cmp.b, _auto_pairs(cmp)["ib"].tolist())}[side]
        part = frame.iloc[list(positions)]
        communes = part["commune"] if "commune" in part else [None] * len(part)
        cached[1][side] = search_keys(part["name"], communes)
    return cached[1][side]


def _auto_pairs(cmp: cp.Comparison) -> pd.DataFrame:
    return cmp.pairs[cmp.pairs["method"] != cp.MANUAL]


def _searched(cmp: cp.Comparison, side: str, positions, label: str, key: str, what: tuple[str, str]) -> list[int]:
    """A search box over the listed actors, and the positions it matches (at most LISTED, said when more)."""
    query = st.text_input(label, key=key, placeholder="Nom ou commune, par exemple : vélo aytré")
    positions = list(positions)
    found = (np.asarray(positions, dtype=int)[matching(_search_texts(cmp, side), query)].tolist()
             if ref.norm_key(query) else positions)
    n = len(found)
    if query.strip():
        said = f"{count_noun(n, *what)} sur {thousands(len(positions))} pour « {query.strip()[:80]} »"
    else:
        said = count_noun(n, *what)
    if n > LISTED:
        said += f" : les {LISTED} premiers sont proposés, précisez la recherche pour atteindre les autres"
    st.caption(escape_md(said + "."))
    return found[:LISTED]


def pairing_section(ctx: Context, cmp: cp.Comparison) -> None:
    st.subheader("Apparier ou séparer des acteurs à la main", anchor=False)
    st.caption("Une association renommée apparaît comme un acteur sorti et un nouveau : appariez-les. Deux acteurs "
               "appariés à tort (même nom, même commune) : séparez-les. Le choix est gardé avec le territoire et "
               "vaut pour toutes les comparaisons. Les listes proposent les acteurs qui correspondent à la recherche "
               "(nom ou commune, sans tenir compte des majuscules ni des accents).")
    if len(cmp.gone) and len(cmp.new):
        c1, c2 = st.columns(2)
        with c1:
            gone = sv.pairing_options(cmp, "a", _searched(cmp, "a", cmp.gone, "Rechercher un acteur sorti (A)",
                                                          "suivi_pair_a_q", ("acteur sorti", "acteurs sortis")))
            labels = dict(gone)
            st.selectbox("Acteur sorti (A)", list(labels), format_func=labels.get, key="suivi_pair_a")
        with c2:
            new = sv.pairing_options(cmp, "b", _searched(cmp, "b", cmp.new, "Rechercher un nouvel acteur (B)",
                                                         "suivi_pair_b_q", ("nouvel acteur", "nouveaux acteurs")))
            labels_b = dict(new)
            st.selectbox("Nouvel acteur (B)", list(labels_b), format_func=labels_b.get, key="suivi_pair_b")
        st.button("Apparier ces deux acteurs", icon=":material/link:", key="suivi_link", on_click=_link,
                  disabled=not (gone and new))
    else:
        st.caption("Aucun acteur sorti et nouveau à apparier dans cette comparaison.")
    auto = _auto_pairs(cmp)
    if len(auto):
        shown = _searched(cmp, "pairs", range(len(auto)), "Rechercher une paire à séparer (nom dans B ou commune)",
                          "suivi_unpair_q", ("paire automatique", "paires automatiques"))
        part = auto.iloc[shown]
        refs_a = cp.actor_refs(cmp.a.iloc[part["ia"].tolist()])
        refs_b = cp.actor_refs(cmp.b.iloc[part["ib"].tolist()])
        names = cmp.b["name"].to_numpy(dtype=object)[part["ib"].to_numpy(dtype=int)]
        options = {f"{ra}\t{rb}": f"{n} ({sv.pairing_words(m)})"
                   for ra, rb, n, m in zip(refs_a, refs_b, names, part["method"])}
        st.selectbox("Paire à séparer", list(options), format_func=options.get, key="suivi_unpair")
        st.button("Séparer ces deux acteurs", icon=":material/link_off:", key="suivi_unlink", on_click=_unlink,
                  disabled=not options)
    links, unlinks = source.store().pairings(ctx.source.who, ctx.source.code)
    if links or unlinks:
        choices = {f"{a}\t{b}": f"{'Apparié' if k == PAIR_LINK else 'Séparé'} : {sv.ref_label(a)} ↔ "
                                 f"{sv.ref_label(b)}"
                   for k, pairs in ((PAIR_LINK, links), (PAIR_UNLINK, unlinks)) for a, b in pairs}
        st.selectbox("Choix enregistrés sur ce territoire", list(choices), format_func=choices.get,
                     key="suivi_choice")
        st.button("Retirer ce choix", icon=":material/undo:", key="suivi_forget", on_click=_forget)


def _editor_source() -> Source | None:
    src = st.session_state.get(SOURCE_KEY)
    ctx = st.session_state.get(CONTEXT_KEY)
    if src is None or not src.stored or (ctx is not None and ctx.workshop):  # the store decides the rest
        st.session_state[FAILED_KEY] = "Seuls les éditeurs du territoire (hors mode atelier) peuvent faire cela."
        return None
    return src


def _pairing(ra: str | None, rb: str | None, kind: str) -> None:
    src = _editor_source()
    if src is None or not ra or not rb:
        return
    try:
        source.store().set_pairing(source.principal(), src.code, ra, rb, kind)
    except StoreError as exc:
        st.session_state[FAILED_KEY] = str(exc)
        return
    st.session_state[DONE_KEY] = ("Les deux acteurs sont appariés." if kind == PAIR_LINK
                                  else "Les deux acteurs sont séparés.")


def _link() -> None:
    _pairing(st.session_state.get("suivi_pair_a"), st.session_state.get("suivi_pair_b"), PAIR_LINK)


def _unlink() -> None:
    ra, _, rb = (st.session_state.get("suivi_unpair") or "").partition("\t")
    _pairing(ra, rb, PAIR_UNLINK)


def _forget() -> None:
    src = _editor_source()
    ra, _, rb = (st.session_state.get("suivi_choice") or "").partition("\t")
    if src is not None and ra and rb:
        try:
            source.store().remove_pairing(source.principal(), src.code, ra, rb)
        except StoreError as exc:
            st.session_state[FAILED_KEY] = str(exc)
            return
        st.session_state[DONE_KEY] = "Choix retiré."


# ---------------------------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------------------------
_VALUES: dict[tuple, float] = {}  # (store, territory, version, indicator, family, members) -> value
_VALUES_MAX = 4096


def _indicator_points(who, code: str, infos, objective: cp.Objective, members) -> list[sv.VersionPoint]:
    """The objective's indicator on every published version. A version never changes (a redaction touches only
    personal data, which no indicator reads): each value is computed once per process, the version opened only
    then."""
    s = source.store()
    out = []
    for v in infos:
        key = (s.url, code, v.number, v.original_sha256, objective.indicator, objective.family, members)
        value = _VALUES.get(key)
        if value is None:
            census = s.open_version(who, code, v.number).census
            (point,) = sv.indicator_series([(v.number, v.created_at.astimezone().date(), census)], objective, members)
            value = _VALUES[key] = point.value
            while len(_VALUES) > _VALUES_MAX:
                _VALUES.pop(next(iter(_VALUES)))
        out.append(sv.VersionPoint(v.number, v.created_at.astimezone().date(), value))
    return out


def objective_views(who, code: str, infos, members, today: dt.date) -> list[sv.ObjectiveView]:
    """Each stored objective, its indicator on every version and where it stands today."""
    out = []
    for so in source.store().objectives(who, code):
        points = _indicator_points(who, code, infos, so.objective, members)
        out.append(sv.ObjectiveView(so.objective, points, sv.objective_progress(so.objective, points, today),
                                    so.start_version, so.id))
    return out


def objectives_section(ctx: Context, infos) -> None:
    st.header("Objectifs du territoire", anchor=False)
    src = ctx.source
    st.caption("Chaque objectif porte sur tout le recensement de chaque version publiée : les filtres ne s'y "
               "appliquent pas. « En avance » ou « en retard » se lit par rapport au chemin en ligne droite de la "
               "valeur de la version en cours quand l'objectif a été fixé jusqu'à la cible à l'échéance.")
    members = tuple(ctx.territory.members) if ctx.territory else None
    views = objective_views(src.who, src.code, infos, members, dt.date.today())
    if not views:
        st.markdown("Aucun objectif n'est encore fixé pour ce territoire.")
    for k, view in enumerate(views):
        fig = sv.objective_figure(view.objective, view.points)
        if ctx.workshop:
            workshop_figure(fig, ctx.contrast)
        plotly_chart(fig, key=f"suivi_objective_{k}", config={**PLOTLY_CONFIG, "toImageButtonOptions": {
            "format": ctx.image_format, "scale": 2, "filename": f"nrdash-objectif-{k + 1}"}},
            summary=view.sentence, summary_visible=False)  # the sentence is shown in the box below
        status = view.progress.status
        box = {cp.BEHIND: st.warning, cp.AHEAD: st.success, cp.REACHED: st.success}.get(status, st.info)
        box(escape_md(view.sentence), icon=":material/flag:")
        if view.objective.note:
            st.caption(escape_md(f"Note : {view.objective.note}"))
    if editing(ctx):
        objective_form(ctx, infos, views)


def objective_form(ctx: Context, infos, views) -> None:
    src = ctx.source
    current = src.number or src.latest
    with st.expander("Fixer un objectif", icon=":material/add:"):
        st.caption(escape_md(f"Le point de départ est la valeur de la version {current} (en cours) à sa date de "
                             "publication."))
        st.selectbox("Indicateur", list(cp.INDICATORS), format_func=lambda k: cp.INDICATORS[k].label.format(
            family="une famille"), key="suivi_obj_indicator")
        if cp.INDICATORS[st.session_state.get("suivi_obj_indicator") or "engaged_actors"].needs_family:
            st.selectbox("Famille", list(ref.FAMILIES), key="suivi_obj_family")
        st.number_input("Cible", min_value=0.0, value=10.0, step=1.0, key="suivi_obj_target")
        st.date_input("Échéance", value=dt.date.today().replace(month=12, day=31), format="DD/MM/YYYY",
                      key="suivi_obj_deadline")
        st.text_input("Note (facultative)", max_chars=2000, key="suivi_obj_note")
        st.button("Enregistrer l'objectif", icon=":material/flag:", key="suivi_obj_add", on_click=_add_objective,
                  args=(current,))
    if views:
        labels = {v.id: v.objective.label for v in views}
        asked = st.session_state.get(CONFIRM_KEY)
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.selectbox("Objectif à retirer", list(labels), format_func=labels.get, key="suivi_obj_pick")
        c2.button("Retirer", icon=":material/delete:", key="suivi_obj_delete", on_click=_ask_delete_objective,
                  disabled=asked in labels)
        if asked in labels:
            st.warning(escape_md(f"Supprimer l'objectif « {labels[asked]} » ? Son suivi disparaît pour tout le "
                                 "territoire."), icon=":material/delete:")
            c1, c2, _ = st.columns([1, 1, 3])
            c1.button("Confirmer", type="primary", key="suivi_obj_confirm", on_click=_delete_objective)
            c2.button("Annuler", key="suivi_obj_cancel", on_click=_cancel_delete_objective)


def _add_objective(current: int | None) -> None:
    src = _editor_source()
    if src is None or current is None:
        return
    state = st.session_state
    indicator = state.get("suivi_obj_indicator") or "engaged_actors"
    family = state.get("suivi_obj_family") if cp.INDICATORS[indicator].needs_family else None
    s, who = source.store(), source.principal()
    try:
        info = next(v for v in s.versions(who, src.code) if v.number == current)
        census = s.open_version(who, src.code, current).census
        ctx = state.get(CONTEXT_KEY)
        members = tuple(ctx.territory.members) if ctx is not None and ctx.territory else None
        start = cp.indicator_value(indicator, census.actors, census.actions, members, family)
        objective = cp.Objective(indicator, float(state.get("suivi_obj_target") or 0),
                                 state.get("suivi_obj_deadline"), info.created_at.astimezone().date(), start, family,
                                 (state.get("suivi_obj_note") or "").strip())
        s.add_objective(who, src.code, objective, current)
    except (StoreError, ValueError, StopIteration) as exc:
        state[FAILED_KEY] = f"Objectif non enregistré : {exc}"
        return
    state[DONE_KEY] = f"Objectif enregistré : {objective.label}."


def _ask_delete_objective() -> None:
    """First step of a removal: remember which objective, the page asks for a confirmation."""
    pick = st.session_state.get("suivi_obj_pick")
    if _editor_source() is not None and pick is not None:
        st.session_state[CONFIRM_KEY] = int(pick)


def _cancel_delete_objective() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def _delete_objective() -> None:
    src = _editor_source()
    asked = st.session_state.pop(CONFIRM_KEY, None)
    if src is None or asked is None:
        return
    try:
        removed = source.store().delete_objective(source.principal(), src.code, int(asked))
    except StoreError as exc:
        st.session_state[FAILED_KEY] = str(exc)
        return
    if removed:
        st.session_state[DONE_KEY] = "Objectif retiré."


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------
def freshness_section(ctx: Context) -> None:
    st.header("Actualisation conseillée", anchor=False)
    if not ctx.workshop:
        st.number_input("Conseiller l'actualisation après (mois sans mise à jour)", min_value=1, max_value=120,
                        value=freshness_months(), step=1, key=MONTHS_KEY)
    fresh = cp.freshness(ctx.actors, dt.date.today(), freshness_months())
    st.markdown(escape_md(fresh.sentence()))
    st.caption("Sur le recensement affiché, filtres compris.")
    _listed(sv.stale_list(fresh), "")


# ---------------------------------------------------------------------------------------------
# The report's « Suivi » section
# ---------------------------------------------------------------------------------------------
def report_suivi(ctx: Context) -> sv.SuiviReport | None:
    """The territory's objectives and its two latest versions compared (never with personal data), or None when
    the census shown is not a stored territory's."""
    src = ctx.source
    if src is None or not src.stored:
        return None
    s = source.store()
    infos = s.versions(src.who, src.code)
    members = tuple(ctx.territory.members) if ctx.territory else None
    objectives = objective_views(src.who, src.code, infos, members, dt.date.today())
    if len(infos) < 2:
        return sv.suivi_report(None, ctx.filters, objectives,
                               "Une seule version publiée : pas encore de comparaison.")
    a, b = infos[-2], infos[-1]
    links, unlinks = s.pairings(src.who, src.code)
    cmp = cp.compare(_shown(s.open_version(src.who, src.code, a.number), ctx),
                     _shown(s.open_version(src.who, src.code, b.number), ctx),
                     links, unlinks)
    cmp = dataclasses.replace(cmp, label_a=_version_label(a), label_b=_version_label(b))
    return sv.suivi_report(cmp, ctx.filters, objectives)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
def page(ctx: Context) -> None:
    for key, box in ((DONE_KEY, st.success), (FAILED_KEY, st.error)):
        message = st.session_state.pop(key, None)
        if message:
            box(escape_md(message))
    src = ctx.source
    infos = source.store().versions(src.who, src.code) if src is not None and src.stored else []
    modes = ([MODE_VERSIONS] if len(infos) >= 2 else []) + ([] if ctx.workshop else [MODE_FILES])
    st.header("Ce qui a changé", anchor=False)
    if not modes:
        st.info("Il faut au moins deux versions publiées de ce territoire pour les comparer.", icon=":material/info:")
        cmp = None
    else:
        mode = st.radio("Comparer", modes, horizontal=True, key="suivi_mode") if len(modes) > 1 else modes[0]
        if mode == MODE_VERSIONS:
            cmp = versions_comparison(ctx, infos)
        else:
            if src is not None and src.stored and len(infos) < 2:
                st.caption("Ce territoire a moins de deux versions publiées : comparez deux fichiers.")
            cmp = files_comparison(ctx)
    if cmp is not None:
        comparison_sections(ctx, cmp)
    if src is not None and src.stored and infos:
        objectives_section(ctx, infos)
    freshness_section(ctx)
    from .campaigns import suivi_section  # update campaigns' response rates (editors)

    suivi_section(ctx)
