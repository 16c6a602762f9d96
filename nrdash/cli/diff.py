"""``python -m nrdash diff ANCIEN NOUVEAU [--json]``: what changed between two census files, without the store.

Both files are read by the protected reader (``sandbox.load_census_isolated``) and placed (offline geography
when installed) exactly as ``check`` does, then compared by ``nrdash.compare``. Exit 0, or 2 when a file is
unusable (then JSON ``error``, as ``check``). Référent and Contact are never compared nor printed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..census import Census, CensusError

if TYPE_CHECKING:  # for the annotations; the functions import compare when they run, as before
    from .. import compare as cp


def _load(path: str) -> tuple[Census, str | None]:
    from ..sandbox import load_census_isolated
    from .placing import place

    census = load_census_isolated(Path(path), mode="fork")  # this process runs no other thread
    return place(census)


ACTOR_FIELDS = ("row", "name", "siret", "commune", "insee", "level")


def _actors(actors, positions) -> list[dict[str, Any]]:
    from .json_values import plain

    part = actors.iloc[positions]
    part = part.reindex(columns=list(ACTOR_FIELDS))
    return [{k: plain(v) for k, v in r.items()} for r in part.to_dict("records")]


def diff_json(cmp: cp.Comparison) -> dict[str, Any]:
    from .. import compare as cp

    pairs = cmp.pairs
    rows_a, rows_b = cmp.a["row"].tolist(), cmp.b["row"].tolist()
    names_b = cmp.b["name"].tolist()
    changed = []
    for ia, ib, method, fields in zip(pairs["ia"].tolist(), pairs["ib"].tolist(), pairs["method"], pairs["changed"]):
        if fields:
            changed.append({"row_a": rows_a[ia], "row_b": rows_b[ib], "name": names_b[ib], "method": method,
                            "fields": cp.change_details(cmp, ia, ib, fields)})
    transitions = {str(s): {str(d): n for d, n in row.items()} for s, row in cp.level_transitions(cmp).items()}
    return {
        "ancien": cmp.label_a, "nouveau": cmp.label_b,
        "counts": {"new": len(cmp.new), "gone": len(cmp.gone), "changed": len(changed),
                   "unchanged": len(pairs) - len(changed)},
        "new": _actors(cmp.b, cmp.new),
        "gone": _actors(cmp.a, cmp.gone),
        "changed": changed,
        "transitions": transitions,
        "pairs": [{"row_a": rows_a[ia], "row_b": rows_b[ib], "method": m}
                  for ia, ib, m in zip(pairs["ia"].tolist(), pairs["ib"].tolist(), pairs["method"])],
        "ambiguities": [{**a, "key": list(a["key"]) if isinstance(a["key"], tuple) else a["key"]}
                        for a in cmp.ambiguities],
    }


LISTED = 50  # actors named per list in the text report


def _line(actors, pos: int) -> str:
    rec = actors.iloc[pos]
    where = f", {rec['commune']}" if isinstance(rec["commune"], str) else ""
    return f"  ligne {rec['row']} : {rec['name']}{where}"


def diff_text(cmp: cp.Comparison) -> str:
    from .. import compare as cp

    lines = [cp.summary_sentence(cmp), ""]
    methods = cmp.pairs["method"].value_counts()
    if len(methods):
        lines.append("Acteurs appariés : " + ", ".join(f"{ref_n(n)} par {m}" for m, n in methods.items()) + ".")
    for title, frame, positions in (("Nouveaux acteurs", cmp.b, cmp.new), ("Acteurs sortis", cmp.a, cmp.gone)):
        if len(positions):
            lines.append(f"{title} ({ref_n(len(positions))}) :")
            lines += [_line(frame, p) for p in positions[:LISTED].tolist()]
            if len(positions) > LISTED:
                lines.append(f"  … et {ref_n(len(positions) - LISTED)} autres (--json pour la liste complète).")
    changed = cmp.changed
    if len(changed):
        lines.append(f"Acteurs modifiés ({ref_n(len(changed))}) :")
        for ia, ib, fields in list(zip(changed["ia"], changed["ib"], changed["changed"]))[:LISTED]:
            what = " ; ".join(f"{h} : {_shown(x)} → {_shown(y)}"
                              for h, (x, y) in cp.change_details(cmp, ia, ib, fields).items())
            lines.append(f"{_line(cmp.b, ib)} (ligne {cmp.a['row'].iat[ia]} avant) — {what}")
        if len(changed) > LISTED:
            lines.append(f"  … et {ref_n(len(changed) - LISTED)} autres (--json pour la liste complète).")
    lines.append("")
    lines.append("Niveaux d'engagement :")
    lines += [f"  {s}." for s in cp.transition_sentences(cp.level_transitions(cmp))]
    for a in cmp.ambiguities[:LISTED]:
        lines.append(f"Attention : appariement ambigu ({a['method']}) entre les lignes "
                     f"{', '.join(map(str, a['rows_a']))} de l'ancien et {', '.join(map(str, a['rows_b']))} du "
                     "nouveau (doublons) : appariées dans l'ordre des lignes. Fusionnez les doublons.")
    return "\n".join(lines)


def ref_n(n: int) -> str:
    from ..text import thousands

    return thousands(n)


def _shown(v: Any) -> str:
    return "(vide)" if v is None else str(v)


def _diff(args: argparse.Namespace) -> int:
    from .. import compare as cp

    censuses, notes = [], []
    for path in (args.ancien, args.nouveau):
        try:
            census, note = _load(path)
        except Exception as exc:  # CensusError, or anything else: the contract is never a traceback
            message = (str(exc) if isinstance(exc, CensusError) else
                       f"Erreur inattendue à la lecture ({type(exc).__name__}). Signalez-la avec le fichier si possible.")
            if args.json:
                print(json.dumps({"file": Path(path).name, "error": message}, ensure_ascii=False))
            else:
                print(f"Fichier inutilisable « {Path(path).name} » : {message}", file=sys.stderr)
            return 2
        censuses.append(census)
        if note and note not in notes:
            notes.append(note)
    result = cp.compare(*censuses)
    if args.json:
        print(json.dumps(diff_json(result), ensure_ascii=False, default=str))
    else:
        print(diff_text(result))
        for note in notes:
            print(note)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    diff = sub.add_parser("diff", help="comparer deux recensements (ancien, nouveau)")
    diff.add_argument("ancien", metavar="ANCIEN")
    diff.add_argument("nouveau", metavar="NOUVEAU")
    diff.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    diff.set_defaults(func=_diff)
