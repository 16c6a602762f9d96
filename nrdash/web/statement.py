"""The accessibility statement (RGAA model: conformance state, what was checked, what is not accessible and how to
get round it, contact, recourse, multi-year plan) and the sobriety statement (what each page weighs, as measured by
``python benchmarks/audit.py`` and written in benchmarks/audit.json), on one page: nrdash.web.public serves it at
/accessibilite, every page links to it. Pure: no Streamlit, no server.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from .webpage import scrolling_table

ROOT = Path(__file__).resolve().parents[2]
AUDIT_FILE = ROOT / "benchmarks" / "audit.json"  # written by benchmarks/audit.py, committed
CONTACT_VARIABLE = "NRDASH_CONTACT_EMAIL"
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")
DEFENSEUR_FORM = "https://formulaire.defenseurdesdroits.fr/"
DEFENSEUR_DELEGATES = "https://www.defenseurdesdroits.fr/carte-des-delegues"
RGAA = "RGAA 4.1.2"
STATEMENT_DATE = "6 décembre 2026"


@dataclass(frozen=True)
class Check:
    date: str  # JJ/MM/AAAA
    what: str
    result: str


# The checks made by hand, with their date (docs/developpement.md, « Vérifications faites à la main », says how).
MANUAL_CHECKS: tuple[Check, ...] = (
    Check("06/12/2026", "Toutes les pages au clavier seul (Tab, Maj+Tab, Entrée, Échap), dont les trois fenêtres "
          "« Filtres », « Choisir le territoire » et « Charger un recensement »",
          "focus visible partout ; chaque fenêtre reçoit le focus à l'ouverture et le rend à son bouton"),
    Check("06/12/2026", "Ce que lit un lecteur d'écran (arbre d'accessibilité de Chromium) sur chaque page, le "
          "questionnaire public compris", "tout en français ; chaque graphique a un nom et une description"),
    Check("06/12/2026", "Questionnaire public et déclaration à 390 px de large et zoom à 200 %",
          "aucun défilement horizontal ; tout reste lisible et utilisable"),
    Check("06/12/2026", "Langue de chaque page, titres de page, hiérarchie des titres",
          "lang=\"fr\" ; un titre h1 par page ; titres de page explicites"),
    Check("06/12/2026", "Contrastes des textes, des graphiques et du mode atelier à fort contraste",
          "4,5:1 au moins pour le texte (tests automatiques des couleurs)"),
)

AUTOMATIC_CHECKS = (
    "axe-core (règles WCAG 2.1 AA) sur chaque page, à chaque intégration : aucune violation grave ou critique ;",
    "aucun mot anglais vu ou lu par un lecteur d'écran, sur chaque page (texte visible et arbre d'accessibilité) ;",
    "chaque graphique est une figure nommée (titre et filtres) et décrite par la phrase qui donne ses chiffres ;",
    "les fenêtres surgissantes au clavier (Tab, Maj+Tab, Échap) ;",
    "contrastes des couleurs des graphiques et du texte ; formulaire de connexion et questionnaire sans "
    "violation grave.",
)

# Known non-conformities, each with the way round it.
NOT_ACCESSIBLE: tuple[tuple[str, str], ...] = (
    ("Les graphiques se filtrent d'un clic sur une barre ; ce clic n'existe pas au clavier.",
     "Les mêmes filtres sont dans le panneau « Filtres » (barre latérale) ; les chiffres de chaque graphique sont "
     "écrits dans la phrase sous le graphique et dans « Données du graphique »."),
    ("La carte interactive (page Carte) ne se parcourt ni au clavier ni au lecteur d'écran : un acteur ne s'y "
     "choisit qu'à la souris.",
     "La phrase sous la carte la décrit ; la page Recensement liste tous les acteurs avec leur commune, la "
     "recherche d'un acteur ouvre sa fiche ; le rapport HTML contient une carte statique et la liste."),
    ("Les grands tableaux interactifs (pages Recensement, Suivi, Questionnaire) sont dessinés dans un canevas : "
     "un lecteur d'écran les lit mal.",
     "Chaque tableau se télécharge (CSV, XLSX) ; le rapport HTML les donne en tableaux simples."),
    ("Une partie de l'interface vient du cadriciel Streamlit : ses textes sont traduits en français par nrdash, "
     "mais un message d'erreur technique rare (perte de connexion) peut rester en anglais.",
     "Rechargez la page ; le message n'empêche rien d'autre."),
)
EXEMPTED = ("Le fond de carte « Carto (en ligne) », proposé en option sur la page Carte, vient d'un service tiers "
            "(CARTO / OpenStreetMap) : son contenu n'est pas de la responsabilité de nrdash. Le fond par défaut, "
            "hors ligne, n'en dépend pas.")
PLAN = ("Schéma pluriannuel : nrdash est un logiciel libre que chaque collectivité installe ; le schéma pluriannuel "
        "de mise en accessibilité et son plan annuel sont ceux de la collectivité qui exploite ce serveur. Pour "
        "nrdash lui-même sont prévus : un audit complet du RGAA sur l'échantillon représentatif de pages (avec un "
        "taux de conformité, qui n'est pas annoncé ici faute d'audit), le filtrage des graphiques au clavier, un "
        "parcours de la carte au clavier et une lecture des tableaux sans canevas.")

WHAT_NRDASH_DOES = (
    "aucune requête vers un autre site : polices, scripts et géographie sont servis par le serveur lui-même, sans "
    "outil de mesure d'audience ;",
    "une version réduite de plotly.js (quatre types de graphiques) et des polices réduites aux caractères "
    "affichés ;",
    "la compression Brotli ou gzip de tout ce qui est envoyé, et la mise en cache par le navigateur ;",
    "pas de serveur de tuiles par défaut : la carte se dessine hors ligne, le fond Carto en ligne est une option ;",
    "le questionnaire public et cette déclaration sont des pages HTML simples, sans script ;",
    "le rapport est un seul fichier HTML qui se lit sans réseau.",
)
WHAT_A_TERRITORY_CAN_DO = (
    "projeter le tableau de bord en mode atelier plutôt que d'imprimer : une seule page à la fois, les chiffres "
    "lisibles du fond de la salle ;",
    "travailler hors ligne : le tableau de bord tourne sur un ordinateur portable sans réseau, la carte sans fond "
    "en ligne ; le rapport HTML se joint au document de stratégie sans autre fichier ;",
    "garder le recensement dans un seul classeur versionné plutôt que dans des copies envoyées par courriel ;",
    "héberger nrdash sur un serveur déjà en service de la collectivité, plutôt que d'en ajouter un.",
)


def contact_email(value: str | None = None) -> str | None:
    """NRDASH_CONTACT_EMAIL: the address to which people write about accessibility (and the instance)."""
    if value is None:
        value = os.environ.get(CONTACT_VARIABLE, "")
    value = value.strip()
    if not value:
        return None
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{CONTACT_VARIABLE}={value!r} : ce n'est pas une adresse électronique (attendu : "
                         "nom@domaine.fr).")
    return value


def load_audit(path: Path = AUDIT_FILE) -> dict | None:
    """The last measure of every page (benchmarks/audit.py), or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pages"), list) else None


