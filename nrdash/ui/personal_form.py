"""The form of a campaign's personal link (pages/questionnaire.py, for ``/questionnaire?territoire=CODE&acteur=TOKEN``:
no sign-in, no sidebar, no census shown): the actor's public record filled in, checked and stored for the editors'
review (nrdash.ui.campaign_link reads the token and the record). The public form, the same address without
``acteur``, is a page the server writes without Streamlit (nrdash.web.public, nrdash.web.form_page).

« Envoyer » acts in a callback (AppTest loses a button's return value): the answer is checked and stored before
the script reruns."""

import json
import logging
from typing import TYPE_CHECKING

import streamlit as st

from .. import questionnaire as quest
from .. import referential as ref
from ..text import count_noun, escape_md
from .pages import THROUGH_APP_KEY, navigation

if TYPE_CHECKING:
    pass

log = logging.getLogger("nrdash")

FORM_PAGE = "pages/questionnaire.py"
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
