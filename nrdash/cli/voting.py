"""Vote commands of ``python -m nrdash`` (issue 28): open a territory's live vote, close it, read its result.

    python -m nrdash vote open --territoire CODE [--choix 3] [--sur matrice|plan|exemples] [--but cles|gains]
                                [--question TEXTE] [--json]
    python -m nrdash vote close CODE [--json]
    python -m nrdash vote results CODE [--json]

They honour NRDASH_DATABASE_URL / NRDASH_DATA_DIR and act as the store's operator, like the store's other commands
(nrdash.cli.operator's guard: exit 0 done, 2 refused, with a French message and never a traceback)."""
from __future__ import annotations

import argparse
import json
import sys

from .operator import guarded, open_store, operator
from .parser import territory_option

SUBJECTS = ("matrice", "plan", "exemples")  # nrdash.vote.KINDS (not imported here: listing the commands stays light)
PURPOSES = ("cles", "gains")


def _as_dict(territory: str, v) -> dict:
    return {**v.as_dict(), "territoire": territory}


def _print(territory: str, v, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_as_dict(territory, v), ensure_ascii=False))
        return
    state = "ouvert" if v.open else f"clos le {v.closed_at.astimezone():%d/%m/%Y à %H:%M}"
    print(f"Vote {v.code} ({territory}, {state}) : {v.question}\n{v.summary()}")
    for label, n in v.as_dict()["counts"].items():
        print(f"  {n:>4}  {label}")


def _find(store, code: str):
    """(territory, vote) of a vote code, open or closed."""
    from ..store import StoreError
    from ..vote import normalise_code

    wanted = normalise_code(code)
    territory = store.vote_territory(operator(), wanted) if wanted else None
    if territory is None:
        raise StoreError(f"Aucun vote avec le code « {str(code)[:20]} » sur cette instance.")
    latest = store.latest_vote(operator(), territory)
    if latest is not None and latest.code == wanted:
        return territory, latest
    return territory, next(v for v in store.votes(operator(), territory) if v.code == wanted)


@guarded
def _open(args: argparse.Namespace) -> int:
    from ..store import StoreError
    from ..vote import VoteError, check_max_choices

    try:
        n = check_max_choices(args.choix)
    except VoteError as exc:
        raise StoreError(str(exc)) from None
    v = open_store().open_vote(operator(), args.territoire, args.sur, n, purpose=args.but, question=args.question or "",
                           author=args.auteur or "")
    if args.json:
        print(json.dumps(_as_dict(args.territoire, v), ensure_ascii=False))
    else:
        print(v.code)
        print(f"Vote ouvert sur {args.territoire} : « {v.question} », {v.max_choices} choix par personne. Les "
              f"téléphones l'ouvrent à l'adresse du serveur suivie de /vote?code={v.code}.", file=sys.stderr)
    return 0


@guarded
def _close(args: argparse.Namespace) -> int:
    store = open_store()
    territory, v = _find(store, args.code)
    _print(territory, store.close_vote(operator(), territory, v.code), args.json)
    return 0


@guarded
def _results(args: argparse.Namespace) -> int:
    _print(*_find(open_store(), args.code), args.json)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vote open|close|results`` to ``python -m nrdash``."""
    vote = sub.add_parser("vote", help="vote de la salle en atelier : ouvrir, clore, lire le résultat")
    actions = vote.add_subparsers(dest="vote_action", required=True)
    o = actions.add_parser("open", help="ouvrir le vote d'un territoire (affiche son code)")
    territory_option(o)
    o.add_argument("--choix", default="3", help="choix par personne, de 1 à 10 (3 par défaut)")
    o.add_argument("--sur", choices=SUBJECTS, default=SUBJECTS[0],
                   help="ce que la salle choisit : les cases de la matrice (défaut), les actions du plan publié ou "
                        "les exemples d'actions du kit")
    o.add_argument("--but", choices=PURPOSES, default=PURPOSES[0], help="des actions clés (défaut) ou des gains "
                                                                         "rapides")
    o.add_argument("--question", help="la question posée (une question par défaut sinon)")
    o.add_argument("--auteur", help="qui ouvre le vote (adresse électronique, gardée avec le vote)")
    o.add_argument("--json", action="store_true", help="un objet JSON (avec « code »)")
    o.set_defaults(func=_open)
    c = actions.add_parser("close", help="clore un vote : son résultat est gardé, les bulletins effacés")
    c.add_argument("code")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_close)
    r = actions.add_parser("results", help="résultat d'un vote (en direct s'il est ouvert)")
    r.add_argument("code")
    r.add_argument("--json", action="store_true",
                   help='{"participants": N, "counts": {choix: voix}, "question": …}')
    r.set_defaults(func=_results)
