"""The actors' questionnaire as the public sees it: one HTML page written by the server (nrdash.web.public), no
Streamlit, no script, native form controls. What the form asks, checks and stores is nrdash.questionnaire's; here
are only the page (pure functions: values in, HTML out) and the reading of what the browser sent.

Why not a Streamlit page: a form of fifteen Streamlit widgets costs a first visit about 110 requests and 440 page
elements (EcoIndex D 55); the public pages must be light (B at least, issue 29) and work on any phone. This page
weighs a few kilobytes, in one request.

Accessibility: every control has its label; the required ones say so in their label; after « Envoyer » the list of
what is wrong comes first, announced (role alert) and given the focus (autofocus), each item a link to its field,
and each field says its own problem (aria-describedby, aria-invalid).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from html import escape
from typing import Any, Mapping
from urllib.parse import parse_qs, quote

from .. import questionnaire as quest
from .. import referential as ref
from ..fields import SIRET_EXAMPLE
from ..text import count_noun

TITLE = "Questionnaire des acteurs du Numérique responsable"
PATH = "questionnaire"  # relative to the app's root
TERRITORY_PARAM = "territoire"
MAX_FORM_BYTES = 256 * 1024  # a field too long is said by the check (questionnaire.validate), not cut here
LIST_FIELDS = ("action_types", "needs")
_KEY_LABEL = b"nrdash questionnaire start v1"
clock = time.time  # the start time's clock: the wall clock (a signed start may outlive a process); tests replace it

INCOMPLETE = ("Ce lien de questionnaire est incomplet : il doit nommer le territoire "
              "(…/questionnaire?territoire=CODE). Demandez le lien à l'équipe du recensement.")
UNKNOWN = "Ce questionnaire n'existe pas sur ce serveur : vérifiez le lien reçu."
CLOSED = "Ce questionnaire est fermé : il n'accepte plus de réponses. Merci de votre intérêt."
TOO_FAST = ("Le formulaire a été envoyé très vite après son ouverture : relisez vos réponses, patientez quelques "
            "secondes, puis cliquez de nouveau sur « Envoyer ».")
FORBIDDEN = ("Envoi refusé : il ne vient pas d'une page de ce site. Rouvrez le lien du questionnaire et "
             "réessayez.")
TOO_LARGE = "Envoi refusé : le formulaire est trop volumineux (un texte est beaucoup trop long)."
SENT = "Merci, votre réponse est envoyée."
SENT_DETAIL = "L'équipe du recensement la lira ; elle vous contactera si besoin."
KNOWN = ("Le recensement connaît déjà une structure de ce nom : l'équipe vérifiera s'il s'agit de la vôtre et "
         "mettra sa fiche à jour.")


# -- the start time, signed (a robot posts at once) ----------------------------------------------------------
def _key(secret: str) -> bytes:
    return hmac.new(str(secret).encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def start_token(secret: str, territory: str, now: float | None = None) -> str:
    """When the form was shown, signed: sent back with the answer to tell a person from a robot."""
    stamp = f"{territory}:{int((clock() if now is None else now) * 1000)}"
    mac = hmac.new(_key(secret), stamp.encode("utf-8"), hashlib.sha256).digest()[:16]
    return f"{stamp}:{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def elapsed_since(token: str | None, secret: str, territory: str, now: float | None = None) -> float | None:
    """Seconds since the form was shown, or None when the token is missing, forged or for another territory."""
    try:
        code, millis, mac = (token or "").rsplit(":", 2)
        stamp = f"{code}:{int(millis)}"
    except ValueError:
        return None
    expected = start_token(secret, code, int(millis) / 1000).rsplit(":", 1)[1]
    if code != territory or not hmac.compare_digest(mac, expected):
        return None
    return (clock() if now is None else now) - int(stamp.rsplit(":", 1)[1]) / 1000


# -- what the browser sent ------------------------------------------------------------------------------------
def read_form(body: bytes) -> dict[str, Any]:
    """The posted fields as nrdash.questionnaire.validate reads them (lists for the boxes ticked, the level as
    a number)."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    raw: dict[str, Any] = {k: v[0] for k, v in fields.items() if k not in LIST_FIELDS}
    for k in LIST_FIELDS:
        raw[k] = fields.get(k, [])
    level = raw.get("level")
    raw["level"] = int(level) if isinstance(level, str) and level.isdigit() and len(level) == 1 else level
    raw["consent"] = bool(raw.get("consent"))
    return raw


