"""``python -m nrdash publish``, ``versions``, ``restore``: a territory's published versions; and ``db upgrade``, the
database they live in (nrdash.cli.operator: how these commands reach the store)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .json_values import print_listing
from .operator import guarded, open_store, operator
from .parser import territory_listing, territory_option


@guarded
def _db(args: argparse.Namespace) -> int:
    from ..store import Store

    store = Store()
    print(f"Schéma de la base à jour (révision {store.ensure_schema(operator(), False)}) : "
          f"{store.engine.url.render_as_string(hide_password=True)}")
    return 0


@guarded
def _publish(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    res = open_store().publish(operator(), args.territoire, data, path.name, author=args.auteur or "",
                               note=args.note or "",
                               force_reason=args.forcer_erreurs)
    if not res.created:
        print(f"Fichier identique à la dernière version ({res.number}) : aucune nouvelle version.", file=sys.stderr)
    print(res.number)
    return 0


@guarded
def _versions(args: argparse.Namespace) -> int:
    def line(v) -> str:
        what = f"restauration de la v{v.restored_from}" if v.restored_from else v.file_name
        return (f"v{v.number}  {v.created_at.astimezone():%Y-%m-%d %H:%M}  {v.author or '—'}  {what}  "
                f"{v.n_actors} acteurs, {v.n_errors} erreur(s), {v.n_warnings} avertissement(s)"
                + ("  [expurgée]" if v.redacted_at else "") + (f"\n      {v.note}" if v.note else ""))

    return print_listing(open_store().versions(operator(), args.territoire), args.json,
                         f"Aucune version pour le territoire {args.territoire}.", line)


@guarded
def _restore(args: argparse.Namespace) -> int:
    res = open_store().restore(operator(), args.territoire, args.number, author=args.auteur or "", note=args.note or "")
    if not res.created:
        print(f"La version {args.number} est déjà la dernière ({res.number}) : aucune nouvelle version.",
              file=sys.stderr)
    print(res.number)
    return 0


def _note_and_author(parser: argparse.ArgumentParser) -> None:
    """What a new version records of why and by whom (publish, restore)."""
    parser.add_argument("--note", help="pourquoi cette version (montré dans l'historique)")
    parser.add_argument("--auteur", help="qui la publie (montré dans l'historique)")


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="base partagée : créer ou mettre à jour le schéma")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=_db)
    p = sub.add_parser("publish", help="publier un recensement comme nouvelle version d'un territoire")
    p.add_argument("file", metavar="FICHIER")
    territory_option(p)
    _note_and_author(p)
    p.add_argument("--forcer-erreurs", metavar="RAISON", help="publier malgré des lignes en erreur, pour cette raison")
    p.set_defaults(func=_publish)
    territory_listing(sub, "versions", "historique des versions d'un territoire", _versions)
    r = sub.add_parser("restore", help="republier une ancienne version (nouvelle version)")
    r.add_argument("number", type=int, metavar="VERSION")
    territory_option(r)
    _note_and_author(r)
    r.set_defaults(func=_restore)
