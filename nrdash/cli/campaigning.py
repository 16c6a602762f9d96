"""Update campaigns on the command line (issue 26), as the store's operator (nrdash.cli.operator's guard: a French
message and never a traceback):

- ``campaign create --territoire CODE [--niveau N]… [--a-actualiser [--mois M]] [--fin AAAA-MM-JJ] [--titre T]
  [--json]``: a campaign for the actors of the latest version at these levels (all without ``--niveau``), only
  those « à actualiser » with ``--a-actualiser``; its number on stdout (``--json``: its ``id``, its number of
  ``recipients`` and whom it reaches). No recipient, or an end date past or unreadable: a French message, exit 2,
  nothing created;
- ``campaign send ID``: sends what is due (first messages, reminders), throttled, progress on stderr; resumes a
  sending that stopped (never twice to one actor). Exit 0 when everything due was sent, 1 when some failed or the
  server stopped it (run it again later), 2 when it cannot send at all (settings, another sending under way);
- ``campaign remind --territoire CODE`` (for cron): makes the reminders due and sends them;
- ``campaign status ID [--json] [--with-contacts]``: per-recipient statuses, no e-mail address unless asked;
- ``campaign links ID``: the mail-merge CSV (name, e-mail, link, end date) on stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from .operator import guarded, open_store, operator
from .parser import territory_option


def _settings():
    from ..mailing import MailError, MailSettings

    try:
        return MailSettings.from_env(), None
    except MailError as exc:
        return None, str(exc)


def _ready(need: str):
    """The mail settings when what ``need`` asks for ("sending", "links") is set; else None, the reason said on
    standard error."""
    settings, problem = _settings()
    if settings is not None:
        problem = settings.sending_problem() if need == "sending" else settings.links_problem()
    if problem:
        print(problem, file=sys.stderr)
        return None
    return settings


def _open(cid: int):
    """(store, operator, territory code) of campaign ``cid`` (a French refusal when there is no such campaign)."""
    store, who = open_store(seed=False), operator()
    return store, who, store.find_campaign(who, cid)


@guarded
def _create(args: argparse.Namespace) -> int:
    from .. import campaign as cm
    from ..compare import DEFAULT_FRESHNESS_MONTHS
    from ..store import StoreError

    today = dt.date.today()
    try:
        ends_on = cm.parse_end(args.fin, today) if args.fin else None
    except ValueError as exc:
        raise StoreError(f"Campagne non créée : {exc}") from None
    store, who = open_store(seed=False), operator()
    months = (args.mois or DEFAULT_FRESHNESS_MONTHS) if args.a_actualiser else None
    actors = store.open_version(who, args.territoire).census.actors
    chosen = cm.select(actors, levels=args.niveau or (), stale_months=months, today=today)
    if not len(chosen):
        raise StoreError("Campagne non créée : aucun acteur de la dernière version ne correspond à ce choix "
                         "(--niveau, --a-actualiser).")
    ids = chosen["actor_id"].tolist()
    audience = store.campaign_audience(who, args.territoire, ids)
    info = store.create_campaign(who, args.territoire, ids, ends_on=ends_on, title=args.titre or "",
                                 selection=cm.selection_words(args.niveau or (), months), author=args.auteur or "")
    if args.json:
        print(json.dumps({"id": info.id, "recipients": info.recipients, "with_email": audience.with_email,
                          "without_email": len(audience.without_email), "refused": audience.refused,
                          "ends_on": info.ends_on.isoformat()}, ensure_ascii=False))
    else:
        print(info.id)
        print(f"Campagne n° {info.id} créée : {audience.sentence()} Les liens répondent jusqu'au "
              f"{info.ends_on:%d/%m/%Y}. Envoi : python -m nrdash campaign send {info.id}", file=sys.stderr)
    return 0


def _send_one(store, who, code: str, cid: int, settings) -> int:
    from ..mailing import MailError, send_campaign

    def progress(p) -> None:
        if not p.done:
            if p.recovered_uncertain:
                print(f"Un envoi précédent s'était arrêté en plein message : {p.recovered_uncertain} envoi(s) "
                      "incertain(s), jamais renvoyé(s) d'eux-mêmes (page Campagnes : vérifier, puis « Renvoyer les "
                      "envois incertains »).", file=sys.stderr, flush=True)
            return
        print(f"Campagne n° {cid} : {p.line()}", file=sys.stderr, flush=True)

    try:
        report = send_campaign(store, who, code, cid, settings, progress=progress)
    except MailError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for name, reply in report.failures:
        print(f"  échec : {name} — {reply}", file=sys.stderr)
    if report.stopped:
        print(f"Envoi arrêté : {report.stopped}", file=sys.stderr)
    print(f"Campagne n° {cid} : {report.line() if report.done else 'rien à envoyer'}.", file=sys.stderr)
    return 1 if (report.failed or report.uncertain or report.stopped) else 0


def _ready_campaign(need: str, campaign_id: int) -> tuple | None:
    """(settings, store, operator, territory) for acting on campaign ``campaign_id``, or None when the settings
    ``need`` asks for are missing (said on standard error by ``_ready``)."""
    settings = _ready(need)
    return None if settings is None else (settings, *_open(campaign_id))


@guarded
def _send(args: argparse.Namespace) -> int:
    ready = _ready_campaign("sending", args.id)
    return 2 if ready is None else _send_one(*ready[1:], args.id, ready[0])


@guarded
def _remind(args: argparse.Namespace) -> int:
    settings = _ready("sending")
    if settings is None:  # nothing made due: the next run, once the settings are right, still finds them
        return 2
    store, who = open_store(seed=False), operator()
    due = store.remind(who, args.territoire)
    if not due:
        print(f"Aucune relance due pour le territoire {args.territoire}.", file=sys.stderr)
    code = 0
    for cid, n in sorted(due.items()):
        print(f"Campagne n° {cid} : {n} relance(s) à envoyer.", file=sys.stderr)
        code = max(code, _send_one(store, who, args.territoire, cid, settings))
    return code


@guarded
def _status(args: argparse.Namespace) -> int:
    from .. import campaign as cm

    store, who, code = _open(args.id)
    info = store.campaign(who, code, args.id)
    recipients = store.campaign_recipients(who, code, args.id, with_contacts=args.with_contacts)
    if args.json:
        print(json.dumps({**info.as_dict(), "territoire": code,
                          "destinataires": [r.as_dict(args.with_contacts) for r in recipients]}, ensure_ascii=False))
        return 0
    print(f"Campagne n° {info.id} « {info.title} » ({code}), fin le {info.ends_on:%d/%m/%Y} : "
          f"{cm.rate_sentence(info.recipients, info.answered)}")
    for status, n in info.counts.items():
        print(f"  {status:<30} {n:>6}")
    for r in recipients:
        print(f"{r.status:<28} {r.name}" + (f"  <{r.email}>" if args.with_contacts and r.email else "")
              + (f"  — {r.last_error}" if r.last_error else ""))
    return 0


@guarded
def _links(args: argparse.Namespace) -> int:
    from .. import campaign as cm
    from ..mailing import link_to, personal_path

    ready = _ready_campaign("links", args.id)
    if ready is None:
        return 2
    settings, store, who, code = ready
    rows = store.campaign_links(who, code, args.id)
    data = cm.mail_merge_csv((name, email, link_to(personal_path(code, token), settings.public_url), end)
                             for name, email, token, end in rows)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    print(f"{len(rows)} lien(s) personnel(s) émis ; les destinataires « à envoyer » passent « lien exporté ».",
          file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``campaign`` and its subcommands to ``python -m nrdash``."""
    c = sub.add_parser("campaign", aliases=["campagne"], help="campagnes d'actualisation (liens personnels, courriels)")
    actions = c.add_subparsers(dest="campaign_command", required=True, metavar="ACTION")
    p = actions.add_parser("create", help="créer une campagne pour des acteurs de la dernière version")
    territory_option(p)
    p.add_argument("--niveau", type=int, choices=range(4), action="append", metavar="N",
                   help="niveau d'engagement (0 à 3) ; répétable ; tous sans lui")
    p.add_argument("--a-actualiser", action="store_true",
                   help="seulement les acteurs sans mise à jour depuis plus de --mois mois (ou sans date)")
    p.add_argument("--mois", type=int, metavar="M", help="pour --a-actualiser : 12 mois par défaut")
    p.add_argument("--fin", metavar="AAAA-MM-JJ", help="dernier jour où les liens répondent (60 jours par défaut)")
    p.add_argument("--titre")
    p.add_argument("--auteur")
    p.add_argument("--json", action="store_true", help="un objet JSON (id, recipients…) sur la sortie standard")
    p.set_defaults(func=_create)
    s = actions.add_parser("send", help="envoyer les courriels dus (reprend un envoi arrêté ; jamais deux fois)")
    s.add_argument("id", type=int)
    s.set_defaults(func=_send)
    r = actions.add_parser("remind", help="relancer qui n'a pas répondu (pour cron)")
    territory_option(r)
    r.set_defaults(func=_remind)
    t = actions.add_parser("status", help="statut de chaque destinataire (sans adresse sans --with-contacts)")
    t.add_argument("id", type=int)
    t.add_argument("--json", action="store_true")
    t.add_argument("--with-contacts", action="store_true", help="ajouter les adresses (données personnelles)")
    t.set_defaults(func=_status)
    k = actions.add_parser("links", help="fichier de publipostage (CSV : nom, adresse, lien, date de fin)")
    k.add_argument("id", type=int)
    k.set_defaults(func=_links)
