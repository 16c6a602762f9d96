"""The ANCT kit's vocabulary, defined once.

Every other module and page takes names, labels, orders and colours of the kit from here
(``../shared/DOMAIN.md`` is the functional reference). Nothing of this vocabulary is re-typed elsewhere.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# ---------------------------------------------------------------------------------------------
# Actor typology: families -> types
# ---------------------------------------------------------------------------------------------
PUBLIC = "Acteurs publics & semi-publics"
ASSOCIATIONS = "Organismes associatifs"
COMPANIES = "Entreprises"
CITIZENS = "Citoyens"
FAMILIES: tuple[str, ...] = (PUBLIC, ASSOCIATIONS, COMPANIES, CITIZENS)

ADMINISTRATION = "Administration de la collectivité"
PARTNER = "Partenaire ou financeur"
NON_RESIDENTS = "Non-résidents"
OTHER_TYPE = "Autre"

TYPES_BY_FAMILY: dict[str, tuple[str, ...]] = {
    PUBLIC: (
        "Élus",
        "Universités",
        "Hôpitaux",
        "Institutions publiques / nationales",
        "Directions du développement économique",
        "Commissions consultatives des acteurs économiques",
        "Région",
        "Département",
        "Commune",
        ADMINISTRATION,
        PARTNER,
    ),
    ASSOCIATIONS: ("Associations du NR", "Autres associations"),
    COMPANIES: (
        "PME",
        "ETI",
        "Grandes entreprises",
        "Entreprises du NR",
        "Entreprises du numérique",
        "Entreprises des services de l'environnement",
        "Autres entreprises",
    ),
    CITIZENS: ("Habitants", NON_RESIDENTS),
}
TYPES: tuple[str, ...] = tuple(t for types in TYPES_BY_FAMILY.values() for t in types)
FAMILY_OF_TYPE: dict[str, str] = {t: f for f, types in TYPES_BY_FAMILY.items() for t in types}

# Longer wordings met in real censuses and in the kit itself, mapped to the canonical type.
TYPE_ALIASES: dict[str, str] = {
    "Élu": "Élus",
    "Élus locaux": "Élus",
    "Université": "Universités",
    "Enseignement supérieur": "Universités",
    "Hôpital": "Hôpitaux",
    "Centre hospitalier": "Hôpitaux",
    "Institutions publiques": "Institutions publiques / nationales",
    "Institution publique": "Institutions publiques / nationales",
    "Institutions nationales": "Institutions publiques / nationales",
    "Institution nationale": "Institutions publiques / nationales",
    "Direction du développement économique": "Directions du développement économique",
    "Commission consultative des acteurs économiques": "Commissions consultatives des acteurs économiques",
    "Conseil régional": "Région",
    "Conseil départemental": "Département",
    "Mairie": "Commune",
    "Autre collectivité": "Commune",
    "Administration": ADMINISTRATION,
    "Services de la collectivité": ADMINISTRATION,
    "Partenaire": PARTNER,
    "Financeur": PARTNER,
    "Partenaires et financeurs": PARTNER,
    "Association du NR": "Associations du NR",
    "Associations dans le Numérique Responsable": "Associations du NR",
    "Association du Numérique responsable": "Associations du NR",
    "Associations de la seconde vie": "Associations du NR",
    "Autre association": "Autres associations",
    "Association": "Autres associations",
    "Grande entreprise": "Grandes entreprises",
    "Entreprise du NR": "Entreprises du NR",
    "Entreprises dans le Numérique Responsable": "Entreprises du NR",
    "Entreprise du Numérique responsable": "Entreprises du NR",
    "Entreprises de la seconde vie": "Entreprises du NR",
    "Entreprise du numérique": "Entreprises du numérique",
    "Entreprise des services de l'environnement": "Entreprises des services de l'environnement",
    "Autre entreprise": "Autres entreprises",
    "Habitant": "Habitants",
    "Tout habitant du territoire": "Habitants",
    "Non-résident": NON_RESIDENTS,
    "Non résidents": NON_RESIDENTS,
    "Touristes": NON_RESIDENTS,
}
FAMILY_ALIASES: dict[str, str] = {
    "Acteurs publics": PUBLIC,
    "Acteurs publics et semi-publics": PUBLIC,
    "Public": PUBLIC,
    "Associations": ASSOCIATIONS,
    "Association": ASSOCIATIONS,
    "Associatif": ASSOCIATIONS,
    "Entreprise": COMPANIES,
    "Citoyen": CITIZENS,
}

# ---------------------------------------------------------------------------------------------
# Engagement levels: one ordered scale, one palette, used identically everywhere
# ---------------------------------------------------------------------------------------------
LEVELS: dict[int, str] = {
    0: "Non impliqué",
    1: "Sensibilisé au NR",
    2: "Acteur du NR",
    3: "Leader du NR",
}
# Sequential, colour-blind-safe (ColorBrewer YlGnBu end points darkened so that every step keeps
# a 3:1 contrast against white for graphical objects, RGAA 3.3 / WCAG 1.4.11).
LEVEL_COLORS: dict[int, str] = {0: "#8c8c8c", 1: "#41b6c4", 2: "#1d75b3", 3: "#0b2a6b"}
LEVEL_MISSING_COLOR = "#d9d9d9"
# Neutral sequential scale for counts, light -> dark (Streamlit's theme.chartSequentialColors, .streamlit/config.toml):
# a warm grey in ten even steps of lightness (CIELAB L* 95 -> 18, one hue, so it reads the same with any colour
# vision), with no blue in it, so that a count is never taken for an engagement level.
COUNT_SEQUENTIAL_COLORS: tuple[str, ...] = ("#f9efe5", "#e0d7cd", "#c8bfb6", "#b1a89f", "#9a9188",
                                            "#847b72", "#6e665d", "#595149", "#453e36", "#322b23")

# Families: a qualitative palette kept away from the level palette, so that a colour means one thing. Blue, cyan,
# navy and grey belong to the levels (and, as seen with any colour vision, so do greens, purples and pinks): every
# family colour is at CIEDE2000 >= 20 from every level colour, with normal vision and simulated protanopia,
# deuteranopia and tritanopia (Machado 2009), and has a 3:1 contrast against white (tests/test_colours.py).
# The same four open .streamlit/config.toml's chartCategoricalColors.
FAMILY_COLORS: dict[str, str] = {
    PUBLIC: "#110000",
    ASSOCIATIONS: "#dd7711",
    COMPANIES: "#aa3300",
    CITIZENS: "#554444",
}


def count_color(t: float) -> tuple[int, int, int]:
    """The count scale at t in [0, 1] (0 lightest, 1 darkest), interpolated in sRGB between its ten steps as
    plotly does for a colorscale."""
    t = min(1.0, max(0.0, float(t)))
    steps = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in COUNT_SEQUENTIAL_COLORS]
    x = t * (len(steps) - 1)
    k = min(int(x), len(steps) - 2)
    f = x - k
    return tuple(round(a + (b - a) * f) for a, b in zip(steps[k], steps[k + 1]))


def level_label(level: int | None) -> str:
    """'2 — Acteur du NR' for 2, 'Non renseigné' for a missing level."""
    try:
        n = int(level)  # None, NaN and pandas' NA all fail here
    except (TypeError, ValueError):
        return "Non renseigné"
    return f"{n} — {LEVELS[n]}" if n in LEVELS else "Non renseigné"


NR_WORDS = "Numérique responsable"  # what « NR » stands for: said in full to people who may not know the kit
_NR = re.compile(r"\bNR\b")


def nr_in_full(text: str) -> str:
    """« Associations du NR » -> « Associations du Numérique responsable »: for the public questionnaire, whose
    respondents may not know the kit's abbreviation."""
    return _NR.sub(NR_WORDS, text)


