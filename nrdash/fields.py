"""Parsers for single cell values: tolerant of what people type, strict about what they meant.

Each parser takes one raw cell value (str, int, float, bool, date, None…) and returns
``(value, problem)`` where ``problem`` is ``None`` or ``(severity, message)`` in French.
They are pure and cached per distinct value by the census loader.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import referential as ref
from .text import plural

Problem = tuple[str, str] | None
ERROR, WARNING = "error", "warning"

_SPACES = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text(value: Any) -> str | None:
    """Cell as clean text: numbers without a spurious '.0', spaces collapsed."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    s = str(value)
    if "  " in s or "\u00a0" in s or "\n" in s or "\t" in s or "\r" in s:
        s = _SPACES.sub(" ", s.replace("\u00a0", " "))
    return s.strip()


# ---------------------------------------------------------------------------------------------
# Closed lists
# ---------------------------------------------------------------------------------------------
_TYPE_LOOKUP = ref.build_lookup(ref.TYPES, ref.TYPE_ALIASES)
_FAMILY_LOOKUP = ref.build_lookup(ref.FAMILIES, ref.FAMILY_ALIASES)
_SOURCE_LOOKUP = ref.build_lookup(ref.SOURCES, ref.SOURCE_ALIASES)
_ACTION_TYPE_LOOKUP = ref.build_lookup(ref.ACTION_TYPES, ref.ACTION_TYPE_ALIASES)
_DIMENSION_LOOKUP = ref.build_lookup(ref.NR_DIMENSIONS)
_AXIS_LOOKUP = ref.build_lookup(ref.AXES, {short: axis for axis, short in ref.AXIS_SHORT.items()}
                                | {"Connaitre": ref.AXES[0], "Soutenir un numérique sobre": ref.AXES[2]})
_TARGET_LOOKUP = ref.build_lookup(ref.TARGETS, ref.TARGET_ALIASES)
_STATUS_LOOKUP = ref.build_lookup(ref.STATUSES, ref.STATUS_ALIASES)
_PAREN = re.compile(r"\([^)]*\)")


def _lookup(value: Any, table: dict[str, str]) -> str | None:
    key = ref.norm_key(value)
    if key in table:
        return table[key]
    stripped = ref.norm_key(_PAREN.sub(" ", str(value)))
    return table.get(stripped)


def _closed_list(label: str, unknown: str, choices: tuple[str, ...], table: dict[str, str],
                 fallback: Callable[[str], str | None] | None = None, missing: str | None = None):
    """Parser for one closed list of the kit: canonical value, else an error naming what is expected.

    ``unknown`` agrees with ``label`` (« inconnue » / « inconnu »); ``fallback`` gets the normalised key when the
    lookup fails; a blank cell is no problem unless ``missing`` says what to write."""
    def parse(value: Any) -> tuple[str | None, Problem]:
        if is_blank(value):
            return None, ((ERROR, f"{missing} Valeurs attendues : {ref.expected(choices)}.") if missing else None)
        found = _lookup(value, table)
        if found is None and fallback is not None:
            found = fallback(ref.norm_key(value))
        if found is None:
            return None, (ERROR, f"{label} « {text(value)} » {unknown}. Valeurs attendues : {ref.expected(choices)}.")
        return found, None
    parse.__name__ = f"parse_{label.lower()}"
    return parse


def parse_type(value: Any) -> tuple[str | None, Problem]:
    """Canonical type, or None with no problem when blank; an unknown type is reported by the caller."""
    if is_blank(value):
        return None, None
    return _lookup(value, _TYPE_LOOKUP), None


parse_family = _closed_list("Famille", "inconnue", ref.FAMILIES, _FAMILY_LOOKUP)
# "Recherche internet", "Contact direct par mail"… : the kit's source the cell starts with.
parse_source = _closed_list("Source", "inconnue", ref.SOURCES, _SOURCE_LOOKUP,
                            fallback=lambda key: next((s for s in ref.SOURCES if key.startswith(ref.norm_key(s))), None))
parse_status = _closed_list("Statut", "inconnu", ref.STATUSES, _STATUS_LOOKUP)
# A prefix of at least five letters names an axis ("sensibiliser").
parse_axis = _closed_list("Axe", "inconnu", ref.AXES, _AXIS_LOOKUP, missing="Axe manquant.",
                          fallback=lambda key: next((a for a in ref.AXES if ref.norm_key(a).startswith(key)
                                                     and len(key) >= 5), None))


def parse_yes_no(value: Any) -> tuple[bool | None, Problem]:
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    key = ref.norm_key(text(value))
    if key in ref.YES_WORDS:
        return True, None
    if key in ref.NO_WORDS:
        return False, None
    return None, (ERROR, f"Valeur « {text(value)} » non reconnue : écrivez « oui » ou « non ».")


