"""The Versions page's administration: locked workshop links (made, listed, revoked) and, for a territory's
administrators, its settings (reading, contact address, open data, retention), roles, sessions ended
everywhere and a person's data erased. Buttons act in callbacks on the last run's Source (nrdash.ui.workspace_panel
holds the draft, publishing and history sections)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from .. import links
from .. import opendata as od
from .. import referential as ref
from .. import workspace as ws
from ..store import LINK_DAYS, LINK_DAYS_MAX, StoreError
from ..text import count_noun, escape_md
from . import source, territory_settings_panel
from .elements import html_table
from .feedback import done, editing_source, failed
from .pages import show_link

if TYPE_CHECKING:
    from .source import Source


def _create_link() -> None:
    src = editing_source()
    if src is None:
        return
    try:
        token = source.store().create_workshop_token(source.principal(), src.code,
                                                     st.session_state.get("ws_link_label") or "",
                                                     days=st.session_state.get("ws_link_days") or LINK_DAYS)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state["ws_link_url"] = (links.locked_link_path(src.code, token), token.expires_at)
    st.session_state["ws_link_label"] = ""


def _revoke_link() -> None:
    src = editing_source()
    link_id = st.session_state.get("ws_link_revoke")
    if src is None or link_id is None:
        return
    try:
        source.store().revoke_workshop_link(source.principal(), link_id, src.code)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state.pop("ws_link_url", None)
    done(f"Lien d'atelier n° {link_id} révoqué : les projecteurs ouverts avec lui n'affichent plus rien à leur "
          "prochaine mise à jour.")


def _end_sessions() -> None:
    src = editing_source()
    email = (st.session_state.get("ws_end_email") or "").strip()
    if src is None or not email:
        return
    try:
        n = source.store().end_sessions(source.principal(), email)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state.pop("ws_end_email", None)
    done(f"{email} : {count_noun(n, 'session fermée', 'sessions fermées')}, sur tous les appareils." if n else
          f"{email} n'avait aucune session ouverte.")


def _save_settings() -> None:
    src = editing_source()
    if src is None:
        return
    try:
        source.store().set_territory(source.principal(), src.code, contact_email=territory_settings_panel.contact_value(),
                                     retention_months=int(st.session_state.get("ws_retention")),
                                     open_licence=st.session_state.get("ws_licence") or od.DEFAULT_LICENCE,
                                     open_citizens=bool(st.session_state.get("ws_citizens")))
    except StoreError as exc:
        failed(str(exc))
        return
    done("Réglages enregistrés.")


def _give_role() -> None:
    src = editing_source()
    if src is None:
        return
    email, role = (st.session_state.get("ws_role_email") or "").strip(), st.session_state.get("ws_role")
    s = source.store()
    try:
        s.add_user(source.principal(), email, None, role, None if role == ws.ADMIN else src.code,
                   without_password=True)
    except StoreError as exc:
        failed(str(exc))
        return
    st.session_state.pop("ws_role_email", None)
    done(f"{email} : rôle « {role} » " + ("sur l'instance." if role == ws.ADMIN else f"sur « {src.name} »."))


def _erase() -> None:
    src = editing_source()
    if src is None or not st.session_state.get("ws_erase_sure"):
        return
    try:
        n = source.store().erase_person(source.principal(), src.code, st.session_state.get("ws_erase_who") or "")
    except StoreError as exc:
        failed(str(exc))
        return
    for k in ("ws_erase_who", "ws_erase_sure"):
        st.session_state.pop(k, None)
    done(f"Données effacées de {count_noun(n, 'version')}." if n else
          "Aucune version ne contenait ce nom ou cette adresse : rien n'a été effacé.")




def links_section(src: Source) -> None:
    """Locked workshop links: the projector opens the dashboard read-only in mode atelier, whatever is done, until
    the link expires or is revoked here."""
    s = source.store()
    st.subheader("Liens d'atelier verrouillés", anchor=False)
    st.markdown("Un lien verrouillé ouvre ce territoire en mode atelier, en lecture seule : ni données "
                "personnelles, ni chargement, ni sortie du mode atelier, quoi qu'on fasse de l'adresse ou des boutons. "
                "Il cesse de fonctionner à sa date d'expiration, ou dès qu'il est révoqué, même sur un projecteur "
                "déjà ouvert.")
    c1, c2 = st.columns([3, 1])
    c1.text_input("Libellé (par exemple « Atelier du 12 mars »)", key="ws_link_label", max_chars=200)
    c2.number_input("Valable (jours)", 1, LINK_DAYS_MAX, LINK_DAYS, key="ws_link_days")
    st.button("Créer un lien", icon=":material/link:", key="ws_link", on_click=_create_link)
    made = st.session_state.get("ws_link_url")
    if made:
        st.markdown(escape_md(f"Copiez ce lien maintenant (il n'est montré qu'une fois ; le bouton à droite le "
                              f"copie). Il expire le {made[1].astimezone():%d/%m/%Y à %H:%M}."))
        show_link(made[0])
    made_links = s.workshop_links(src.who, src.code)
    if not made_links:
        return
    st.markdown(html_table(ws.links_table(made_links)), unsafe_allow_html=True)
    valid = {x.id: x for x in made_links if x.state == "valide"}
    if valid:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.selectbox("Lien à révoquer", list(valid), key="ws_link_revoke",
                     format_func=lambda i: f"n° {i} — {valid[i].label or 'sans libellé'} (expire le "
                                           f"{valid[i].expires_at.astimezone():%d/%m/%Y})")
        c2.button("Révoquer", icon=":material/link_off:", key="ws_link_revoke_button", on_click=_revoke_link)


def settings_section(src: Source) -> None:
    """An administrator's settings of the territory: reading without an account (opened after a confirmation), the
    questionnaire's contact address, the open data's licence and citizens, retention, roles, erasing a person's data."""
    s = source.store()
    t = s.territory(src.who, src.code)
    st.subheader("Réglages du territoire", anchor=False)
    territory_settings_panel.fields_for(src.code)
    territory_settings_panel.reading_block(src, t)
    st.session_state.setdefault("ws_retention", int(t["retention_months"]))
    st.session_state.setdefault("ws_licence", t.get("open_licence") or od.DEFAULT_LICENCE)
    st.session_state.setdefault("ws_citizens", bool(t.get("open_citizens", True)))
    # Said before the administrator opens it (issue 27): opening publishes every version as open data, older ones too.
    st.caption(escape_md(f"Un territoire ouvert publie aussi toutes ses versions, les anciennes comprises, comme "
                         f"données ouvertes à l'adresse /donnees/{src.code}/ (sans référent, contact ni acteur "
                         f"« Citoyens »)."))
    territory_settings_panel.contact_field(t)
    st.selectbox("Licence des données ouvertes", list(od.LICENCES), key="ws_licence",
                 format_func=lambda name: od.LICENCES[name].title)
    st.checkbox("Publier le nombre de citoyens recensés par commune", key="ws_citizens")
    st.number_input("Conservation des référents et contacts (mois)", 1, 240, key="ws_retention")
    st.button("Enregistrer les réglages", key="ws_settings", on_click=_save_settings)
    st.markdown("**Donner un rôle sur ce territoire** : lecteur (tableau de bord fermé)"
                + (", éditeur (brouillons, publication, données personnelles) ou administrateur de l'instance."
                   if src.access.instance_admin else " ou éditeur (brouillons, publication, données personnelles)."))
    c1, c2 = st.columns([3, 2])
    c1.text_input("Adresse électronique de la personne", key="ws_role_email", max_chars=254)
    c2.selectbox("Rôle", [r for r in ref.ROLES if r != ws.ADMIN or src.access.instance_admin], key="ws_role")
    st.button("Donner ce rôle", key="ws_give_role", on_click=_give_role, icon=":material/person_add:",
              help="Un compte absent est créé sans mot de passe local : la personne se connecte par le fournisseur "
                   "d'identité, ou reçoit un mot de passe par la commande « python -m nrdash user add ».")
    st.markdown("**Effacer les données d'une personne** (demande RGPD) : son nom ou son adresse est retiré de "
                "toutes les versions et de leurs fichiers d'origine (remplacés par des copies expurgées).")
    who = st.text_input("Nom ou adresse électronique", key="ws_erase_who", max_chars=200)
    sure = st.checkbox("Je confirme l'effacement (il est définitif)", key="ws_erase_sure")
    st.button("Effacer", key="ws_erase", disabled=not (who.strip() and sure), icon=":material/person_remove:",
              on_click=_erase)
    if src.access.instance_admin:
        st.markdown("**Déconnecter un compte partout** (administrateur de l'instance) : ses sessions ouvertes se "
                    "ferment à leur prochaine action, sur tous les appareils et toutes les répliques. Pour retirer "
                    "un rôle ou le compte : « python -m nrdash user remove ».")
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.text_input("Adresse électronique du compte", key="ws_end_email", max_chars=254)
        c2.button("Déconnecter partout", key="ws_end_sessions", on_click=_end_sessions, icon=":material/person_off:")
