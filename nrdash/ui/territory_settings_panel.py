"""A territory's reading and contact settings in the app (issue 25): on the Versions page, its administrator opens
it to reading without an account (after a confirmation that says what it means) or closes it, and gives the
questionnaire's contact address; beside « Publier », who will read the version; on the review queue, the prompt
for the contact address while there is none. Words: nrdash.territory_settings; the store decides who may."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from .. import territory_settings as words
from ..store import StoreError
from ..text import escape_md
from . import feedback, source

if TYPE_CHECKING:
    from .source import Source

OPEN_ASK_KEY = "ws_open_ask"  # the territory whose opening waits for its confirmation
CONTACT_KEY, QUEUE_CONTACT_KEY = "ws_contact", "q_contact_email"


def _acting() -> Any:
    """The last run's Source (the store decides whether the session's principal may act on it)."""
    src = st.session_state.get(source.SOURCE_KEY)
    return src if src is not None and src.stored else None


def _titled(said: tuple[str, str]) -> str:
    """(title, text) as markdown: the title in bold, both escaped (a territory's name is shown as typed)."""
    return f"**{escape_md(said[0])}** {escape_md(said[1])}"


def _said(ok: bool, message: str) -> None:
    (feedback.done if ok else feedback.failed)(message)  # shown by ui.feedback.done_message


def _set_reading(public: bool) -> None:
    st.session_state.pop(OPEN_ASK_KEY, None)
    src = _acting()
    if src is None:
        return
    try:
        source.store().set_territory(source.principal(), src.code, anonymous_read=public)
    except StoreError as exc:
        _said(False, str(exc))
        return
    _said(True, f"Lecture sans connexion ouverte : « {src.name} » et toutes ses versions publiées sont lisibles par "
                "tous, sans compte." if public else
                f"Lecture sans connexion fermée : seules les personnes qui ont un rôle sur « {src.name} » le lisent.")


def _ask_open(code: str) -> None:
    st.session_state[OPEN_ASK_KEY] = code


def _cancel_open() -> None:
    st.session_state.pop(OPEN_ASK_KEY, None)


def reading_block(src: "Source", t: dict[str, Any]) -> None:
    """Whether the territory is open to reading without an account, and the button that changes it (opening asks
    for a confirmation first)."""
    public = bool(t["anonymous_read"])
    with st.container(key="ws_reading"):
        st.markdown(_titled(words.reading_state(public, src.name)))
        if public:
            st.button("Fermer la lecture sans connexion", key="ws_close_reading", icon=":material/lock:",
                      on_click=_set_reading, args=(False,))
            return
        if st.session_state.get(OPEN_ASK_KEY) != src.code:
            st.button("Ouvrir la lecture sans connexion…", key="ws_open_reading", icon=":material/public:",
                      on_click=_ask_open, args=(src.code,))
            return
        n = len(source.store().versions(src.who, src.code))
        with st.container(border=True, key="ws_open_confirm_box"):
            st.warning(_titled(words.opening_warning(src.name, n, src.code)),
                       icon=":material/public:")
            c1, c2 = st.columns(2)
            c1.button("Confirmer : ouvrir la lecture à tous", type="primary", key="ws_open_confirm",
                      on_click=_set_reading, args=(True,))
            c2.button("Annuler", key="ws_open_cancel", on_click=_cancel_open)


SETTINGS_FOR_KEY = "ws_settings_for"  # the territory whose values the settings' fields hold


def fields_for(code: str) -> None:
    """The settings' fields hold this territory's values: another territory shown in the same session starts them
    anew (« Enregistrer les réglages » would otherwise save the previous territory's address and retention here)."""
    if st.session_state.get(SETTINGS_FOR_KEY) != code:
        for key in (CONTACT_KEY, "ws_retention", "ws_licence", "ws_citizens", OPEN_ASK_KEY):
            st.session_state.pop(key, None)
        st.session_state[SETTINGS_FOR_KEY] = code


def contact_field(t: dict[str, Any]) -> None:
    """The contact address among the settings saved by « Enregistrer les réglages »."""
    st.session_state.setdefault(CONTACT_KEY, t.get("contact_email") or "")
    st.text_input("Adresse de contact du questionnaire (affichée dans son consentement ; vide : le formulaire nomme "
                  "la collectivité)", key=CONTACT_KEY, max_chars=254, placeholder="numerique@collectivite.fr")


def contact_value() -> str:
    """What « Enregistrer les réglages » gives the store for the contact address ("" unsets it)."""
    return (st.session_state.get(CONTACT_KEY) or "").strip()


def publish_line(src: "Source", number: int) -> None:
    """Beside « Publier la version N »: who will read it."""
    before, who, after = words.publish_line(number, src.access.public)
    icon = ":material/public:" if src.access.public else ":material/lock:"
    with st.container(key="ws_publish_audience"):
        st.markdown(f"{icon} {escape_md(before)} **{escape_md(who)}** {escape_md(after)}")


def _save_queue_contact() -> None:
    src = _acting()
    if src is None:
        return
    email = (st.session_state.get(QUEUE_CONTACT_KEY) or "").strip()
    try:
        source.store().set_territory(source.principal(), src.code, contact_email=email or None)
    except StoreError as exc:
        _said(False, str(exc))
        return
    if email:
        st.session_state.pop(QUEUE_CONTACT_KEY, None)
        st.session_state.pop(CONTACT_KEY, None)
        _said(True, f"Adresse de contact enregistrée : le formulaire public dit d'écrire à {email}.")
    else:
        _said(False, "Adresse de contact vide : tapez une adresse, par exemple numerique@collectivite.fr.")


def contact_prompt(src: "Source", contact_email: str | None) -> None:
    """The review queue, while the territory has no contact address: what is missing and, for its administrators,
    the field to give it."""
    if contact_email:
        return
    with st.container(border=True, key="q_contact_prompt"):
        st.warning(_titled(words.contact_missing(src.name)), icon=":material/mail:")
        if not src.access.admin:
            st.markdown("Un administrateur du territoire la renseigne ici ou page Versions (« Réglages du "
                        "territoire »).")
            return
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        c1.text_input("Adresse de contact du questionnaire", key=QUEUE_CONTACT_KEY, max_chars=254,
                      placeholder="numerique@collectivite.fr")
        c2.button("Enregistrer l'adresse", key="q_contact_save", on_click=_save_queue_contact,
                  icon=":material/save:")