# ---------------------------------------------------------------------------------------------
# Engagement level and circle
# ---------------------------------------------------------------------------------------------
_LEVEL_NUMBER = re.compile(r"^(?:niveau|niv|n)?\s*(\d+)(?:\s*[.,]\s*0+)?(?:\s.*)?$")
_LEVEL_WORDS: dict[str, int] = {}
for _n, _label in ref.LEVELS.items():
    _LEVEL_WORDS[ref.norm_key(_label)] = _n
_LEVEL_WORDS.update({
    "non implique": 0, "non impliquee": 0, "aucun": 0,
    "sensibilise": 1, "sensibilisee": 1, "sensibilises": 1,
    "acteur": 2, "acteurs": 2, "actrice": 2, "acteur nr": 2,
    "leader": 3, "leaders": 3, "leader nr": 3,
})
LEVEL_EXPECTED = "0, 1, 2 ou 3, ou " + ref.expected(ref.LEVELS.values())


def parse_level(value: Any) -> tuple[int | None, Problem]:
    """'2', 2.0, 'Niveau 2', 'N2', '2 - Acteur du NR', 'Acteur du NR', 'acteur', 'LEADER' -> int."""
    if is_blank(value):
        return None, (ERROR, f"Niveau d'engagement manquant. Valeurs attendues : {LEVEL_EXPECTED}.")
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 0 <= value <= 3:
            return int(value), None
        return None, (ERROR, f"Niveau « {text(value)} » hors échelle. Valeurs attendues : {LEVEL_EXPECTED}.")
    key = ref.norm_key(value)
    if key in _LEVEL_WORDS:
        return _LEVEL_WORDS[key], None
    raw = str(value).strip()
    m = _LEVEL_NUMBER.match(raw.lower())
    if m:
        n = int(m.group(1))
        rest = ref.norm_key(raw[m.end(1):]).lstrip("0 ").strip()
        if 0 <= n <= 3 and (not rest or rest in _LEVEL_WORDS and _LEVEL_WORDS[rest] == n):
            return n, None
        if 0 <= n <= 3 and rest in _LEVEL_WORDS:
            return None, (ERROR, f"Niveau « {text(value)} » contradictoire (le chiffre et le libellé diffèrent). "
                                 f"Valeurs attendues : {LEVEL_EXPECTED}.")
    return None, (ERROR, f"Niveau « {text(value)} » non reconnu. Valeurs attendues : {LEVEL_EXPECTED}.")


_CIRCLE = re.compile(r"^(?:cercle|c)?\s*([123])(?:[.,]0+)?$")


def parse_circle(value: Any) -> tuple[int | None, Problem]:
    if is_blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value) in (1.0, 2.0, 3.0):
            return int(value), None
    else:
        m = _CIRCLE.match(ref.norm_key(value).replace(" ", ""))
        if m:
            return int(m.group(1)), None
    return None, (ERROR, f"Cercle « {text(value)} » non reconnu : écrivez 1, 2 ou 3, ou laissez vide "
                         "pour appliquer la règle du kit.")


# ---------------------------------------------------------------------------------------------
# Multi-valued categories
# ---------------------------------------------------------------------------------------------
def split_multi(value: Any) -> list[str]:
    """Split on ';', ',', '/', line breaks and bullets, but never inside parentheses."""
    if is_blank(value):
        return []
    s = str(value)
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in ";,/\n\r•|":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip(" -–•\t") for p in parts if p.strip(" -–•\t")]


def _match_category(token: str, own: dict[str, str], other: dict[str, str]) -> tuple[str, str] | None:
    """('own'|'other', canonical) for a token; exact keys first, then prefixes in the column's own vocabulary."""
    key = ref.norm_key(token)
    bare = ref.norm_key(_PAREN.sub(" ", token))
    for which, table in (("own", own), ("other", other)):
        for k in (key, bare):
            if k in table:
                return which, table[k]
    for which, table in (("own", own), ("other", other)):
        for k, canonical in table.items():
            if len(k) >= 6 and (bare.startswith(k + " ") or k.startswith(bare + " ") and len(bare) >= 8):
                return which, canonical
    return None


