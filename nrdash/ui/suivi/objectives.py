"""Suivi: the territory's objectives (an indicator, a target, a deadline), where each stands on every published
version, and the editors' form to set or remove one."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from ... import compare as cp
from ... import referential as ref
from ... import suivi as sv
from ...store import StoreError
from ...text import escape_md
from .. import source
from ..chart_component import plotly_chart
from ..elements import PLOTLY_CONFIG, workshop_figure
from ..page_context import CONTEXT_KEY, Context
from .state import CONFIRM_KEY, DONE_KEY, FAILED_KEY, editing, editor_source


_VALUES_MAX = 4096

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
    src = editor_source()
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
    if editor_source() is not None and pick is not None:
        st.session_state[CONFIRM_KEY] = int(pick)


def _cancel_delete_objective() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def _delete_objective() -> None:
    src = editor_source()
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
