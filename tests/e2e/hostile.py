"""A census whose every text is hostile, for the browser tests of tests/e2e/test_hostile_text.py."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import xlsx_bytes

# Read by deck.gl's JSON converter as an expression, a constant, a class or a function (nrdash.maps.deck_text).
CONVERTER_NAMES = ["@@=constructor.constructor('alert(1)')()", "@@=i", "@@#GL.ONE", "@@type", "@@function"]
# Every feature of Streamlit's markdown (nrdash.text.escape_md).
MARKDOWN_NAME = "**Gras** www.exemple.fr :material/home: :smile: :red[rouge] $x^2$ -> [lien](https://x.fr) <b>b</b>"
MARKDOWN_DESCRIPTION = ("Voir https://exemple.fr et contact@exemple.fr :streamlit: :material_home: "
                        ":blue-background[fond] :rainbow[arc] &amp; `code` | a | b | ~~barré~~ $$y$$ a -- b >= c\n"
                        "# titre\n> citation\n- liste")
TERRITORY_NAME = "Territoire www.exemple.fr :material/home: $x$ **gras** -> :smile:"
FILE_NAME = "recensement www.exemple.fr :material_home: :smile: $x$ -> _a_.xlsx"
# Read by a spreadsheet as a formula (nrdash.export.neutralise, nrdash.tables).
FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\tTabulation", "\rRetour"]
LAT = 46.16
LONS = [-1.30, -1.20, -1.10, -1.00, -0.90, -0.80]  # the placed actors, west to east: CONVERTER_NAMES, MARKDOWN_NAME

HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Latitude", "Longitude", "Commune",
          "Description des actions NR identifiées", "Source d'identification"]


def write(folder: Path) -> Path:
    placed = [[name, "PME", 2, LAT, lon, None, None, None]
              for name, lon in zip([*CONVERTER_NAMES, MARKDOWN_NAME], LONS)]
    placed[-1][6] = MARKDOWN_DESCRIPTION
    unplaced = [[f, "PME", 1, None, None, None, f, None] for f in FORMULAS]
    actions = [["Action", "Axe", "Cibles", "Statut", "Porteur", "Échéance", "Gain rapide", "Description"],
               *[[f, "Innover", "Entreprises", "Idée", f, None, "oui", f] for f in FORMULAS]]
    data = xlsx_bytes({"Acteurs": [HEADER, *placed, *unplaced], "Actions": actions,
                       "Territoire": [["Nom du territoire", TERRITORY_NAME]]})
    path = folder / FILE_NAME
    path.write_bytes(data)
    return path


def answer_texts(outside: str) -> dict[str, str]:
    """Every free-text field of a questionnaire answer, hostile, as a stranger could type it into the public form:
    Markdown and HTML that would load ``outside`` (an image, a link, an HTML image, an autolink), colour, LaTeX,
    an emoji, emphasis, an arrow. Each text starts with its own tag and fits its field's length limit (one line
    each: they also become widget labels)."""
    tags = {"name": "nm", "commune_text": "cm", "actions_text": "ac", "needs_text": "nd", "referent": "rf",
            "contact": "ct"}
    return {field: (f"{t} ![i]({outside}/{t}1.png) [l]({outside}/{t}2) <img src={outside}/{t}3.png> {outside}/{t}4 "
                    f":red[r] $x^2$ **g** :smile: ->") for field, t in tags.items()}