def _mail(address: str) -> str:
    return f'<a href="mailto:{escape(quote(address, safe="@.+-_"))}">{escape(address)}</a>'


def _number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def sobriety_table(audit: dict | None) -> str:
    if not audit:
        return ("<p>Aucune mesure n'accompagne cette installation (fichier benchmarks/audit.json absent) : lancez "
                "<code>python benchmarks/audit.py</code>.</p>")
    rows = "".join(
        f"<tr><td>{escape(str(p.get('title', '')))}</td><td>{escape(str(p.get('grade', '')))} "
        f"({_number(float(p.get('score', 0)))})</td><td class=\"n\">{_number(float(p.get('requests', 0)))}</td>"
        f"<td class=\"n\">{_number(float(p.get('kb', 0)))}</td><td class=\"n\">{_number(float(p.get('dom', 0)))}"
        "</td></tr>" for p in audit["pages"])
    when = escape(str(audit.get("measured", "")))
    return (scrolling_table("Poids de chaque page", "<table><caption>Poids de chaque page à la première visite, "
                            "mesuré le " + when + "</caption>"
            "<thead><tr><th scope=\"col\">Page</th><th scope=\"col\">EcoIndex (note sur 100)</th>"
            "<th scope=\"col\">Requêtes</th><th scope=\"col\">Ko transférés</th><th scope=\"col\">Éléments de la "
            "page</th></tr></thead><tbody>" + rows + "</tbody></table>") +
            "<p class=\"aide\">Mesure : navigateur Chromium sans cache, fenêtre de 1920 × 1080, recensement "
            "d'exemple, comme la mesurent les outils de référence de l'EcoIndex (requêtes et octets transférés, "
            "éléments de la page hors dessins SVG) ; commande <code>python benchmarks/audit.py</code>. Le "
            "seuil : 60 au moins sur chaque page, 70 (B) sur les pages ouvertes au public.</p>")


