"""``python -m nrdash check FILE [--json] [--with-contacts]`` and ``python -m nrdash template OUT``: a census file
checked, or the blank workbook written, without the store; ``python -m nrdash geo build`` installs the offline
geography that ``check`` (and ``diff``) place actors with.

Exit codes of ``check``: 0 loaded without errors (warnings allowed), 1 loaded with rows in error,
2 unusable file. Never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import referential as ref
from ..sandbox import PendingChecks, load_census_isolated
from ..text import count_noun, plural
from ..workbook import CensusError
from .json_values import json_bytes, plain_column
from .placing import offline_geography, place

if TYPE_CHECKING:
    from ..census import Census

JSON_ACTOR_FIELDS = ("row", "name", "siret", "family", "type", "level", "circle", "is_local", "insee", "postcode",
                     "commune", "lat", "lon", "placement", "action_types", "dimensions", "source")


def census_json(census: Census, with_contacts: bool = False) -> dict[str, Any]:
    fields = JSON_ACTOR_FIELDS + (ref.PERSONAL_FIELDS if with_contacts else ())
    table = census.actors[list(fields)]
    from ..placement import placement_codes  # coordinates / insee / postcode / name / name-tiebreak

    table = table.assign(placement=placement_codes(table["placement"]))
    keys = list(fields)
    actors = [dict(zip(keys, values)) for values in zip(*(plain_column(table[k]) for k in keys))]
    return {"file": census.file_name, "rows": len(actors), "actors": actors,
            "issues": [i.as_dict() for i in census.issues]}


def _counts(title: str, column, labels: dict, missing_label: str) -> list[str]:
    """A titled count per value (``labels``: value -> label), then the blank cells' count if there are any."""
    lines = [title] + [f"  {label:<34} {int((column == value).sum()):>6}" for value, label in labels.items()]
    missing = int(column.isna().sum())
    return lines + ([f"  {missing_label:<34} {missing:>6}"] if missing else [])


def report_text(census: Census) -> str:
    a = census.actors
    lines = [f"Recensement « {census.file_name} » (feuille « {census.sheet} ») : {count_noun(len(a), 'acteur')}, "
             f"{count_noun(len(census.actions), 'action')} {plural(len(census.actions), 'prévue')}."]
    if census.territory.name:
        lines.append(f"Territoire : {census.territory.name}")
    lines.append("")
    lines += _counts("Acteurs par famille :", a["family"], {fam: fam for fam in ref.FAMILIES}, "Famille inconnue")
    lines += _counts("Acteurs par niveau d'engagement :", a["level"], {lv: ref.level_label(lv) for lv in ref.LEVELS},
                     "Niveau non lu")
    lines.append("")
    errors, warnings = census.errors, census.warnings
    rows_in_error = int(a["has_error"].sum())
    lines.append(f"{len(errors)} erreur(s) sur {rows_in_error} ligne(s), {len(warnings)} avertissement(s).")
    for issue in sorted(census.issues, key=lambda i: (i.sheet, i.row or 0, i.severity)):
        where = f"feuille « {issue.sheet} »" + (f", ligne {issue.row}" if issue.row else "")
        where += f", colonne « {issue.column} »" if issue.column else ""
        tag = "ERREUR" if issue.severity == "error" else "attention"
        lines.append(f"  [{tag}] {where} : {issue.message}")
    if not census.issues:
        lines.append("Aucun problème détecté.")
    if "placement" in a:
        from ..placement import placement_summary

        lines.append("")
        lines.append(f"Sur la carte : {placement_summary(a)}.")
    return "\n".join(lines)


def _unusable(args: argparse.Namespace, error: str, text: str | None = None) -> int:
    """An unusable file: a JSON object saying why on standard output (--json), else ``text`` on standard error."""
    if args.json:
        print(json.dumps({"file": Path(args.file).name, "rows": 0, "actors": [], "issues": [], "error": error},
                         ensure_ascii=False))
    else:
        print(error if text is None else text, file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> int:
    try:
        # The file's checks run in a child while this process imports pandas, and the geography is loaded while
        # another child reads the file: the two cores work together. This process runs no other thread.
        checks = PendingChecks(Path(args.file), in_child=True)
        import nrdash.census  # noqa: F401  (before the reader's fork: its child starts with it)

        # The child that reads the file also loads the geography meanwhile (a thread: the reader releases the
        # GIL), places the actors and writes the report: only the report comes back, not the census.
        text, code = load_census_isolated(checks, mode="fork", alongside=lambda: offline_geography(warm=True),
                                          finish=lambda census, geo: _report(census, geo, args))
    except CensusError as exc:
        return _unusable(args, str(exc), f"Fichier inutilisable : {exc}")
    except Exception as exc:  # the contract: never a traceback
        text, code = None, type(exc).__name__
    if text is None:
        return _unusable(args, f"Erreur inattendue à la lecture ({code}). Signalez-la avec le fichier si possible.")
    if isinstance(text, bytes):  # the JSON report, already UTF-8
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
    else:
        sys.stdout.write(text)
    return code


def _report(census: Census, geography, args: argparse.Namespace) -> tuple[str | bytes | None, int | str]:
    """What ``check`` prints and its exit code; (None, the exception's type) for an unexpected error."""
    try:
        census, geo_note = place(census, geography)
        if args.json:
            return json_bytes(census_json(census, args.with_contacts)), 1 if census.errors else 0
        return report_text(census) + "\n" + (geo_note + "\n" if geo_note else ""), 1 if census.errors else 0
    except CensusError:
        raise
    except Exception as exc:  # the contract: never a traceback
        return None, type(exc).__name__


def _template(args: argparse.Namespace) -> int:
    from ..template import write_template

    try:
        write_template(args.out)
    except OSError as exc:
        print(f"Impossible d'écrire {args.out} : {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Modèle de recensement écrit : {args.out}")
    return 0


def _geo(args: argparse.Namespace) -> int:
    from ..geography import CACHE_FILES, GeographyUnavailable, build_cache, cache_dir

    if args.if_missing and all((cache_dir() / f).exists() for f in CACHE_FILES):
        print(f"Cache géographique présent : {cache_dir()}")
        return 0
    try:
        meta = build_cache()
    except GeographyUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Cache géographique construit dans {cache_dir()} en {meta['built_in_s']} s : {meta['communes']} communes, "
          f"{meta['arrondissements']} arrondissements municipaux, {meta['epci']} EPCI "
          f"({len(meta['without_contour'])} communes sans contour : collectivités d'outre-mer).")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="vérifier un recensement (.xlsx, .xls, .ods, .csv)")
    check.add_argument("file", metavar="FICHIER")
    check.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    check.add_argument("--with-contacts", action="store_true",
                       help="inclure référents et contacts (données personnelles, RGPD)")
    check.set_defaults(func=_check)
    template = sub.add_parser("template", help="écrire le modèle de recensement vierge")
    template.add_argument("out", metavar="FICHIER")
    template.set_defaults(func=_template)
    geo = sub.add_parser("geo", help="géographie hors ligne")
    geo.add_argument("action", choices=["build"])
    geo.add_argument("--if-missing", action="store_true", help="ne rien faire si le cache existe")
    geo.set_defaults(func=_geo)