def level_workbook_label(level: int) -> str:
    """'2 - Acteur du NR': the level as the template's dropdown writes it."""
    return level_label(level).replace(" — ", " - ")


# ---------------------------------------------------------------------------------------------
# Mobilisation circles
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Circle:
    number: int
    label: str
    who: str
    formats: tuple[str, ...]


CIRCLES: dict[int, Circle] = {
    1: Circle(
        1,
        "Cercle 1 — Administration, partenaires et financeurs",
        "L'administration de la collectivité, ses partenaires et financeurs (ANCT, ADEME régionale…)",
        (
            "Ateliers de formation spécifiques au Numérique responsable (ex. : Fresque du Numérique)",
            "Présentation du Numérique responsable dans certaines instances existantes",
            "Affiches de communication au sein des bureaux de l'administration",
            "Accès à des ressources en ligne, guides ou modules d'e-learning (ex. : MOOC de l'INR)",
            "Mutualisation des initiatives Numérique responsable avec les partenaires",
        ),
    ),
    2: Circle(
        2,
        "Cercle 2 — Structures motrices et engagées",
        "Les structures du territoire motrices et engagées sur le Numérique responsable",
        (
            "Sessions de formation et webinaires en groupe sur les concepts clés du Numérique responsable",
            "Communication spécifique aux acteurs engagés pour valoriser l'existant et encourager l'action commune",
            "Événements et ateliers de travail dédiés au NR (ex. : concertations publiques)",
        ),
    ),
    3: Circle(
        3,
        "Cercle 3 — Tous les acteurs du territoire",
        "Tous les acteurs du territoire",
        (
            "Campagnes de sensibilisation à l'échelle du territoire",
            "Publications dans les médias internes ou externes pour mettre en lumière les initiatives NR",
            "Événements à grande échelle ouverts au grand public (présentations publiques…)",
            "Communautés en ligne ou groupes de discussion pour favoriser la participation et le partage d'idées",
        ),
    ),
}
CIRCLE_FOR_EVERYONE = (
    "Pour tous : mettre en place un système qui permet aux acteurs du territoire d'exprimer leurs besoins "
    "(financement, collaboration) auprès de la collectivité, devenue acteur fédérateur du Numérique responsable."
)
CIRCLE_ONE_TYPES: frozenset[str] = frozenset({ADMINISTRATION, PARTNER})


