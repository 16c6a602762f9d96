"""A census of every current French commune, from the official list the project already installs (issue 12).

One actor per current commune that has a postal code (34,964 in découpage administratif 2026): its name and its
first postal code, or its name alone typed as people do (no accents, « St- », capitals). Used by
tests/test_all_communes.py and benchmarks/bench_census.py.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata

from nrdash.geography import _etalab_dir


def official_communes() -> list[dict]:
    """Current communes with a postal code, in the list's order. Raises GeographyUnavailable when absent."""
    raw = json.loads((_etalab_dir() / "communes.json").read_text(encoding="utf-8"))
    return [c for c in raw if c["type"] == "commune-actuelle" and c.get("codesPostaux")]


def typed(name: str, k: int) -> str:
    """'Saint-Médard-d'Aunis' -> 'St-Medard-d'Aunis', one in three in capitals."""
    plain = "".join(ch for ch in unicodedata.normalize("NFD", name) if unicodedata.category(ch) != "Mn")
    for long, short in (("Saint-", "St-"), ("Sainte-", "Ste-"), ("Saints-", "Sts-"), ("Saintes-", "Stes-")):
        plain = plain.replace(long, short)
    return plain.upper() if k % 3 == 0 else plain


HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Code postal"]


def census_rows(communes: list[dict], with_postcode: bool) -> list[list]:
    if with_postcode:
        return [[f"Mairie {c['code']}", "Commune", 1, c["nom"], c["codesPostaux"][0]] for c in communes]
    return [[f"Mairie {c['code']}", "Commune", 1, typed(c["nom"], k), ""] for k, c in enumerate(communes)]


def census_csv(communes: list[dict], with_postcode: bool) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(HEADER)
    w.writerows(census_rows(communes, with_postcode))
    return out.getvalue().encode("utf-8")
