"""``python -m nrdash submissions --territoire CODE [--json] [--with-contacts]`` (formerly ``soumissions``): the
answers to a territory's public questionnaire, without référent and contact unless asked."""
from __future__ import annotations

import argparse
import json

from .operator import guarded, open_store, operator
from .parser import territory_option


@guarded
def _submissions(args: argparse.Namespace) -> int:
    from ..questionnaire import STATUS_LABEL

    items = open_store(seed=False).submissions(operator(), args.territoire, with_contacts=args.with_contacts)
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
    q = sub.add_parser("submissions", aliases=["soumissions"],
                       help="réponses au questionnaire d'un territoire (sans contacts par défaut)")
    territory_option(q)
    q.add_argument("--json", action="store_true")
    q.add_argument("--with-contacts", action="store_true", help="ajouter le référent et le contact (données personnelles)")
    q.set_defaults(func=_submissions)