def default_circle(actor_type: str | None, level: int | None) -> int:
    """The kit's default circle when the census leaves it blank (DOMAIN.md)."""
    if actor_type in CIRCLE_ONE_TYPES:
        return 1
    if level is not None and level == level and level >= 2:
        return 2
    return 3


# ---------------------------------------------------------------------------------------------
# NR action categories: two vocabularies
# ---------------------------------------------------------------------------------------------
# The kit speaks of "7 dimensions" but names six; the seventh is to be confirmed (DOMAIN.md).
# This tuple is the single place to change when it is: everything else derives from it.
NR_DIMENSIONS: tuple[str, ...] = (
    "Stratégie et gouvernance",
    "Mesure",
    "Transformation du numérique",
    "Achats",
    "Sensibilisation",
    "Numérique pour une organisation éco-responsable",
)

ACTION_TYPES: tuple[str, ...] = (
    "Achat de matériels reconditionnés",
    "Sensibilisation des collaborateurs",
    "Allongement de la durée de vie des équipements",
    "Éco-conception des services numériques",
    "Gestion de la fin de vie du matériel",
    "Souveraineté des données",
    "Accessibilité des services numériques",
    "Utilisation de l'open source et des logiciels libres",
    "Inclusion numérique",
)
ACTION_TYPE_ALIASES: dict[str, str] = {
    "Matériel reconditionné": "Achat de matériels reconditionnés",
    "Reconditionné": "Achat de matériels reconditionnés",
    "Durée de vie": "Allongement de la durée de vie des équipements",
    "Allongement de la durée de vie": "Allongement de la durée de vie des équipements",
    "Éco-conception": "Éco-conception des services numériques",
    "Écoconception": "Éco-conception des services numériques",
    "Fin de vie": "Gestion de la fin de vie du matériel",
    "Réemploi": "Gestion de la fin de vie du matériel",
    "Recyclage": "Gestion de la fin de vie du matériel",
    "Souveraineté": "Souveraineté des données",
    "Accessibilité": "Accessibilité des services numériques",
    "Open source": "Utilisation de l'open source et des logiciels libres",
    "Logiciels libres": "Utilisation de l'open source et des logiciels libres",
    "Utilisation de l'open-source et logiciels libres": "Utilisation de l'open source et des logiciels libres",
    "Inclusion": "Inclusion numérique",
}

