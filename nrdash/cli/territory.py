"""Territory commands of ``python -m nrdash`` (issue 25): a territory's settings, read and changed by the operator.

    python -m nrdash territory show CODE [--json]
    python -m nrdash territory open CODE
    python -m nrdash territory close CODE
    python -m nrdash territory set CODE [--contact ADRESSE] [--conservation MOIS]

A new territory is created closed: ``open`` makes every published version, earlier ones included, readable by anyone
without an account; ``close`` takes it back to the territory's accounts; ``set`` gives the questionnaire's contact
address and the retention period. nrdash.cli.operator's guard: exit 0 done, 2 unknown territory or refused value,
with a French message and never a traceback."""
from __future__ import annotations

import argparse
import json
import sys

from .operator import guarded, open_store, operator

SHOWN = ("code", "name", "anonymous_read", "questionnaire_open", "contact_email", "retention_months")


def _settings(store, code: str) -> dict | None:
    """The territory's settings as ``show --json`` gives them, or None after saying (French, stderr) that the code is
    not on this instance, and which are."""
    from ..store import StoreError

    try:
        t = store.territory(operator(), code)
    except StoreError:
        codes = [t["code"] for t in store.territories(operator())]
        print(f"Territoire « {code[:40]} » absent de cette instance : un territoire y est créé par sa première "
              "publication (publish) ou par le premier rôle donné dessus (user add … --territoire). "
              + (f"Territoires de l'instance : {', '.join(codes)}." if codes else "L'instance n'a aucun territoire."),
              file=sys.stderr)
        return None
    return {k: t[k] for k in SHOWN}


@guarded
def _show(args: argparse.Namespace) -> int:
    from ..territory_settings import audience

    t = _settings(open_store(), args.code)
    if t is None:
        return 2
    if args.json:
        print(json.dumps(t, ensure_ascii=False))
        return 0
    print(f"Territoire : {t['code']} — {t['name']}")
    print(f"Lecture sans connexion : {'ouverte' if t['anonymous_read'] else 'fermée'} (chaque version est "
          f"{audience(t['anonymous_read'])})")
    print(f"Questionnaire : {'ouvert aux réponses' if t['questionnaire_open'] else 'fermé'}")
    print("Adresse de contact : " + (t["contact_email"] or "non renseignée (le questionnaire nomme la collectivité)"))
    print(f"Conservation des référents et contacts : {t['retention_months']} mois")
    return 0


def _reading(public: bool):
    @guarded
    def run(args: argparse.Namespace) -> int:
        store = open_store()
        t = _settings(store, args.code)
        if t is None:
            return 2
        store.set_territory(operator(), args.code, anonymous_read=public)
        if public:
            n = len(store.versions(operator(), args.code))
            print(f"Territoire {t['code']} ({t['name']}) ouvert à la lecture sans connexion : "
                  f"ses versions publiées ({n}), les anciennes comprises, et chaque version publiée ensuite sont "
                  "lisibles par tous, sans compte (jamais les référents ni les contacts).")
        else:
            print(f"Territoire {t['code']} ({t['name']}) fermé : seules les personnes qui y ont un rôle (et les liens "
                  "d'atelier verrouillés) lisent ses versions.")
        return 0
    return run


@guarded
def _set(args: argparse.Namespace) -> int:
    if args.contact is None and args.conservation is None:
        print("Rien à changer : précisez --contact ADRESSE (\"\" pour la retirer) ou --conservation MOIS.",
              file=sys.stderr)
        return 2
    store = open_store()
    if _settings(store, args.code) is None:
        return 2
    store.set_territory(operator(), args.code, contact_email=args.contact, retention_months=args.conservation)
    t = _settings(store, args.code)
    print(f"Territoire {t['code']} : adresse de contact "
          + (t["contact_email"] or "non renseignée (le questionnaire nomme la collectivité)")
          + f", conservation des référents et contacts {t['retention_months']} mois.")
    return 0


def _months(value: str) -> int:
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"« {value[:20]} » n'est pas un nombre de mois (de 1 à 240)")
    return int(value)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``territory`` and its actions to ``python -m nrdash`` (no SQLAlchemy imported to list them)."""
    t = sub.add_parser("territory", help="réglages d'un territoire : lecture sans connexion, adresse de contact, "
                       "conservation")
    actions = t.add_subparsers(dest="territory_action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="afficher ses réglages")
    show.add_argument("code", metavar="CODE", help="SIREN de l'EPCI, code INSEE de la commune, ou « exemple »")
    show.add_argument("--json", action="store_true", help="code, name, anonymous_read, questionnaire_open, "
                      "contact_email, retention_months")
    show.set_defaults(func=_show)
    for name, public, what in (("open", True, "ouvrir à la lecture sans connexion : toutes ses versions publiées, "
                                "les anciennes comprises, deviennent lisibles par tous"),
                               ("close", False, "fermer la lecture sans connexion : ses comptes seulement")):
        p = actions.add_parser(name, help=what)
        p.add_argument("code", metavar="CODE")
        p.set_defaults(func=_reading(public))
    s = actions.add_parser("set", help="adresse de contact du questionnaire, durée de conservation")
    s.add_argument("code", metavar="CODE")
    s.add_argument("--contact", metavar="ADRESSE", help="adresse électronique donnée par le questionnaire "
                   "(\"\" la retire)")
    s.add_argument("--conservation", metavar="MOIS", type=_months, help="conservation des référents et contacts "
                   "(1 à 240 mois)")
    s.set_defaults(func=_set)
