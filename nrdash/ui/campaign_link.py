"""A campaign's personal link in the app (issue 26): ``/questionnaire?territoire=CODE&acteur=TOKEN`` opens the public
form filled in with that actor's public record (pages/questionnaire.py, through nrdash.ui.personal_form.form_page);
``…&courriels=refus`` is the page that refuses further e-mails; in the editors' review queue, an answer through a
link is an update of its actor, shown field by field against its current record.

The link's holder is a principal of its own (``Principal.actor_link``): the store decides what it may do (its one
actor, until the campaign's end date); an expired or unknown link says so and offers the public questionnaire."""
from __future__ import annotations

import streamlit as st

from .. import campaign as cm
from .. import questionnaire as quest
from .. import referential as ref
from ..mailing import REFUSAL_PARAM
from ..store import Forbidden, Principal, StoreError
from ..text import escape_md
from . import source

TOKEN_PARAM = "acteur"
PREFILLED_KEY, LINK_SENT_KEY, REFUSED_KEY = "q_prefilled_for", "q_link_sent", "q_link_refused"
FORM_PAGE = "pages/questionnaire.py"


def token() -> str:
    """The personal link's token in the address ("" for the public form)."""
    return (st.query_params.get(TOKEN_PARAM) or "").strip()[:100]


def principal(value: str) -> Principal:
    return Principal.actor_link(value, source.client())


def _public_offer(code: str) -> None:
    st.page_link(FORM_PAGE, label="Ouvrir le questionnaire public du territoire", icon=":material/edit_note:",
                 query_params={"territoire": code})


def page(code: str, value: str) -> None:
    """The form of a personal link (or its refusal page), under the form's title."""
    from . import personal_form as q_ui

    if st.query_params.get(REFUSAL_PARAM) == "refus":
        _refusal(code, value)
        return
    s = source.store()
    who = principal(value)
    try:
        form = s.personal_form(who, code)
    except (Forbidden, StoreError) as exc:
        st.error(escape_md(str(exc)), icon=":material/link_off:")
        _public_offer(code)
        return
    st.markdown(escape_md(f"Territoire : {form.territory}"))
    sent = st.session_state.get(LINK_SENT_KEY)
    if sent == value:
        with st.container(key="q_confirmation"):
            st.success(f"**Merci, votre réponse est envoyée.** L'équipe du recensement la relit, puis met à jour la "
                       f"fiche de « {escape_md(form.name)} ». Vous pouvez encore la corriger par ce lien jusqu'au "
                       f"{cm.french_date(form.ends_on)} : une nouvelle réponse remplace la précédente.",
                       icon=":material/check_circle:")
        st.button("Corriger ma réponse", key="q_link_again", on_click=lambda: st.session_state.pop(LINK_SENT_KEY))
        return
    communes = _communes(form.members)
    # Filled in for this link (every field again when the session opened another link before); a field's value
    # Streamlit dropped (a run that stopped before drawing the form) is filled in again, what the person typed kept.
    _prefill(form.record or {"name": form.name}, communes, every=st.session_state.get(PREFILLED_KEY) != value)
    st.session_state[PREFILLED_KEY] = value
    if form.record is None:
        st.warning(escape_md(f"« {form.name} » n'est plus dans la dernière version du recensement : votre réponse y "
                             "sera ajoutée comme un nouvel acteur, après relecture par l'équipe du recensement."),
                   icon=":material/info:")
    else:
        st.markdown(escape_md(
            f"Voici la fiche de « {form.name} » telle que le recensement la connaît. Corrigez ce qui a changé (ou "
            f"rien), puis cliquez sur « Envoyer » : l'équipe du recensement relira votre réponse avant de mettre la "
            f"fiche à jour. Ce lien est personnel ; il sert jusqu'au {cm.french_date(form.ends_on)}."))
    if form.pending:
        st.info("Vous avez déjà répondu : une nouvelle réponse remplacera la précédente, pas encore relue.",
                icon=":material/info:")
    problems = st.session_state.get(q_ui.PROBLEMS_KEY)
    if problems:
        with st.container(key="q_problems"):
            lines = "\n".join(f"- **{escape_md(label)}** : {escape_md(msg)}" for _, label, msg in problems)
            st.error(f"**Votre réponse n'est pas encore envoyée :**\n\n{lines}", icon=":material/error:")
    q_ui._form(code, communes, _FormView(form))


class _FormView:
    """What nrdash.ui.personal_form._form reads of the territory's form."""

    def __init__(self, form):
        self.name, self.retention_months = form.territory, form.retention_months
        self.contact_email = form.contact_email
        self.open = True


def _communes(members) -> dict[str, str]:
    geo = source.geography()[0]
    if geo is None or not members:
        return {}
    names = geo.names
    found = {c: names[c] for c in members if c in names}
    return dict(sorted(found.items(), key=lambda kv: ref.norm_key(kv[1])))