# ---------------------------------------------------------------------------------------------
# How actions were identified
# ---------------------------------------------------------------------------------------------
QUESTIONNAIRE_SOURCE = "Recensement (questionnaire)"  # actors who answered the questionnaire (nrdash.questionnaire)
SOURCES: tuple[str, ...] = ("Recherche", "Contact direct", "Recensement", QUESTIONNAIRE_SOURCE)
SOURCE_ALIASES: dict[str, str] = {
    "Internet": "Recherche",
    "Presse": "Recherche",
    "Rapport annuel": "Recherche",
    "Contact": "Contact direct",
    "Mail": "Contact direct",
    "Téléphone": "Contact direct",
    "Questionnaire": "Recensement",
    "Enquête": "Recensement",
}

# ---------------------------------------------------------------------------------------------
# The action matrix: axes x targets
# ---------------------------------------------------------------------------------------------
AXES: tuple[str, ...] = (
    "Connaître pour mieux agir",
    "Sensibiliser et embarquer",
    "Soutenir un numérique plus sobre & responsable",
    "Innover",
)
AXIS_SHORT: dict[str, str] = {
    AXES[0]: "Connaître",
    AXES[1]: "Sensibiliser",
    AXES[2]: "Soutenir",
    AXES[3]: "Innover",
}
TARGETS: tuple[str, ...] = ("Institutions publiques", "Entreprises", "Associations", "Citoyens")
TARGET_OF_FAMILY: dict[str, str] = {
    PUBLIC: "Institutions publiques",
    ASSOCIATIONS: "Associations",
    COMPANIES: "Entreprises",
    CITIZENS: "Citoyens",
}
TARGET_ALIASES: dict[str, str] = {
    "Institutions": "Institutions publiques",
    "Acteurs publics": "Institutions publiques",
    "Public": "Institutions publiques",
    "Entreprise": "Entreprises",
    "Association": "Associations",
    "Citoyen": "Citoyens",
    "Habitants": "Citoyens",
    "Grand public": "Citoyens",
}
ALL_TARGETS_WORDS: tuple[str, ...] = ("Toutes", "Tous", "Toutes les cibles", "Tout le monde")

STATUSES: tuple[str, ...] = ("Idée", "Planifiée", "En cours", "Réalisée")
STATUS_ALIASES: dict[str, str] = {
    "Planifié": "Planifiée",
    "Prévue": "Planifiée",
    "Prévu": "Planifiée",
    "A faire": "Planifiée",
    "Réalisé": "Réalisée",
    "Terminée": "Réalisée",
    "Terminé": "Réalisée",
    "Fait": "Réalisée",
    "En cours de réalisation": "En cours",
    "Projet": "Idée",
}


@dataclass(frozen=True)
class ExampleAction:
    axis: str
    text: str
    targets: tuple[str, ...]  # a default the users can change: the kit's grid did not survive extraction


EXAMPLE_ACTIONS: tuple[ExampleAction, ...] = (
    ExampleAction(AXES[0], "Mesurer l'impact environnemental du numérique à l'échelle territoriale", TARGETS),
    ExampleAction(
        AXES[0],
        "Aider les acteurs du territoire à mesurer leur empreinte numérique (outils, méthodologies)",
        ("Institutions publiques", "Entreprises", "Associations"),
    ),
    ExampleAction(AXES[1], "Développer et animer un réseau de partage NR sur le territoire", TARGETS),
    ExampleAction(AXES[1], "Créer un Conseil citoyen du Numérique responsable", ("Citoyens",)),
    ExampleAction(
        AXES[1], "Accompagner les établissements éducatifs pour intégrer la sensibilisation au NR",
        ("Institutions publiques", "Citoyens"),
    ),
    ExampleAction(
        AXES[1],
        "Sensibiliser tous les agents du territoire et former les agents du numérique",
        ("Institutions publiques",),
    ),
    ExampleAction(
        AXES[1], "Diffuser largement un guide d'usage responsable du numérique au grand public", ("Citoyens",)
    ),
    ExampleAction(
        AXES[2], "Soutenir les acteurs de la filière de la seconde vie (campagne de valorisation)",
        ("Entreprises", "Associations"),
    ),
    ExampleAction(
        AXES[2],
        "Soutenir économiquement les projets NR (financement, critère de subvention, appels à projets)",
        ("Entreprises", "Associations"),
    ),
    ExampleAction(
        AXES[2], "Accompagner les autres collectivités dans leur feuille de route NR", ("Institutions publiques",)
    ),
    ExampleAction(
        AXES[3],
        "Identifier des solutions numériques qui accélèrent les objectifs de développement durable",
        ("Institutions publiques", "Entreprises"),
    ),
)


