"""The Suivi page's Streamlit glue: which two censuses are compared (two published versions of the territory shown,
or two files uploaded on the page, never stored), the comparison's sections, the territory's objectives and the
actors to update. The parts: state.py (session keys, who edits), pairing.py (manual pairing), objectives.py. The logic is
nrdash.compare and nrdash.suivi; buttons act in callbacks, on the last run's Source
(AppTest loses a button's return value: see nrdash.ui.page_context)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import streamlit as st

from ... import compare as cp
from ... import suivi as sv
from ...census import CensusError
from ...dataset import load_upload
from ...text import count_noun, escape_md
from .. import source
from ..read_gate import Busy, reading
from ..elements import chart, data_table
from ..page_context import Context
from .objectives import objective_views, objectives_section
from .pairing import pairing_section
from .state import (CMP_CACHE_KEY, CONFIRM_KEY, DONE_KEY, FAILED_KEY, FILES_KEY, LISTED, MODE_FILES,  # noqa: F401
                    MODE_VERSIONS, MONTHS_KEY, SEARCH_KEY, cmp_is_versions, editing, freshness_months,
                    include_personal, listed)


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
        listed(sv.actors_list(shown.b, shown.new), "Aucun nouvel acteur.")
    with tabs[1]:
        listed(sv.actors_list(shown.a, shown.gone), "Aucun acteur sorti.")
    with tabs[2]:
        listed(sv.changed_list(shown), "Aucun acteur modifié.")

    st.subheader("Cercles de mobilisation", anchor=False)
    counts, rows = cp.circle_movements(shown)
    sentences = cp.circle_sentences(counts)
    st.markdown("\n".join(f"- {escape_md(s)}." for s in sentences) if sentences else
                "Aucun acteur n'a changé de cercle.")
    if len(rows):
        listed(sv.circle_list(rows), "")

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
    listed(sv.stale_list(fresh), "")


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
    from ..campaign_page import suivi_section  # update campaigns' response rates (editors)

    suivi_section(ctx)
