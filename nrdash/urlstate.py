"""The shared filters as an address's query parameters, so that a link reproduces a view (pure: no Streamlit).

One short French name a filter, one value a repeated key (``?famille=Entreprises&niveau=2&niveau=3``); the kit's
arbitrations are written only when they differ from the territory's (``non_residents=0``). Only filters that
differ from the starting filters are written. Decoding never raises: an unknown name, a malformed value or a value
the census does not have is left out, with a French note saying which parameter and why.

Names reserved for other features (never filters): ``territoire``, ``version``, ``atelier``, ``jeton`` (which
census, mode atelier, a locked workshop link) and ``zone`` (the map area chosen with « Choisir le territoire »)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import referential as ref
from .filters import Filters

LIST_PARAMS: dict[str, str] = {  # filter field -> query parameter
    "families": "famille",
    "types": "type",
    "levels": "niveau",
    "circles": "cercle",
    "communes": "commune",
    "categories": "categorie",
    "sources": "source",
}
FLAG_PARAMS: dict[str, str] = {
    "include_nonlocal_companies": "entreprises_non_locales",
    "include_nonlocal_associations": "associations_non_locales",
    "include_non_residents": "non_residents",
}
FILTER_PARAMS: tuple[str, ...] = tuple(LIST_PARAMS.values()) + tuple(FLAG_PARAMS.values())
# Parameters other features own (and Streamlit's own): not filters, not "unknown" either.
OTHER_PARAMS: frozenset[str] = frozenset({"territoire", "version", "atelier", "jeton", "zone", "embed",
                                          "embed_options"})
INT_FIELDS = ("levels", "circles")
_TRUE, _FALSE = {"1", "oui", "true"}, {"0", "non", "false"}
_WHAT = {"families": "famille", "types": "type d'acteur", "levels": "niveau", "circles": "cercle",
         "communes": "commune", "categories": "catégorie NR", "sources": "source"}


def filter_options(communes: Iterable[str], types: Iterable[str] = ref.TYPES) -> dict[str, list]:
    """The values each list filter accepts (the sidebar's choices)."""
    return {
        "families": list(ref.FAMILIES),
        "types": list(types),
        "levels": list(ref.LEVELS),
        "circles": list(ref.CIRCLES),
        "communes": list(communes),
        "categories": list(ref.ACTION_TYPES) + list(ref.NR_DIMENSIONS),
        "sources": list(ref.SOURCES),
    }


def encode(f: Filters, defaults: Filters) -> dict[str, list[str]]:
    """The query parameters stating ``f``: only what differs from ``defaults``, values in the sidebar's order."""
    out: dict[str, list[str]] = {}
    for field, name in LIST_PARAMS.items():
        values = getattr(f, field)
        if values != getattr(defaults, field) and values:
            out[name] = [str(v) for v in values]
    for field, name in FLAG_PARAMS.items():
        if getattr(f, field) != getattr(defaults, field):
            out[name] = ["1" if getattr(f, field) else "0"]
    return out


@dataclass(frozen=True)
class Decoded:
    filters: Filters
    notes: tuple[str, ...]  # one French sentence per parameter value left out


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def decode(params: Mapping[str, list[str]], options: Mapping[str, list], defaults: Filters) -> Decoded:
    """The filters an address states, from ``defaults``; what cannot be used is left out with a note."""
    notes: list[str] = []
    changes: dict = {}
    by_name = {name: field for field, name in LIST_PARAMS.items()}
    flags = {name: field for field, name in FLAG_PARAMS.items()}
    for name, raw_values in params.items():
        values = [v for v in (raw_values if isinstance(raw_values, (list, tuple)) else [raw_values])]
        if name in OTHER_PARAMS:
            continue
        if name in flags:
            value = str(values[-1]).strip().lower() if values else ""
            if value in _TRUE | _FALSE:
                changes[flags[name]] = value in _TRUE
            else:
                notes.append(f"Paramètre « {_short(name)} » ignoré : valeur « {_short(str(value))} » invalide "
                             "(attendu 1 ou 0).")
            continue
        if name not in by_name:
            notes.append(f"Paramètre « {_short(name)} » ignoré : inconnu (paramètres reconnus : "
                         f"{', '.join(FILTER_PARAMS)}).")
            continue
        field = by_name[name]
        allowed = options.get(field, [])
        lookup = {ref.norm_key(v): v for v in allowed}
        chosen: list = []
        for raw in values:
            raw = str(raw)
            if field in INT_FIELDS:
                try:
                    value = int(raw.strip())
                except ValueError:
                    notes.append(f"Paramètre « {name} » : « {_short(raw)} » ignoré, ce n'est pas un nombre "
                                 f"(attendu {', '.join(str(v) for v in allowed)}).")
                    continue
                if value not in allowed:
                    notes.append(f"Paramètre « {name} » : {_short(raw)} ignoré, ce {_WHAT[field]} n'existe pas "
                                 f"(attendu {', '.join(str(v) for v in allowed)}).")
                    continue
            else:
                value = lookup.get(ref.norm_key(raw))
                if value is None:
                    where = "dans ce recensement" if field == "communes" else "dans le kit"
                    notes.append(f"Paramètre « {name} » : « {_short(raw)} » ignoré, cette {_WHAT[field]} "
                                 f"n'existe pas {where}." if field in ("families", "communes", "categories", "sources")
                                 else f"Paramètre « {name} » : « {_short(raw)} » ignoré, ce {_WHAT[field]} "
                                      f"n'existe pas {where}.")
                    continue
            if value not in chosen:
                chosen.append(value)
        if chosen:
            changes[field] = tuple(v for v in allowed if v in chosen)  # the sidebar's order
    return Decoded(defaults.with_values(**changes), tuple(notes))
