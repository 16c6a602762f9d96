"""A territory's reading and contact settings, in the words the app shows (issue 25): who reads its published
versions (a new territory is closed: its accounts only; its administrator opens it to anyone, without an account),
what opening means, what « Publier » will make readable, and the questionnaire's contact address. Pure: no
Streamlit, no store."""
from __future__ import annotations

from .text import count_noun

OPEN_AUDIENCE = "lisible par tous, sans connexion"
CLOSED_AUDIENCE = "réservée aux comptes du territoire"


def audience(public: bool | None) -> str:
    """Who reads a version of the territory, in a few words."""
    return OPEN_AUDIENCE if public else CLOSED_AUDIENCE


def publish_line(number: int, public: bool | None) -> tuple[str, str, str]:
    """Beside « Publier la version N »: who will be able to read it (before, the audience in a few words, after)."""
    more = ("le tableau de bord du territoire est public (réglage de ses administrateurs, page Versions)" if public
            else "les personnes qui ont un rôle sur le territoire, et les liens d'atelier verrouillés")
    return f"La version {number} sera", audience(public), f": {more}."


def reading_state(public: bool, name: str) -> tuple[str, str]:
    """The Versions page's settings: whether « name » is open to reading without an account (a title), and what
    that means."""
    if public:
        return ("Lecture sans connexion : ouverte.", f"Toutes les versions publiées de « {name} », les anciennes "
                "comprises, sont lisibles par tous, sans compte (tableau de bord public). Les référents et contacts "
                "n'y sont jamais montrés.")
    return ("Lecture sans connexion : fermée.", f"Seules les personnes qui ont un rôle sur « {name} » lisent ses "
            "versions (et les liens d'atelier verrouillés, en mode atelier). Un territoire est créé fermé ; ouvrez-le "
            "quand son recensement peut être montré à tous.")


def opening_warning(name: str, n_versions: int, code: str) -> tuple[str, str]:
    """What opening the territory to reading without an account does, said before it is done (a title, a text):
    its versions readable by anyone, and published as open data at /donnees/CODE/ (nrdash.web.opendata_routes)."""
    now = f" (aujourd'hui {count_noun(n_versions, 'version publiée', 'versions publiées')})" if n_versions else ""
    return (f"Ouvrir « {name} » à la lecture sans connexion ?", "N'importe qui, sans compte, pourra lire à "
            f"l'adresse du tableau de bord chaque version publiée du territoire{now}, les versions antérieures "
            f"comprises, et chaque version publiée ensuite, aussi publiées comme données ouvertes à l'adresse "
            f"/donnees/{code}/. Les référents et contacts ne sont jamais montrés. Vous "
            "pourrez refermer la lecture à tout moment, mais ce qui aura été vu ou copié entre-temps ne se reprend "
            "pas.")


def contact_missing(name: str) -> tuple[str, str]:
    """The review queue, while the territory has no contact address (a title, a text)."""
    return ("Adresse de contact du questionnaire à renseigner.", "Le formulaire public demande aux personnes qui "
            f"répondent d'écrire « à la collectivité qui tient ce recensement, {name} » pour faire effacer leurs "
            "données, sans leur donner d'adresse. Donnez l'adresse d'une boîte suivie par l'équipe : elle "
            "s'affiche dans le consentement du formulaire et sur le questionnaire imprimé.")
