"""``python -m nrdash export CODE FICHIER`` and ``import FICHIER`` (formerly ``export-territoire``,
``import-territoire``): a territory's archive (nrdash.store.archive), written to a file or read into an instance."""
from __future__ import annotations

import argparse
from pathlib import Path

from .operator import guarded, open_store, operator


def _kept_line(store, code: str) -> str | None:
    """What the archive carries besides versions, in words (None when nothing)."""
    from ..text import count_noun

    who = operator()
    links, unlinks = store.pairings(who, code)
    parts = [count_noun(n, singular, plural) for n, singular, plural in (
        (len(store.objectives(who, code)), "objectif", None),
        (len(links) + len(unlinks), "choix d'appariement manuel", "choix d'appariement manuels"),
        (len(store.submissions(who, code)), "réponse au questionnaire", "réponses au questionnaire")) if n]
    if not parts:
        return None
    return "Avec " + (", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else parts[0]) + "."


@guarded
def _export(args: argparse.Namespace) -> int:
    store = open_store()
    data = store.export_territory(operator(), args.code)
    Path(args.out).write_bytes(data)
    print(f"Territoire {args.code} exporté : {args.out}")
    line = _kept_line(store, args.code)
    if line:
        print(line)
    return 0


@guarded
def _import(args: argparse.Namespace) -> int:
    store = open_store()
    code, n = store.import_territory(operator(), Path(args.file).read_bytes())
    print(f"Territoire {code} importé : {n} version(s).")
    line = _kept_line(store, code)
    if line:
        print(line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", aliases=["export-territoire"],
                       help="exporter un territoire : versions (fichiers d'origine, contenu, données personnelles), "
                       "objectifs, appariements manuels, réponses au questionnaire, manifeste")
    e.add_argument("code", metavar="CODE")
    e.add_argument("out", metavar="FICHIER")
    e.set_defaults(func=_export)
    i = sub.add_parser("import", aliases=["import-territoire"], help="importer un export dans une instance neuve")
    i.add_argument("file", metavar="FICHIER")
    i.set_defaults(func=_import)
