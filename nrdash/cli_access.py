"""Access commands of ``python -m nrdash`` (issue 23): withdrawing access and the retention period.

- ``user remove EMAIL [--territoire CODE]``: a role on one territory, or the whole account (never the last instance
  administrator); ``user role EMAIL --role ROLE [--territoire CODE]``: a role changed, downgrades included;
  ``user logout EMAIL``: every open session of the account ended. (``user add`` is in nrdash/cli_store.py, which
  hands the other actions of ``user`` to ``USER_ACTIONS`` here.) The account's open sessions end at their next
  operation, on every replica.
- ``link create --territoire CODE [--jours N] [--libelle TEXTE] [--json]``, ``link list --territoire CODE [--json]``,
  ``link revoke ID``: locked workshop links. Their address is built on NRDASH_PUBLIC_URL (nrdash.links); without
  it, the path is printed and stderr says the setting is missing.
- ``retention``: the territories' retention periods applied now (for cron; the server also applies them at most
  once a day on its own).

Exit codes as the store's other commands: 0 done, 2 refused (unknown e-mail or link, the last administrator, a link
revoked already…), a French message on stderr, nothing changed."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .cli_store import _guard, _operator, _store


def role_argument(text: str) -> str:
    """``--role``: one of the roles, accents and case ignored (« editeur » is « éditeur »), else a French message."""
    from .referential import ROLES, expected, role_named

    role = role_named(text)
    if role is None:
        raise argparse.ArgumentTypeError(f"rôle « {text} » inconnu : {expected(ROLES)} (accents et majuscules "
                                         "facultatifs).")
    return role


def days_argument(text: str) -> int:
    """``--jours``: a whole number of days from 1 to 365, else a French message."""
    from .store import StoreError
    from .store.workshop import check_days

    try:
        return check_days(text)
    except StoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sessions(n: int) -> str:
    return f" ; {n} session(s) ouverte(s) fermée(s)" if n else ""


@_guard
def _user_remove(args: argparse.Namespace) -> int:
    out = _store(seed=False).remove_user(_operator(), args.email, args.territoire)
    if args.territoire:
        print(f"Rôle {out['role']} retiré à {out['email']} sur le territoire {args.territoire}"
              f"{_sessions(out['sessions_ended'])}.")
    else:
        print(f"Compte retiré : {out['email']} (rôles, sessions et brouillons){_sessions(out['sessions_ended'])}.")
    return 0


@_guard
def _user_role(args: argparse.Namespace) -> int:
    from .store import StoreError

    if args.role is None:
        raise StoreError("Précisez le nouveau rôle : --role lecteur, éditeur ou administrateur.")
    out = _store(seed=False).set_role(_operator(), args.email, args.role, args.territoire)
    where = f" sur le territoire {args.territoire}" if args.territoire else " de l'instance"
    print(f"{out['email']} : rôle {out['role']}{where}"
          + ("" if out["is_admin"] or not args.territoire else " (pas administrateur de l'instance)")
          + f"{_sessions(out['sessions_ended'])}.")
    return 0


@_guard
def _user_logout(args: argparse.Namespace) -> int:
    n = _store(seed=False).end_sessions(_operator(), args.email)
    print(f"{args.email.strip()} : {n} session(s) ouverte(s) fermée(s), sur tous les appareils." if n else
          f"{args.email.strip()} n'avait aucune session ouverte.")
    return 0


USER_ACTIONS = {"remove": _user_remove, "role": _user_role, "logout": _user_logout}


def public_base() -> str | None:
    """NRDASH_PUBLIC_URL as links start, None when unset (stderr says so); StoreError when it is wrongly written."""
    from .links import PUBLIC_URL_ENV, LinkError
    from .links import public_base as base_of
    from .store import StoreError

    try:
        base = base_of(os.environ.get(PUBLIC_URL_ENV))
    except LinkError as exc:
        raise StoreError(f"{exc} Aucun lien n'a été créé.") from None
    if base is None:
        print(f"{PUBLIC_URL_ENV} n'est pas réglé : seul le chemin du lien est donné ; faites-le précéder de l'adresse "
              f"publique de l'instance, ou réglez {PUBLIC_URL_ENV} (par exemple https://nrdash.agglo.fr).",
              file=sys.stderr)
    return base


@_guard
def _link_create(args: argparse.Namespace) -> int:
    from .links import locked_link_path, public_url

    base = public_base()  # checked before the link is made
    token = _store(seed=False).create_workshop_token(_operator(), args.territoire, args.libelle or "",
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


@_guard
def _link_list(args: argparse.Namespace) -> int:
    items = _store(seed=False).workshop_links(_operator(), args.territoire)
    if args.json:
        print(json.dumps([x.as_dict() for x in items], ensure_ascii=False))
        return 0
    if not items:
        print(f"Aucun lien d'atelier pour le territoire {args.territoire}.")
    for x in items:
        print(f"n° {x.id}  {x.state}  expire le {x.expires_at.astimezone():%Y-%m-%d %H:%M}  "
              f"{x.label or '(sans libellé)'}  créé le {x.created_at.astimezone():%Y-%m-%d} par {x.created_by or '—'}"
              + (f"  révoqué le {x.revoked_at.astimezone():%Y-%m-%d %H:%M}" if x.revoked_at else ""))
    return 0


@_guard
def _link_revoke(args: argparse.Namespace) -> int:
    code = _store(seed=False).revoke_workshop_link(_operator(), args.id)
    print(f"Lien d'atelier n° {args.id} révoqué (territoire {code}) : les sessions ouvertes avec lui n'affichent plus "
          "rien à leur prochaine mise à jour.")
    return 0


@_guard
def _retention(args: argparse.Namespace) -> int:
    done = _store(seed=False).apply_retention(_operator())
    if not done:
        print("Durée de conservation appliquée : aucune donnée personnelle n'avait dépassé la durée de son territoire.")
    for code, n in sorted(done.items()):
        print(f"Territoire {code} : {n} version(s) ou réponse(s) dont les données personnelles ont été retirées.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``link`` and ``retention`` to ``python -m nrdash`` (``user``'s other actions: USER_ACTIONS)."""
    link = sub.add_parser("link", help="liens d'atelier verrouillés : créer, lister, révoquer")
    actions = link.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="créer un lien (son adresse est montrée une fois)")
    c.add_argument("--territoire", required=True)
    c.add_argument("--jours", type=days_argument, default=30, help="durée de validité, de 1 à 365 jours (30)")
    c.add_argument("--libelle", help="par exemple « Atelier du 12 mars »")
    c.add_argument("--json", action="store_true", help="un objet JSON : id, url, territoire, libelle, expire_le")
    c.set_defaults(func=_link_create)
    ls = actions.add_parser("list", help="les liens d'un territoire et leur état")
    ls.add_argument("--territoire", required=True)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_link_list)
    r = actions.add_parser("revoke", help="révoquer un lien : ses sessions ouvertes n'affichent plus rien")
    r.add_argument("id", metavar="ID", help="numéro du lien (link list)")
    r.set_defaults(func=_link_revoke)
    ret = sub.add_parser("retention", help="appliquer maintenant la durée de conservation des données personnelles "
                         "de chaque territoire (cron ; le serveur le fait aussi une fois par jour)")
    ret.set_defaults(func=_retention)