def record_values(record: dict, communes: dict[str, str]) -> dict:
    """The form's fields (session keys) for the actor's public record (never its referent nor contact: the actor
    may give new ones)."""
    insee, commune = record.get("insee"), record.get("commune")
    if insee in communes:
        where = (insee, "")
    elif commune:
        where = (quest.OTHER_COMMUNE, str(commune))
    else:
        where = (None, "")
    local = record.get("is_local")
    return {"q_name": record.get("name") or "", "q_siret": record.get("siret") or "",
            "q_actor_type": record.get("type") if record.get("type") in ref.TYPES else None,
            "q_commune": where[0], "q_commune_text": where[1],
            "q_is_local": None if local is None else ("oui" if local else "non"),
            "q_action_types": [a for a in record.get("action_types") or () if a in ref.ACTION_TYPES],
            "q_dimensions": [d for d in record.get("dimensions") or () if d in ref.NR_DIMENSIONS],
            "q_actions_text": record.get("description") or "",
            "q_level": record.get("level") if record.get("level") in ref.LEVELS else None,
            "q_referent": "", "q_contact": "", "q_consent": False}


def _prefill(record: dict, communes: dict[str, str], every: bool) -> None:
    """The form's fields set to the record's values: all of them (``every``), else those the session lacks."""
    state = st.session_state
    for key, value in record_values(record, communes).items():
        if every or key not in state:
            state[key] = value


def send(code: str, communes: dict[str, str]) -> None:
    """« Envoyer » of a personal link's form: checked, then stored as an update of its actor (no time rule: its
    holder was written to)."""
    from . import personal_form as q_ui

    state = st.session_state
    state.pop(q_ui.PROBLEMS_KEY, None)
    raw = q_ui._raw()
    answer, problems = quest.validate(raw, communes, personal_link=True)
    if problems:
        state[q_ui.PROBLEMS_KEY] = [(p.field, p.label, p.message) for p in problems]
        return
    if quest.trapped(raw):  # the hidden field: a robot, told it was sent, nothing stored
        state[LINK_SENT_KEY] = token()
        return
    try:
        source.store().submit_update(principal(token()), code, answer)
    except StoreError as exc:
        state[q_ui.PROBLEMS_KEY] = [("send", "Envoi", str(exc))]
        return
    state[LINK_SENT_KEY] = token()
    state.pop(PREFILLED_KEY, None)  # filled again from the record if the person comes back


def _refusal(code: str, value: str) -> None:
    s = source.store()
    try:
        name = s.questionnaire_form(Principal.anonymous(source.client()), code).name
    except StoreError:
        name = code
    if st.session_state.get(REFUSED_KEY) == value:
        st.success(escape_md(f"C'est noté : vous ne recevrez plus de courriels du recensement des acteurs du "
                             f"Numérique responsable de {name}. Seule une empreinte chiffrée de votre adresse est "
                             "gardée, pour respecter ce choix."), icon=":material/check_circle:")
        return
    st.subheader("Ne plus recevoir ces courriels", anchor=False)
    st.markdown(escape_md(f"{name} vous a écrit au sujet du recensement des acteurs du Numérique responsable de son "
                          "territoire. Confirmez pour ne plus recevoir ces courriels, de cette campagne comme des "
                          "suivantes."))

    def refuse() -> None:
        try:
            s.refuse_emails(principal(value), code)
        except StoreError as exc:
            st.session_state["q_link_refusal_error"] = str(exc)
            return
        st.session_state[REFUSED_KEY] = value

    error = st.session_state.pop("q_link_refusal_error", None)
    if error:
        st.error(escape_md(error), icon=":material/error:")
    st.button("Ne plus recevoir ces courriels", type="primary", key="q_refuse", on_click=refuse)


# ---------------------------------------------------------------------------------------------
# The review queue (editors)
# ---------------------------------------------------------------------------------------------
ACTIONS = {"update": "Mettre à jour la fiche de l'acteur avec les champs cochés",
           "accept": "L'ajouter comme nouvel acteur", "reject": "La refuser"}


def review(sub, actors, action_key: str, target_key: str) -> list[str]:
    """An answer through a personal link: the update of its actor, field by field against its current record (by
    its identifier, never by a name); returns the choices offered."""
    import numpy as np

    a = sub.answer
    found = np.flatnonzero(actors["actor_id"].to_numpy(dtype=object) == sub.actor_id) \
        if "actor_id" in actors else []
    if not len(found):
        st.warning(escape_md(f"Réponse par lien personnel d'un acteur qui n'est plus dans la dernière version "
                             f"(identifiant {sub.actor_id}) : elle arrive comme un nouvel acteur."),
                   icon=":material/person_add:")
        return ["accept", "reject"]
    actor = actors.iloc[int(found[0])].to_dict()
    st.session_state[f"{target_key}_{sub.id}"] = sub.match_ref
    st.session_state[f"q_actor_{sub.id}"] = sub.actor_id
    diffs = quest.differences(a, actor)
    st.info(escape_md(f"Mise à jour par lien personnel de « {actor.get('name')} » (identifiant {sub.actor_id}) : "
                      "l'acteur a reçu ce lien, la réponse est la sienne."), icon=":material/link:")
    if diffs:
        st.markdown("**Ce qui change par rapport à la fiche actuelle** (cochez ce qui est repris ; la « Date de mise "
                    "à jour » devient celle du jour) :")
        for f, label, new, old in diffs:
            key = f"q_field_{sub.id}_{f}"
            st.session_state.setdefault(key, True)
            st.checkbox(escape_md(f"{label} : « {new} » au lieu de « {old} »"), key=key)
    else:
        st.caption("Aucun changement : l'acteur confirme sa fiche. L'accepter met à jour sa « Date de mise à jour ».")
    st.session_state.setdefault(f"{action_key}_{sub.id}", "update")
    return ["update", "accept", "reject"]