# -- the page -------------------------------------------------------------------------------------------------
def action(territory: str) -> str:
    return f"{PATH}?{TERRITORY_PARAM}={quote(territory, safe='')}"


def message_page(message: str, kind: str = "erreur") -> str:
    """The page's body when there is no form to show: why."""
    role = ' role="alert"' if kind == "erreur" else ""
    return f'<h1>{TITLE}</h1><div class="{kind}"{role}><p>{escape(message)}</p></div>'


def sent_page(territory_name: str, territory: str, known: bool) -> str:
    extra = f'<div class="info"><p>{escape(KNOWN)}</p></div>' if known else ""
    return (f"<h1>{TITLE}</h1><p>Territoire : {escape(territory_name)}</p>"
            f'<div class="ok" role="status"><p><strong>{escape(SENT)}</strong> {escape(SENT_DETAIL)}</p></div>'
            f'{extra}<p><a href="{escape(action(territory))}">Envoyer une autre réponse</a></p>')


def _problems_of(problems) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.field, p.message)
    return out


def form_page(territory: str, territory_name: str, communes: Mapping[str, str], retention_months: int,
              token: str, values: Mapping[str, Any] | None = None, problems=(), contact_email: str | None = None) -> str:
    """The form (``values``: what was sent, shown again with ``problems``, nrdash.questionnaire.Problem;
    ``contact_email``: the territory's contact address, which the consent gives for an erasure, issue 25)."""
    values = values or {}
    wrong = _problems_of(problems)
    labels = {k: v[0] for k, v in quest.TEXT_FIELDS.items()}

    def described(key: str) -> str:
        """A field with a problem says it (the hints are in the labels: read with the name)."""
        return f' aria-describedby="erreur-{key}" aria-invalid="true"' if key in wrong else ""

    def problem(*keys: str) -> str:
        return "".join(f'<p class="erreur" id="erreur-{k}">{escape(wrong[k])}</p>' for k in keys if k in wrong)

    def text(key: str, label: str, *, required: bool = False, hint: str | None = None, area: bool = False,
             autocomplete: str | None = None, inputmode: str | None = None) -> str:
        value = str(values.get(key) or "")
        mark = " *" if required else ""
        help_text = f' <span class="aide">{escape(hint)}</span>' if hint else ""
        attrs = f' id="champ-{key}" name="{key}"{described(key)}'
        attrs += f' autocomplete="{autocomplete}"' if autocomplete else ""
        attrs += f' inputmode="{inputmode}"' if inputmode else ""
        attrs += " required" if required else ""
        control = (f"<textarea{attrs} rows=\"4\">{escape(value)}</textarea>" if area
                   else f'<input type="text"{attrs} value="{escape(value)}">')
        return f'<label for="champ-{key}">{escape(label)}{mark}{help_text}</label>{control}{problem(key)}'

    def options(pairs, chosen: str) -> str:
        return "".join(f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(t)}</option>'
                       for v, t in pairs)

    def boxes(key: str, legend: str, choices, kind: str = "checkbox", required: bool = False) -> str:
        chosen = values.get(key)
        chosen = {str(c) for c in chosen} if isinstance(chosen, (list, tuple)) else {str(chosen)}
        items = "".join(f'<label><input type="{kind}" name="{key}" value="{escape(str(v))}"'
                        f'{" checked" if str(v) in chosen else ""}{described(key) if kind == "radio" else ""}>'
                        f"{escape(t)}</label>" for v, t in choices)
        mark = " *" if required else ""
        return (f'<fieldset id="champ-{key}"><legend>{escape(legend)}{mark}</legend>{items}</fieldset>'
                f"{problem(key)}")

    summary = ""
    if problems:
        items = "".join(f'<li><a href="#champ-{escape(p.field)}">{escape(p.label)}</a> : {escape(p.message)}</li>'
                        if p.field != "send" else f"<li>{escape(p.message)}</li>" for p in problems)
        summary = (f'<div class="erreur" role="alert" id="problemes" tabindex="-1" autofocus><p>Votre réponse '
                   f"n'est pas encore envoyée ({count_noun(len(problems), 'point')} à corriger) :</p>"
                   f"<ul>{items}</ul></div>")
    types = []
    for family in ref.FAMILIES:
        members = [t for t in ref.TYPES if ref.FAMILY_OF_TYPE[t] == family]
        types.append(f'<optgroup label="{escape(family)}">'
                     + options([(t, quest.type_label(t)) for t in members], str(values.get("actor_type") or "")) + "</optgroup>")
    commune_choices = [("", "Choisir une commune"), *communes.items(),
                       (quest.OTHER_COMMUNE, "Autre commune (écrite ci-dessous)")]
    levels = [(n, f"{ref.level_label(n)} : {quest.LEVEL_HINTS[n]}") for n in ref.LEVELS]
    consent = quest.consent_text(territory_name, int(retention_months), contact_email)
    consent_checked = " checked" if values.get("consent") else ""
    fields_wrong = [p for p in problems if p.field != "send"]
    beside_button = (f'<p class="erreur">Réponse non envoyée : {count_noun(len(fields_wrong), "point")} à corriger, '
                     f"signalé{'s' if len(fields_wrong) > 1 else ''} en haut du formulaire et sous chaque champ "
                     "concerné.</p>" if fields_wrong else "")  # on a phone the list at the top is out of sight
    return (
        f"<h1>{TITLE}</h1><p>Territoire : {escape(territory_name)}</p>{summary}"
        "<p>Ce questionnaire recense les structures du territoire qui agissent, ou veulent agir, pour le "
        f"{ref.NR_WORDS} (NR), c'est-à-dire un numérique plus sobre et plus responsable, et leurs besoins. Il prend "
        "environ cinq minutes. Les champs marqués d'un astérisque (*) sont obligatoires.</p>"
        f'<form method="post" action="{escape(action(territory))}" accept-charset="utf-8" novalidate>'
        f'<input type="hidden" name="debut" value="{escape(token)}">'
        "<h2>Votre structure</h2>"
        + text("name", labels["name"], required=True, autocomplete="organization")
        + text("siret", "SIRET (facultatif)", hint=f"14 chiffres, par exemple {SIRET_EXAMPLE}", inputmode="numeric")
        + f'<label for="champ-actor_type">Type d\'acteur *</label><select id="champ-actor_type" name="actor_type" '
          f'required{described("actor_type")}><option value="">Choisir un type</option>{"".join(types)}</select>'
        + problem("actor_type")
        + f'<label for="champ-commune">Commune</label><select id="champ-commune" name="commune"'
          f'{described("commune")}>{options(commune_choices, str(values.get("commune") or ""))}</select>'
        + problem("commune")
        + text("commune_text", labels["commune_text"] + " (si elle n'est pas dans la liste)")
        + boxes("is_local", "Votre structure est-elle implantée sur le territoire ?", [("oui", "oui"), ("non", "non")],
                "radio")
        + "<h2>Vos actions</h2>"
        + boxes("action_types", "Actions de Numérique responsable déjà menées", [(a, a) for a in ref.ACTION_TYPES])
        + text("actions_text", labels["actions_text"], area=True, hint="En quelques phrases")
        + boxes("level", "Niveau d'engagement", levels, "radio", required=True)
        + "<h2>Vos besoins</h2>"
        + boxes("needs", "De quoi auriez-vous besoin pour agir davantage ?", [(n, n) for n in quest.NEEDS])
        + text("needs_text", labels["needs_text"], area=True)
        + "<h2>La personne à contacter</h2>"
        + text("referent", labels["referent"], required=True, autocomplete="name")
        + text("contact", labels["contact"], required=True, autocomplete="email")
        + '<div class="piege" aria-hidden="true"><label for="champ-website">Site web (laissez ce champ vide)</label>'
          '<input type="text" id="champ-website" name="website" tabindex="-1" autocomplete="off"></div>'
        + f'<p><label><input type="checkbox" id="champ-consent" name="consent" value="oui"{consent_checked}'
          f'{described("consent")}>{escape(consent)} *</label></p>{problem("consent")}'
        + problem("send") + beside_button
        + "<button type=\"submit\">Envoyer</button></form>")
