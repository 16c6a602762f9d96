"""``python -m nrdash link create --territoire CODE [--jours N] [--libelle TEXTE] [--json]``, ``link list
--territoire CODE [--json]``, ``link revoke ID`` (issue 23): locked workshop links, with their expiry (1 to 365 days,
30 by default). Their address is built on NRDASH_PUBLIC_URL (nrdash.links); without it, the path (starting with
``/``) is printed and stderr says the setting is missing. A revoked or expired link ends the projectors opened with
it at their next run. An unknown or already revoked link: a French message, exit code 2, nothing changed."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .json_values import print_listing
from .operator import guarded, open_store, operator
from .parser import territory_listing, territory_option


def days_argument(text: str) -> int:
    """``--jours``: a whole number of days from 1 to 365, else a French message."""
    from ..store import StoreError
    from ..store.workshop import check_days

    try:
        return check_days(text)
    except StoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def public_base() -> str | None:
    """NRDASH_PUBLIC_URL as links start, None when unset (stderr says so); StoreError when it is wrongly written."""
    from ..links import PUBLIC_URL_ENV, LinkError
    from ..links import public_base as base_of
    from ..store import StoreError

    try:
        base = base_of(os.environ.get(PUBLIC_URL_ENV))
    except LinkError as exc:
        raise StoreError(f"{exc} Aucun lien n'a été créé.") from None
    if base is None:
        print(f"{PUBLIC_URL_ENV} n'est pas réglé : seul le chemin du lien est donné ; faites-le précéder de l'adresse "
              f"publique de l'instance, ou réglez {PUBLIC_URL_ENV} (par exemple https://nrdash.agglo.fr).",
              file=sys.stderr)
    return base


@guarded
def _create(args: argparse.Namespace) -> int:
    from ..links import locked_link_path, public_url

    base = public_base()  # checked before the link is made
    token = open_store(seed=False).create_workshop_token(operator(), args.territoire, args.libelle or "",
                                                         days=args.jours)
    path = locked_link_path(args.territoire, token)
    url = public_url(path, base) if base else path
    if args.json:
        print(json.dumps({"id": token.id, "url": url, "territoire": args.territoire, "libelle": args.libelle or "",
                          "expire_le": token.expires_at.isoformat()}, ensure_ascii=False))
    else:
        print(url)
        print(f"Lien d'atelier n° {token.id}, valable jusqu'au {token.expires_at.astimezone():%d/%m/%Y à %H:%M} : "
              "copiez-le maintenant, il n'est montré qu'une fois.", file=sys.stderr)
    return 0


@guarded
def _list(args: argparse.Namespace) -> int:
    return print_listing(
        open_store(seed=False).workshop_links(operator(), args.territoire), args.json,
        f"Aucun lien d'atelier pour le territoire {args.territoire}.",
        lambda x: f"n° {x.id}  {x.state}  expire le {x.expires_at.astimezone():%Y-%m-%d %H:%M}  "
                  f"{x.label or '(sans libellé)'}  créé le {x.created_at.astimezone():%Y-%m-%d} par {x.created_by or '—'}"
                  + (f"  révoqué le {x.revoked_at.astimezone():%Y-%m-%d %H:%M}" if x.revoked_at else ""))


@guarded
def _revoke(args: argparse.Namespace) -> int:
    code = open_store(seed=False).revoke_workshop_link(operator(), args.id)
    print(f"Lien d'atelier n° {args.id} révoqué (territoire {code}) : les sessions ouvertes avec lui n'affichent plus "
          "rien à leur prochaine mise à jour.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    link = sub.add_parser("link", help="liens d'atelier verrouillés : créer, lister, révoquer")
    actions = link.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="créer un lien (son adresse est montrée une fois)")
    territory_option(c)
    c.add_argument("--jours", type=days_argument, default=30, help="durée de validité, de 1 à 365 jours (30)")
    c.add_argument("--libelle", help="par exemple « Atelier du 12 mars »")
    c.add_argument("--json", action="store_true", help="un objet JSON : id, url, territoire, libelle, expire_le")
    c.set_defaults(func=_create)
    territory_listing(actions, "list", "les liens d'un territoire et leur état", _list)
    r = actions.add_parser("revoke", help="révoquer un lien : ses sessions ouvertes n'affichent plus rien")
    r.add_argument("id", metavar="ID", help="numéro du lien (link list)")
    r.set_defaults(func=_revoke)
