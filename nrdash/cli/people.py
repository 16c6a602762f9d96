"""``python -m nrdash user add EMAIL`` (local accounts and their roles) and ``erase TEXTE --territoire CODE``
(formerly ``erase-person``: a person's personal data erased from every version of a territory)."""
from __future__ import annotations

import argparse
import getpass
import sys

from .operator import guarded, open_store, operator


@guarded
def _user(args: argparse.Namespace) -> int:
    from ..store import check_email

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


def register(sub: argparse._SubParsersAction) -> None:
    from ..referential import ROLES  # not the store: listing the commands must not import SQLAlchemy

    u = sub.add_parser("user", help="comptes locaux (mot de passe lu sur l'entrée standard ou demandé)")
    u.add_argument("action", choices=["add"])
    u.add_argument("email", metavar="EMAIL")
    u.add_argument("--role", choices=ROLES)
    u.add_argument("--territoire")
    u.add_argument("--sans-mot-de-passe", action="store_true",
                   help="compte qui se connecte seulement par le fournisseur d'identité (OpenID Connect)")
    u.set_defaults(func=_user)
    x = sub.add_parser("erase", aliases=["erase-person"],
                       help="effacer les données personnelles d'une personne dans toutes les versions")
    x.add_argument("text", metavar="TEXTE")
    x.add_argument("--territoire", required=True)
    x.set_defaults(func=_erase)