def example_actions_for(axis: str, target: str) -> list[str]:
    return [a.text for a in EXAMPLE_ACTIONS if a.axis == axis and target in a.targets]


# ---------------------------------------------------------------------------------------------
# Territory settings: the kit's arbitrations
# ---------------------------------------------------------------------------------------------
ARBITRATIONS: dict[str, str] = {
    "include_nonlocal_companies": "Inclure les entreprises non locales présentes sur le territoire",
    "include_nonlocal_associations": "Inclure les associations non locales présentes sur le territoire",
    "include_non_residents": "Inclure les non-résidents (touristes…)",
}
SCALES: tuple[str, ...] = ("Commune", "EPCI", "Département")

# ---------------------------------------------------------------------------------------------
# Workbook format: sheets and columns (French headers, English field names)
# ---------------------------------------------------------------------------------------------
ACTORS_SHEET = "Acteurs"
ACTIONS_SHEET = "Actions"
TERRITORY_SHEET = "Territoire"
INSTRUCTIONS_SHEET = "Mode d'emploi"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    personal: bool = False
    help: str = ""


ACTOR_COLUMNS: tuple[Column, ...] = (
    Column("name", "Nom de l'acteur", True, ("Nom", "Acteur", "Nom de la structure", "Structure", "Raison sociale"),
           help="Nom de la structure ou de la personne morale."),
    Column("siret", "SIRET", False, ("N° SIRET", "Numéro SIRET", "Code SIRET", "SIRET de l'établissement"),
           help="Facultatif : les 14 chiffres de l'établissement ; il sert à reconnaître l'acteur d'une version "
                "du recensement à l'autre."),
    Column("family", "Famille d'acteurs", False, ("Famille", "Famille d'acteur"),
           help="Facultatif : déduite du type d'acteur."),
    Column("type", "Type d'acteur", True, ("Type", "Typologie", "Catégorie d'acteur"),
           help="Une valeur de la liste des types du kit."),
    Column("is_local", "Local (oui/non)", False, ("Local", "Acteur local", "Est local"),
           help="oui si l'acteur est implanté sur le territoire."),
    Column("commune", "Commune", False, ("Ville", "Nom de la commune", "Localité")),
    Column("insee", "Code INSEE", False, ("INSEE", "Code commune", "Code officiel géographique", "COG")),
    Column("postcode", "Code postal", False, ("CP", "Code postal de la commune")),
    Column("address", "Adresse", False, ("Adresse postale",)),
    Column("lat", "Latitude", False, ("Lat",)),
    Column("lon", "Longitude", False, ("Lon", "Lng", "Long")),
    Column("action_types", "Type d'action NR", False,
           ("Type d'action Numérique Responsable", "Types d'action NR", "Type d'actions NR", "Actions NR"),
           help="Une ou plusieurs valeurs séparées par « ; »."),
    Column("dimensions", "Dimension NR", False, ("Dimensions NR", "Dimension", "Dimensions du NR"),
           help="Une ou plusieurs valeurs séparées par « ; »."),
    Column("description", "Description des actions NR identifiées", False,
           ("Description", "Description des actions", "Actions identifiées")),
    Column("level", "Niveau d'engagement estimé", True, ("Niveau d'engagement", "Niveau", "Engagement"),
           help="0 — Non impliqué, 1 — Sensibilisé au NR, 2 — Acteur du NR, 3 — Leader du NR."),
    Column("circle", "Cercle", False, ("Cercle de mobilisation",),
           help="1, 2 ou 3 ; vide : déduit selon les règles du kit."),
    Column("source", "Source d'identification", False, ("Source", "Mode d'identification")),
    Column("referent", "Référent", False, ("Référent identifié", "Référent identifié et contact", "Nom du référent"),
           personal=True, help="Donnée personnelle (RGPD)."),
    Column("contact", "Contact", False, ("Contact du référent", "Courriel", "E-mail", "Email", "Téléphone"),
           personal=True, help="Donnée personnelle (RGPD)."),
    Column("updated", "Date de mise à jour", False, ("Mise à jour", "Date", "Dernière mise à jour")),
)
ACTION_COLUMNS: tuple[Column, ...] = (
    Column("action", "Action", True, ("Intitulé", "Nom de l'action", "Action clé")),
    Column("axis", "Axe", True, ("Axe de la matrice", "Axe stratégique")),
    Column("targets", "Cibles", True, ("Cible", "Public cible")),
    Column("status", "Statut", False, ("État", "Etat", "Avancement")),
    Column("lead", "Porteur", False, ("Acteur porteur", "Pilote")),
    Column("due", "Échéance", False, ("Date d'échéance", "Date cible")),
    Column("quick_win", "Gain rapide", False, ("Quick win", "Gains rapides")),
    Column("description", "Description", False, ()),
)
PERSONAL_FIELDS: tuple[str, ...] = tuple(c.field for c in ACTOR_COLUMNS if c.personal)
HEADER_OF: dict[str, str] = {c.field: c.header for c in ACTOR_COLUMNS}

