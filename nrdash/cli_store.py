"""Store commands of ``python -m nrdash`` (db, publish, versions, restore, export-territoire, import-territoire,
user, erase-person, soumissions). They honour NRDASH_DATABASE_URL / NRDASH_DATA_DIR. Exit codes: 0 done, 1 refused because of
rows in error (publish), 2 unusable file, unknown territory or any other refusal. Never a traceback. The command line
acts as the store's operator (``Principal.operator()``): whoever runs it has the database."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Callable


def _store(seed: bool = True):
    from .store import Store

    return Store(seed_sample=seed)


def _operator():
    from .store import Principal

    return Principal.operator()


def _guard(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from .store import PublishRefused, StoreError

        try:
            return func(args)
        except PublishRefused as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except StoreError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except SQLAlchemyError as exc:
            print(f"Base de données injoignable ou refusée ({type(exc).__name__}) : vérifiez NRDASH_DATABASE_URL "
                  "ou NRDASH_DATA_DIR.", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"Fichier inaccessible : {exc.filename or ''} ({exc.strerror}).", file=sys.stderr)
            return 2
    return run


@_guard
def _db(args: argparse.Namespace) -> int:
    from .store import Store

    store = Store()
    print(f"Schéma de la base à jour (révision {store.ensure_schema(_operator(), False)}) : "
          f"{store.engine.url.render_as_string(hide_password=True)}")
    return 0


@_guard
def _publish(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    res = _store().publish(_operator(), args.territoire, data, path.name, author=args.auteur or "",
                           note=args.note or "",
                           force_reason=args.forcer_erreurs)
    if not res.created:
        print(f"Fichier identique à la dernière version ({res.number}) : aucune nouvelle version.", file=sys.stderr)
    print(res.number)
    return 0


@_guard
def _versions(args: argparse.Namespace) -> int:
    items = _store().versions(_operator(), args.territoire)
    if args.json:
        print(json.dumps([v.as_dict() for v in items], ensure_ascii=False))
        return 0
    if not items:
        print(f"Aucune version pour le territoire {args.territoire}.")
    for v in items:
        what = f"restauration de la v{v.restored_from}" if v.restored_from else v.file_name
        print(f"v{v.number}  {v.created_at.astimezone():%Y-%m-%d %H:%M}  {v.author or '—'}  {what}  "
              f"{v.n_actors} acteurs, {v.n_errors} erreur(s), {v.n_warnings} avertissement(s)"
              + (f"  [expurgée]" if v.redacted_at else "") + (f"\n      {v.note}" if v.note else ""))
    return 0


@_guard
def _restore(args: argparse.Namespace) -> int:
    res = _store().restore(_operator(), args.territoire, args.number, author=args.auteur or "", note=args.note or "")
    if not res.created:
        print(f"La version {args.number} est déjà la dernière ({res.number}) : aucune nouvelle version.",
              file=sys.stderr)
    print(res.number)
    return 0


def _kept_line(store, code: str) -> str | None:
    """What the archive carries besides versions, in words (None when nothing)."""
    from .text import count_noun

    who = _operator()
    links, unlinks = store.pairings(who, code)
    parts = [count_noun(n, singular, plural) for n, singular, plural in (
        (len(store.objectives(who, code)), "objectif", None),
        (len(links) + len(unlinks), "choix d'appariement manuel", "choix d'appariement manuels"),
        (len(store.submissions(who, code)), "réponse au questionnaire", "réponses au questionnaire")) if n]
    if not parts:
        return None
    return "Avec " + (", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else parts[0]) + "."


@_guard
def _export(args: argparse.Namespace) -> int:
    store = _store()
    data = store.export_territory(_operator(), args.code)
    Path(args.out).write_bytes(data)
    print(f"Territoire {args.code} exporté : {args.out}")
    line = _kept_line(store, args.code)
    if line:
        print(line)
    return 0


@_guard
def _import(args: argparse.Namespace) -> int:
    store = _store()
    code, n = store.import_territory(_operator(), Path(args.file).read_bytes())
    print(f"Territoire {code} importé : {n} version(s).")
    line = _kept_line(store, code)
    if line:
        print(line)
    return 0


@_guard
def _user(args: argparse.Namespace) -> int:
    from .store import check_email

    store = _store()
    email = check_email(args.email)
    password = None
    if not store.user_exists(_operator(), email) and not args.sans_mot_de_passe:
        if sys.stdin is not None and sys.stdin.isatty():
            password = getpass.getpass("Mot de passe : ")
            if getpass.getpass("Mot de passe (encore) : ") != password:
                print("Les deux mots de passe diffèrent : rien n'est créé.", file=sys.stderr)
                return 2
        else:
            password = (sys.stdin.readline() if sys.stdin else "").rstrip("\r\n")
    res = store.add_user(_operator(), email, password, args.role, args.territoire,
                         without_password=args.sans_mot_de_passe)
    where = f" sur le territoire {args.territoire}" if args.territoire else ""
    print(("Compte créé" if res["created"] else "Compte mis à jour") + f" : {res['email']}"
          + (f", rôle {args.role}{where}" if args.role else "")
          + (" ; administrateur de l'instance" if res["is_admin"] else "")
          + (" ; connexion par le fournisseur d'identité seulement (sans mot de passe local)"
             if res["created"] and args.sans_mot_de_passe else "") + ".")
    return 0


@_guard
def _erase(args: argparse.Namespace) -> int:
    n = _store().erase_person(_operator(), args.territoire, args.text)
    print(f"{n} version(s) modifiée(s) : données personnelles effacées et fichiers d'origine expurgés."
          if n else "Aucune donnée personnelle ne correspond : rien n'est effacé.")
    return 0


@_guard
def _submissions(args: argparse.Namespace) -> int:
    from .questionnaire import STATUS_LABEL

    items = _store(seed=False).submissions(_operator(), args.territoire, with_contacts=args.with_contacts)
    if args.json:
        print(json.dumps([x.as_dict(args.with_contacts) for x in items], ensure_ascii=False))
        return 0
    if not items:
        print(f"Aucune réponse au questionnaire pour le territoire {args.territoire}.")
    for x in items:
        a = x.answer
        print(f"n° {x.id}  {x.created_at.astimezone():%Y-%m-%d %H:%M}  {STATUS_LABEL.get(x.status, x.status)}  "
              f"{a.name}  ({a.actor_type}, {a.commune or 'commune non précisée'})"
              + (f"\n      besoins : {' ; '.join(a.needs)}" if a.needs else "")
              + (f"\n      contact : {a.referent or '—'}, {a.contact or '—'}" if args.with_contacts else "")
              + (f"\n      raison : {x.reason}" if x.reason else ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the store's subcommands to ``python -m nrdash``."""
    from .referential import ROLES  # not the store: listing the commands must not import SQLAlchemy

    db = sub.add_parser("db", help="base partagée : créer ou mettre à jour le schéma")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=_db)
    p = sub.add_parser("publish", help="publier un recensement comme nouvelle version d'un territoire")
    p.add_argument("file")
    p.add_argument("--territoire", required=True, help="SIREN de l'EPCI ou code INSEE de la commune")
    p.add_argument("--note")
    p.add_argument("--auteur")
    p.add_argument("--forcer-erreurs", metavar="RAISON", help="publier malgré des lignes en erreur, pour cette raison")
    p.set_defaults(func=_publish)
    v = sub.add_parser("versions", help="historique des versions d'un territoire")
    v.add_argument("--territoire", required=True)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_versions)
    r = sub.add_parser("restore", help="republier une ancienne version (nouvelle version)")
    r.add_argument("number", type=int)
    r.add_argument("--territoire", required=True)
    r.add_argument("--note")
    r.add_argument("--auteur")
    r.set_defaults(func=_restore)
    e = sub.add_parser("export-territoire", help="exporter un territoire : versions (fichiers d'origine, contenu, "
                       "données personnelles), objectifs, appariements manuels, réponses au questionnaire, manifeste")
    e.add_argument("code")
    e.add_argument("out")
    e.set_defaults(func=_export)
    i = sub.add_parser("import-territoire", help="importer un export dans une instance neuve")
    i.add_argument("file")
    i.set_defaults(func=_import)
    u = sub.add_parser("user", help="comptes locaux (mot de passe lu sur l'entrée standard ou demandé)")
    u.add_argument("action", choices=["add"])
    u.add_argument("email")
    u.add_argument("--role", choices=ROLES)
    u.add_argument("--territoire")
    u.add_argument("--sans-mot-de-passe", action="store_true",
                   help="compte qui se connecte seulement par le fournisseur d'identité (OpenID Connect)")
    u.set_defaults(func=_user)
    x = sub.add_parser("erase-person", help="effacer les données personnelles d'une personne dans toutes les versions")
    x.add_argument("text")
    x.add_argument("--territoire", required=True)
    x.set_defaults(func=_erase)
    q = sub.add_parser("soumissions", help="réponses au questionnaire d'un territoire (sans contacts par défaut)")
    q.add_argument("--territoire", required=True)
    q.add_argument("--json", action="store_true")
    q.add_argument("--with-contacts", action="store_true", help="ajouter le référent et le contact (données personnelles)")
    q.set_defaults(func=_submissions)