def body(contact: str | None, territory_name: str | None = None, territory_contact: str | None = None,
         audit: dict | None = None) -> str:
    """The statement page's content (HTML, every value escaped)."""
    who = ("La collectivité qui exploite ce serveur nrdash"
           + (f" (ici pour le territoire « {escape(territory_name)} »)" if territory_name else ""))
    contacts = []
    if territory_contact:
        contacts.append(f"l'équipe du territoire « {escape(territory_name or '')} » : {_mail(territory_contact)}")
    if contact:
        contacts.append(f"le responsable de ce serveur : {_mail(contact)}")
    contact_text = ("<ul>" + "".join(f"<li>{c}</li>" for c in contacts) + "</ul>" if contacts else
                    "<p>Aucune adresse de contact n'est encore indiquée pour ce serveur (réglage "
                    f"<code>{CONTACT_VARIABLE}</code>) : adressez-vous à la collectivité qui vous a donné le lien.</p>")
    manual = "".join(f"<tr><td>{escape(c.date)}</td><td>{escape(c.what)}</td><td>{escape(c.result)}</td></tr>"
                     for c in MANUAL_CHECKS)
    blocked = "".join(f"<li><p>{escape(what)}</p><p><strong>Pour y accéder autrement :</strong> {escape(how)}</p></li>"
                      for what, how in NOT_ACCESSIBLE)
    return (
        "<h1>Déclaration d'accessibilité</h1>"
        f"<p>{who} s'engage à rendre ses services numériques accessibles, conformément à l'article 47 de la loi "
        "n° 2005-102 du 11 février 2005. Cette déclaration d'accessibilité s'applique au tableau de bord nrdash "
        "(stratégie Numérique responsable du territoire) et à son questionnaire des acteurs.</p>"
        "<h2>État de conformité</h2>"
        f"<p>nrdash est <strong>non conforme</strong> avec le {RGAA} (référentiel général d'amélioration de "
        "l'accessibilité) : aucun audit complet de conformité n'a encore été réalisé. Aucun taux de conformité n'est "
        "donc annoncé. Les non-conformités connues sont listées ci-dessous avec le moyen de les contourner.</p>"
        "<h2>Ce qui a été vérifié</h2>"
        "<h3>Vérifications automatiques, à chaque modification du logiciel</h3>"
        "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in AUTOMATIC_CHECKS) + "</ul>"
        "<h3>Vérifications à la main</h3>"
        + scrolling_table("Vérifications à la main", "<table><thead><tr><th scope=\"col\">Date</th>"
                          "<th scope=\"col\">Vérification</th><th scope=\"col\">Constat</th></tr></thead>"
                          f"<tbody>{manual}</tbody></table>") +
        "<h2>Contenus non accessibles</h2><h3>Non-conformités connues</h3>"
        f"<ul>{blocked}</ul>"
        f"<h3>Contenus non soumis à l'obligation d'accessibilité</h3><p>{escape(EXEMPTED)}</p>"
        "<h2>Établissement de cette déclaration</h2>"
        f"<p>Cette déclaration a été établie le {STATEMENT_DATE}. Technologies utilisées : HTML, CSS, JavaScript "
        "(Streamlit, Plotly, deck.gl). Environnement de test : Chromium (Debian) avec axe-core, sur un poste "
        "Linux ; la liste des vérifications et leur méthode sont dans la documentation de nrdash "
        "(docs/developpement.md, « Vérifications faites à la main »).</p>"
        "<h2>Retour d'information et contact</h2>"
        "<p>Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez écrire pour être orienté vers "
        "une solution accessible ou obtenir le contenu sous une autre forme (le recensement, ses chiffres et le "
        "rapport peuvent être envoyés en tableur ou en texte) :</p>" + contact_text +
        "<h2>Voies de recours</h2>"
        "<p>Si vous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service "
        "et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez :</p><ul>"
        f"<li>écrire un message au <a href=\"{DEFENSEUR_FORM}\">Défenseur des droits</a> ;</li>"
        f"<li>contacter <a href=\"{DEFENSEUR_DELEGATES}\">le délégué du Défenseur des droits dans votre région</a> ;"
        "</li><li>envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, "
        "Libre réponse 71120, 75342 Paris CEDEX 07.</li></ul>"
        f"<h2>Schéma pluriannuel</h2><p>{escape(PLAN)}</p>"
        "<h2 id=\"sobriete\">Déclaration de sobriété numérique</h2>"
        "<p>L'outil d'une stratégie Numérique responsable doit lui-même rester léger. Voici ce que pèse chaque page "
        "à la première visite, mesuré :</p>" + sobriety_table(audit) +
        "<h3>Ce que fait nrdash pour rester léger</h3>"
        "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in WHAT_NRDASH_DOES) + "</ul>"
        "<h3>Ce que peut faire un territoire</h3>"
        "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in WHAT_A_TERRITORY_CAN_DO) + "</ul>"
        "<p><a href=\"./\">Revenir au tableau de bord</a></p>")