# Territory sheet: label in column A, value in column B.
TERRITORY_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("Nom du territoire", "Territoire", "Nom", "Collectivité"),
    "epci_siren": ("Code SIREN de l'EPCI", "SIREN EPCI", "SIREN", "Code EPCI"),
    "commune_insee": ("Code INSEE de la commune", "Code INSEE", "INSEE"),
    "scale": ("Échelle", "Échelle de la démarche"),
    "include_nonlocal_companies": (ARBITRATIONS["include_nonlocal_companies"], "Entreprises non locales"),
    "include_nonlocal_associations": (ARBITRATIONS["include_nonlocal_associations"], "Associations non locales"),
    "include_non_residents": (ARBITRATIONS["include_non_residents"], "Non-résidents"),
}
TERRITORY_LABEL: dict[str, str] = {k: v[0] for k, v in TERRITORY_KEYS.items()}

YES_WORDS: tuple[str, ...] = ("oui", "o", "yes", "y", "vrai", "true", "1", "x")
NO_WORDS: tuple[str, ...] = ("non", "n", "no", "faux", "false", "0")


# ---------------------------------------------------------------------------------------------
# Tolerant matching
# ---------------------------------------------------------------------------------------------
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
                       "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u202f": " ",
                       "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "&": " et "})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm_key(text: object) -> str:
    """Lower-case, accent-free, punctuation-free key: "Niveau d’Engagement estimé " -> "niveau d engagement estime"."""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s.translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    elif "&" in s:
        s = s.replace("&", " et ")
    return _NON_ALNUM.sub(" ", s.lower()).strip()


