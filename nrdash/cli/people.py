"""``python -m nrdash user add EMAIL`` (local accounts and their roles), ``erase TEXTE --territoire CODE``
(formerly ``erase-person``: a person's personal data erased from every version of a territory) and ``retention``.

Withdrawing access (issue 23): ``user remove EMAIL [--territoire CODE]`` (a role on one territory, or the whole
account; never the last instance administrator), ``user role EMAIL --role ROLE [--territoire CODE]`` (a role
changed, downgrades included; ``--role editeur`` is ``éditeur``), ``user logout EMAIL`` (every open session of the
account ended). The account's open sessions end at their next operation, on every replica. ``retention``: the
territories' retention periods applied now (for cron; the server also applies them at most once a day on its own).
An unknown e-mail, the last administrator…: a French message, exit code 2, nothing changed."""
from __future__ import annotations

import argparse
import getpass
import sys

from .operator import guarded, open_store, operator
from .parser import territory_option


def role_argument(text: str) -> str:
    """``--role``: one of the roles, accents and case ignored (« editeur » is « éditeur »), else a French message."""
    from ..referential import ROLES, expected, role_named

    role = role_named(text)
    if role is None:
        raise argparse.ArgumentTypeError(f"rôle « {text} » inconnu : {expected(ROLES)} (accents et majuscules "
                                         "facultatifs).")
    return role


def _sessions(n: int) -> str:
    return f" ; {n} session(s) ouverte(s) fermée(s)" if n else ""


def _user_remove(args: argparse.Namespace) -> int:
    out = open_store(seed=False).remove_user(operator(), args.email, args.territoire)
    if args.territoire:
        print(f"Rôle {out['role']} retiré à {out['email']} sur le territoire {args.territoire}"
              f"{_sessions(out['sessions_ended'])}.")
    else:
        print(f"Compte retiré : {out['email']} (rôles, sessions et brouillons){_sessions(out['sessions_ended'])}.")
    return 0


def _user_role(args: argparse.Namespace) -> int:
    from ..store import StoreError

    if args.role is None:
        raise StoreError("Précisez le nouveau rôle : --role lecteur, éditeur ou administrateur.")
    out = open_store(seed=False).set_role(operator(), args.email, args.role, args.territoire)
    where = f" sur le territoire {args.territoire}" if args.territoire else " de l'instance"
    print(f"{out['email']} : rôle {out['role']}{where}"
          + ("" if out["is_admin"] or not args.territoire else " (pas administrateur de l'instance)")
          + f"{_sessions(out['sessions_ended'])}.")
    return 0


def _user_logout(args: argparse.Namespace) -> int:
    n = open_store(seed=False).end_sessions(operator(), args.email)
    print(f"{args.email.strip()} : {n} session(s) ouverte(s) fermée(s), sur tous les appareils." if n else
          f"{args.email.strip()} n'avait aucune session ouverte.")
    return 0


USER_ACTIONS = {"remove": _user_remove, "role": _user_role, "logout": _user_logout}


@guarded
def _user(args: argparse.Namespace) -> int:
    from ..store import StoreError, check_email

    if args.action != "add":
        if args.sans_mot_de_passe:
            raise StoreError("--sans-mot-de-passe ne s'emploie qu'avec « user add ».")
        return USER_ACTIONS[args.action](args)
    store = open_store()
    email = check_email(args.email)
    password = None
    if not store.user_exists(operator(), email) and not args.sans_mot_de_passe:
        if sys.stdin is not None and sys.stdin.isatty():
            password = getpass.getpass("Mot de passe : ")
            if getpass.getpass("Mot de passe (encore) : ") != password:
                print("Les deux mots de passe diffèrent : rien n'est créé.", file=sys.stderr)
                return 2
        else:
            password = (sys.stdin.readline() if sys.stdin else "").rstrip("\r\n")
    res = store.add_user(operator(), email, password, args.role, args.territoire,
                         without_password=args.sans_mot_de_passe)
    where = f" sur le territoire {args.territoire}" if args.territoire else ""
    print(("Compte créé" if res["created"] else "Compte mis à jour") + f" : {res['email']}"
          + (f", rôle {args.role}{where}" if args.role else "")
          + (" ; administrateur de l'instance" if res["is_admin"] else "")
          + (" ; connexion par le fournisseur d'identité seulement (sans mot de passe local)"
             if res["created"] and args.sans_mot_de_passe else "") + ".")
    return 0


@guarded
def _erase(args: argparse.Namespace) -> int:
    n = open_store().erase_person(operator(), args.territoire, args.text)
    print(f"{n} version(s) modifiée(s) : données personnelles effacées et fichiers d'origine expurgés."
          if n else "Aucune donnée personnelle ne correspond : rien n'est effacé.")
    return 0


@guarded
def _retention(args: argparse.Namespace) -> int:
    done = open_store(seed=False).apply_retention(operator())
    if not done:
        print("Durée de conservation appliquée : aucune donnée personnelle n'avait dépassé la durée de son territoire.")
    for code, n in sorted(done.items()):
        print(f"Territoire {code} : {n} version(s) ou réponse(s) dont les données personnelles ont été retirées.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from ..referential import ROLES  # not the store: listing the commands must not import SQLAlchemy

    u = sub.add_parser("user", help="comptes : add (créer, donner un rôle ; mot de passe lu sur l'entrée standard ou "
                       "demandé), role (changer un rôle), remove (retirer un rôle ou le compte), logout (fermer ses "
                       "sessions)")
    u.add_argument("action", choices=["add", "role", "remove", "logout"])
    u.add_argument("email", metavar="EMAIL")
    u.add_argument("--role", type=role_argument, help=f"{', '.join(ROLES)} (accents et majuscules facultatifs)")
    u.add_argument("--territoire")
    u.add_argument("--sans-mot-de-passe", action="store_true",
                   help="compte qui se connecte seulement par le fournisseur d'identité (OpenID Connect)")
    u.set_defaults(func=_user)
    x = sub.add_parser("erase", aliases=["erase-person"],
                       help="effacer les données personnelles d'une personne dans toutes les versions")
    x.add_argument("text", metavar="TEXTE")
    territory_option(x)
    x.set_defaults(func=_erase)
    ret = sub.add_parser("retention", help="appliquer maintenant la durée de conservation des données personnelles "
                         "de chaque territoire (cron ; le serveur le fait aussi une fois par jour)")
    ret.set_defaults(func=_retention)
