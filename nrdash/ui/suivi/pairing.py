"""Suivi: actors paired or separated by hand (editors; kept with the territory, valid for every comparison)."""
from __future__ import annotations


import numpy as np
import pandas as pd
import streamlit as st

from ... import compare as cp
from ... import referential as ref
from ... import suivi as sv
from ...search import matching, search_keys
from ...store import PAIR_LINK, PAIR_UNLINK, StoreError
from ...text import count_noun, escape_md, thousands
from .. import source
from ..page_context import Context
from .state import CMP_CACHE_KEY, DONE_KEY, FAILED_KEY, LISTED, SEARCH_KEY, editor_source


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



def _pairing(ra: str | None, rb: str | None, kind: str) -> None:
    src = editor_source()
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
    src = editor_source()
    ra, _, rb = (st.session_state.get("suivi_choice") or "").partition("\t")
    if src is not None and ra and rb:
        try:
            source.store().remove_pairing(source.principal(), src.code, ra, rb)
        except StoreError as exc:
            st.session_state[FAILED_KEY] = str(exc)
            return
        st.session_state[DONE_KEY] = "Choix retiré."