def norm_keys(values: Iterable[object]) -> "np.ndarray":
    """:func:`norm_key` of each value, as an object array ("" for a missing or non-text value): each distinct text
    once, with Arrow's vectorised string functions (:func:`norm_keys_arrow`). For whole columns."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    keys = np.full(len(uniques) + 1, "", dtype=object)  # the last one for missing values (code -1)
    is_text = np.fromiter((isinstance(u, str) for u in uniques), dtype=bool, count=len(uniques))
    if is_text.any():
        arrow = norm_keys_arrow(pa.array(uniques[is_text].tolist(), type=pa.large_string()))
        keys[np.flatnonzero(is_text)] = arrow.to_numpy(zero_copy_only=False).astype(object)
    return keys[codes]


def norm_keys_arrow(texts: "pa.Array") -> "pa.Array":
    """:func:`norm_key` of each text of an Arrow string array, exactly: non-ASCII texts folded (:func:`_fold`),
    « & » → « et », lower case, every run of other signs → one space, trimmed."""
    import pyarrow.compute as pc

    is_ascii = pc.string_is_ascii(texts)
    if not pc.all(is_ascii).as_py():
        rest = pc.invert(is_ascii)
        texts = pc.replace_with_mask(texts, rest, _fold(texts.filter(rest).to_pylist()))
    lowered = pc.ascii_lower(arrow_sub(texts, "&", "&", " et "))
    return arrow_sub(lowered, "[^0-9a-z ]|  |^ | $", "[^0-9a-z]+", " ", trim=True)


def _fold(texts: list[str]) -> "pa.Array":
    """Texts with non-ASCII characters made ASCII as ``referential.norm_key`` makes them (its typographic folds,
    then the accents dropped): each distinct character folded once by ``norm_key`` itself, then replaced in all the
    texts at once (« & » becomes « et » as well). Exact: that folding goes character by character."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = "".join(texts)
    table = {c: norm_key(f"a{c}a")[1:-1] for c in set(joined) if ord(c) > 127}
    table["&"] = " et "
    if len(table) > 64:  # many different signs: one translation per text is quicker
        by_ord = {ord(c): v for c, v in table.items()}
        return pa.array([t.translate(by_ord) for t in texts], type=pa.large_string())
    arr = pa.array(texts, type=pa.large_string())
    for c, v in table.items():
        arr = pc.replace_substring(arr, c, v)
    return arr


def arrow_sub(arr: "pa.Array", find: str, pattern: str, replacement: str, trim: bool = False) -> "pa.Array":
    """Arrow's regex replacement (then trimming spaces) on the values where ``find`` matches only; ``arr`` itself
    when none does."""
    import pyarrow.compute as pc

    hit = pc.fill_null(pc.match_substring_regex(arr, find), False)
    if not pc.any(hit).as_py():
        return arr
    part = pc.replace_substring_regex(arr.filter(hit), pattern, replacement)
    return pc.replace_with_mask(arr, hit, pc.ascii_trim(part, " ") if trim else part)


# Comparing two names of structures (nrdash.questionnaire's similar names), on norm_key's words: the words that say
# nothing of which structure it is (articles, prepositions), and the usual short forms and synonyms written in French
# names, each mapped to one word. The words that many names of a census share (« association », « centre »…) are
# counted from the census itself; the legal forms are nrdash.compare.LEGAL_FORMS.
NAME_STOP_WORDS: frozenset[str] = frozenset({
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "par", "pour", "sur", "sous",
    "dans", "avec", "chez", "un", "une",
})
NAME_SYNONYMS: dict[str, str] = {
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes",  # as geography.name_key reads communes
    "asso": "association", "assoc": "association", "ass": "association",
    "mairie": "commune", "ville": "commune", "municipalite": "commune",  # « Mairie de X » is « Commune de X »
    "dir": "direction", "univ": "universite", "dept": "departement", "dpt": "departement",
    "ets": "etablissements", "etablissement": "etablissements", "cie": "compagnie", "prof": "professionnel",
}
NAME_PHRASES: dict[str, str] = {"hotel de ville": "commune"}  # several words said as one


def build_lookup(canonical: Iterable[str], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Normalised key -> canonical value, for the canonical values and their aliases."""
    table = {norm_key(v): v for v in canonical}
    for alias, value in (aliases or {}).items():
        table.setdefault(norm_key(alias), value)
    return table


def expected(values: Iterable[str]) -> str:
    """'« a », « b » ou « c »' for messages."""
    quoted = [f"« {v} »" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " ou " + quoted[-1]


# ---------------------------------------------------------------------------------------------
# Who may do what in a territory's shared workspace
# ---------------------------------------------------------------------------------------------
ROLES: tuple[str, ...] = ("lecteur", "éditeur", "administrateur")


def role_named(text: object) -> str | None:
    """The role someone typed, accents, case and spaces ignored (« editeur », « Éditeur » -> « éditeur »); None when it
    names none of ROLES."""
    key = norm_key(text or "")
    return next((role for role in ROLES if norm_key(role) == key), None)