def parse_categories(value: Any, column: str) -> tuple[tuple[list[str], list[str], list[str]], Problem]:
    """(action_types, dimensions, free_text) from an 'action type' or 'dimension' cell.

    Either vocabulary is accepted in either column; values matching neither are kept as free text and
    reported as a warning (DOMAIN.md allows free text).
    """
    action_types: list[str] = []
    dimensions: list[str] = []
    free: list[str] = []
    own, other = ((_ACTION_TYPE_LOOKUP, _DIMENSION_LOOKUP) if column == "action_types"
                  else (_DIMENSION_LOOKUP, _ACTION_TYPE_LOOKUP))
    for token in split_multi(value):
        found = _match_category(token, own, other)
        if found is None:
            free.append(token)
            continue
        which, canonical = found
        is_action_type = (which == "own") == (column == "action_types")
        target = action_types if is_action_type else dimensions
        if canonical not in target:
            target.append(canonical)
    problem = None
    if free:
        vocab = ref.ACTION_TYPES if column == "action_types" else ref.NR_DIMENSIONS
        problem = (WARNING, f"{plural(len(free), 'Catégorie')} « {' ; '.join(free)} » hors des listes du kit, "
                            f"{plural(len(free), 'conservée')} en texte libre. Valeurs du kit : "
                            f"{ref.expected(vocab)}.")
    return (action_types, dimensions, free), problem


def parse_targets(value: Any) -> tuple[list[str], Problem]:
    if is_blank(value):
        return [], (ERROR, f"Cible manquante. Valeurs attendues : {ref.expected(ref.TARGETS)} (plusieurs possibles).")
    if ref.norm_key(value) in {ref.norm_key(w) for w in ref.ALL_TARGETS_WORDS}:
        return list(ref.TARGETS), None
    found, unknown = [], []
    for token in split_multi(value):
        t = _lookup(token, _TARGET_LOOKUP)
        if t is None:
            unknown.append(token)
        elif t not in found:
            found.append(t)
    if unknown:
        return found, (ERROR, f"Cible « {' ; '.join(unknown)} » inconnue. Valeurs attendues : "
                              f"{ref.expected(ref.TARGETS)}, séparées par « ; ».")
    return [t for t in ref.TARGETS if t in found], None


# ---------------------------------------------------------------------------------------------
# Location
# ---------------------------------------------------------------------------------------------
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_POSTCODE = re.compile(r"^\d{5}$")


def parse_insee(value: Any) -> tuple[str | None, Problem]:
    """5-character commune code; restores a leading zero lost by a spreadsheet, upper-cases 2a/2b."""
    if is_blank(value):
        return None, None
    s = text(value).replace(" ", "").upper()
    if s.isdigit() and len(s) == 4:
        s = "0" + s
    if _INSEE.match(s):
        return s, None
    return None, (ERROR, f"Code INSEE « {text(value)} » invalide : 5 caractères attendus (ex. 17300, 01053, "
                         "2A004). Ce n'est pas le code postal.")


def parse_postcode(value: Any) -> tuple[str | None, Problem]:
    if is_blank(value):
        return None, None
    s = text(value).replace(" ", "")
    if s.isdigit() and len(s) == 4:
        s = "0" + s
    if _POSTCODE.match(s):
        return s, None
    return None, (ERROR, f"Code postal « {text(value)} » invalide : 5 chiffres attendus (ex. 17000, 01000).")


def parse_coordinate(value: Any, axis: str) -> tuple[float | None, Problem]:
    """A decimal degree, with comma or dot decimals; range-checked."""
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        s = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("°", "")
        if s.count(",") == 1 and "." not in s:
            s = s.replace(",", ".")
        try:
            number = float(s)
        except ValueError:
            number = None
    bound = 90.0 if axis == "lat" else 180.0
    label = "Latitude" if axis == "lat" else "Longitude"
    if number is None or not math.isfinite(number):
        return None, (ERROR, f"{label} « {text(value)} » illisible : nombre décimal attendu (ex. 46,1591 ou 46.1591).")
    if not -bound <= number <= bound:
        return None, (ERROR, f"{label} {text(value)} hors bornes (entre -{bound:.0f} et {bound:.0f}).")
    return number, None


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%m/%Y", "%Y")


def parse_date(value: Any) -> tuple[dt.date | None, Problem]:
    if is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < float(value) < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value)), None  # Excel serial date stored as number
    s = text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date(), None
        except ValueError:
            continue
    return None, (WARNING, f"Date « {s} » illisible, ignorée : écrivez-la JJ/MM/AAAA (ex. 15/03/2026).")


# ---------------------------------------------------------------------------------------------
# SIRET
# ---------------------------------------------------------------------------------------------
LA_POSTE_SIREN = "356000000"
SIRET_EXAMPLE = "356 000 000 00048"
_SIRET_SEPARATORS = re.compile(r"[\s.\u00a0\u202f]+")
_DECIMAL_ZERO = re.compile(r"^\d{13,14}[.,]0+$")
_SCIENTIFIC = re.compile(r"^(\d+)(?:[.,](\d*))?e\+?(\d+)$", re.IGNORECASE)
_SIRET_UNUSED = "Il est conservé tel quel mais ne sert pas à reconnaître l'acteur d'une version à l'autre."


