"""Command line: ``python -m nrdash check FILE [--json] [--with-contacts]``, ``python -m nrdash template OUT``,
``python -m nrdash diff ANCIEN NOUVEAU [--json]`` (nrdash.cli_diff), the store's commands (nrdash.cli_store) and the
update campaigns' (nrdash.cli_campaign).

Exit codes of ``check``: 0 loaded without errors (warnings allowed), 1 loaded with rows in error,
2 unusable file. Never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import referential as ref
from .sandbox import PendingChecks, load_census_isolated
from .text import count_noun, plural
from .workbook import CensusError

if TYPE_CHECKING:
    from .census import Census

JSON_ACTOR_FIELDS = ("row", "name", "siret", "family", "type", "level", "circle", "is_local", "insee", "postcode",
                     "commune", "lat", "lon", "placement", "action_types", "dimensions", "source")


def _plain(value: Any) -> Any:
    """JSON-safe value: NA/NaN -> None, numpy scalars -> Python."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        if value != value:  # NaN / NA
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_SIMPLE = (str, int, bool, type(None))  # JSON-safe as they are (a float may be NaN or infinite)


def _plain_column(column) -> list[Any]:
    """``_plain`` of each value of a column, a whole float column at once."""
    if column.dtype.kind == "f":
        import numpy as np

        values = column.to_numpy(dtype="float64", na_value=np.nan)
        out = values.tolist()
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            out[i] = None
        return out
    return [v if type(v) in _SIMPLE or (type(v) is list and _texts_only(v)) else _plain(v) for v in column.tolist()]


def _texts_only(items: list) -> bool:
    """A list of plain texts (the census's multi-valued cells), JSON-safe as it is."""
    return all(type(x) is str for x in items)


def json_bytes(obj: Any) -> bytes:
    """``obj`` as UTF-8 JSON text ending with a newline. orjson (Rust) writes the 40 MB of a 100,000-actor report
    about five times faster than the standard library; text it refuses (a lone surrogate from a damaged file) is
    written by the standard library instead, escaped."""
    import orjson

    try:
        return orjson.dumps(obj, default=str, option=orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):
        return (json.dumps(obj, default=str) + "\n").encode("ascii")


def census_json(census: Census, with_contacts: bool = False) -> dict[str, Any]:
    fields = JSON_ACTOR_FIELDS + (ref.PERSONAL_FIELDS if with_contacts else ())
    table = census.actors[list(fields)]
    from .placement import placement_codes  # coordinates / insee / postcode / name / name-tiebreak

    table = table.assign(placement=placement_codes(table["placement"]))
    keys = list(fields)
    actors = [dict(zip(keys, values)) for values in zip(*(_plain_column(table[k]) for k in keys))]
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
        from .placement import placement_summary

        lines.append("")
        lines.append(f"Sur la carte : {placement_summary(a)}.")
    return "\n".join(lines)


def _geography(warm: bool = False):
    """The offline geography, or the note that says why there is none. ``warm``: with its look-up tables built."""
    from .geography import GeographyUnavailable, load_geography

    try:
        geo = load_geography()
    except GeographyUnavailable as exc:
        return None, f"Placement géographique non effectué : {exc}"
    return (geo.warm() if warm else geo), None


def _place(census: Census, geography=None) -> tuple[Census, str | None]:
    """Place actors on the map when the offline geography is installed; otherwise say so. ``geography``: the
    result of _geography() when already loaded."""
    from .placement import place_actors, resolve_territory

    geo, note = geography or _geography()
    if geo is None:
        return census, note
    info, _ = resolve_territory(census.territory, geo)
    return place_actors(census, geo, set(info.members) if info else None), None


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
        text, code = load_census_isolated(checks, mode="fork", alongside=lambda: _geography(warm=True),
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
        census, geo_note = _place(census, geography)
        if args.json:
            return json_bytes(census_json(census, args.with_contacts)), 1 if census.errors else 0
        return report_text(census) + "\n" + (geo_note + "\n" if geo_note else ""), 1 if census.errors else 0
    except CensusError:
        raise
    except Exception as exc:  # the contract: never a traceback
        return None, type(exc).__name__


def _template(args: argparse.Namespace) -> int:
    from .template import write_template

    try:
        write_template(args.out)
    except OSError as exc:
        print(f"Impossible d'écrire {args.out} : {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Modèle de recensement écrit : {args.out}")
    return 0


def _geo(args: argparse.Namespace) -> int:
    from .geography import CACHE_FILES, GeographyUnavailable, build_cache, cache_dir

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nrdash", description="nrdash — recensement des acteurs NR")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="vérifier un recensement (.xlsx, .xls, .ods, .csv)")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    check.add_argument("--with-contacts", action="store_true",
                       help="inclure référents et contacts (données personnelles, RGPD)")
    check.set_defaults(func=_check)
    template = sub.add_parser("template", help="écrire le modèle de recensement vierge")
    template.add_argument("out")
    template.set_defaults(func=_template)
    geo = sub.add_parser("geo", help="géographie hors ligne")
    geo.add_argument("action", choices=["build"])
    geo.add_argument("--if-missing", action="store_true", help="ne rien faire si le cache existe")
    geo.set_defaults(func=_geo)
    from .cli_store import register  # store commands: publish, versions, restore, user…
    register(sub)
    from .cli_campaign import register as register_campaign  # campaign create, send, remind, status, links
    register_campaign(sub)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["check"]:  # nrdash.cli_diff imports pandas: check imports it later, once its checks started
        from .cli_diff import register as register_diff  # diff ANCIEN NOUVEAU
        register_diff(sub)
    args = parser.parse_args(argv)
    return args.func(args)


# Commands that only read files and print: once their output is flushed, the process ends without the interpreter's
# teardown (about 0.2 s with pandas and pyarrow loaded), which only frees memory the system takes back anyway. The
# store's commands end normally (their database connections are closed properly).
QUICK_EXIT = frozenset({"check", "diff"})

if __name__ == "__main__":
    code = main()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code or 0))
    sys.exit(code)