def luhn_ok(digits: str) -> bool:
    """The Luhn key: from the right, every second digit doubled (minus 9 above 9); the total a multiple of 10."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def siret_ok(digits: str) -> bool:
    """14 digits with a valid key: the Luhn key, or for La Poste's establishments (SIREN 356 000 000, which
    INSEE numbers outside the Luhn rule) digits summing to a multiple of 5."""
    if len(digits) != 14 or not digits.isdigit() or not digits.isascii():
        return False
    if luhn_ok(digits):
        return True
    return digits.startswith(LA_POSTE_SIREN) and sum(ord(c) - 48 for c in digits) % 5 == 0


def _siret_digits(value: Any) -> tuple[str | None, str | None]:
    """(14 digits or another string of digits, None) or (None, why the digits cannot be known)."""
    if isinstance(value, bool):
        return None, None
    if isinstance(value, int):
        return str(value).zfill(14) if 0 <= value < 10**14 else str(value), None
    if isinstance(value, float):
        # A number cell: Excel keeps 15 significant digits, so a 14-digit number is exact; a lost leading zero
        # is put back.
        if not math.isfinite(value) or not value.is_integer() or not 0 <= value < 1e14:
            return None, "n'est pas un nombre entier de 14 chiffres"
        return str(int(value)).zfill(14), None
    s = str(value).strip()
    if _DECIMAL_ZERO.match(s):  # '35600000000048.0': a number cell written out as text
        s = s[:s.index(".") if "." in s else s.index(",")]
    s = _SIRET_SEPARATORS.sub("", s)
    m = _SCIENTIFIC.match(s)
    if m:
        # '3,5600000000048E+13' (a CSV saved from a number cell) holds every digit: the decimals fill the
        # exponent exactly. '3,56E+13' does not: the digits after 356 are lost.
        whole, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        if len(frac) != exp:
            return None, "est écrit en notation scientifique, qui a perdu des chiffres"
        return (whole + frac).zfill(14), None
    return s, None


def plain_sirets(values: np.ndarray, undecided: object) -> np.ndarray:
    """A column at once: the 14 digits of each cell that is plainly a valid SIRET written as text (ASCII digits,
    spaces allowed, Luhn key right), else ``undecided``, for :func:`parse_siret` to settle (blanks, numbers,
    dots, La Poste's key, wrong keys: whatever may need a message). Gives what ``parse_siret`` gives."""
    out = np.full(len(values), undecided, dtype=object)
    cells = pd.Series(values, dtype=object)
    try:
        digits = cells.str.replace(" ", "", regex=False)
        plain = np.flatnonzero(digits.str.fullmatch(r"[0-9]{14}").to_numpy(dtype=object) == True)  # noqa: E712
    except AttributeError:  # pandas refuses .str on a column without any text
        return out
    if len(plain):
        candidates = digits.to_numpy(dtype=object)[plain]
        d = np.frombuffer("".join(candidates).encode("ascii"), dtype=np.uint8).reshape(-1, 14).astype(np.int64) - 48
        doubled = d[:, 0::2] * 2  # the 1st, 3rd… digits from the left are every second one from the right
        total = np.where(doubled > 9, doubled - 9, doubled).sum(axis=1) + d[:, 1::2].sum(axis=1)
        good = total % 10 == 0
        out[plain[good]] = candidates[good]
    return out


def parse_siret(value: Any) -> tuple[str | None, Problem]:
    """The 14 digits of a valid SIRET ('35600000000048'), spaces and dots removed; None and a warning when it
    is not one (the caller keeps the cell as typed)."""
    if is_blank(value):
        return None, None
    digits, lost = _siret_digits(value)
    shown = text(value)
    if lost:
        return None, (WARNING, f"SIRET « {shown} » illisible : il {lost}. Mettez la colonne « SIRET » au format "
                               f"texte et saisissez les 14 chiffres (ex. {SIRET_EXAMPLE}). {_SIRET_UNUSED}")
    if digits is None or len(digits) != 14 or not digits.isdigit() or not digits.isascii():
        return None, (WARNING, f"SIRET « {shown} » invalide : 14 chiffres attendus (ex. {SIRET_EXAMPLE}), espaces "
                               f"et points permis. {_SIRET_UNUSED}")
    if not siret_ok(digits):
        return None, (WARNING, f"SIRET « {shown} » invalide : sa clé de contrôle ne correspond pas (un chiffre "
                               f"faux ou inversé ?). Vérifiez-le sur annuaire-entreprises.data.gouv.fr. {_SIRET_UNUSED}")
    return digits, None
