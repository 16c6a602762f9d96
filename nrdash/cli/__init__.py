"""The command line, ``python -m nrdash COMMANDE …`` (nrdash/__main__.py calls ``run``; nothing imports that module).

One module per command group, each adding its commands to the parser with ``register(sub)``:

- ``census_file``: ``check`` (a census file checked, text or JSON report), ``template`` (the blank workbook),
  ``geo build`` (the offline geography);
- ``diff``: what changed between two census files;
- ``publishing``: ``publish``, ``versions``, ``restore`` (a territory's versions) and ``db upgrade``;
- ``territory_archive``: ``export``, ``import`` (a territory's archive);
- ``people``: ``user`` (local accounts, roles, withdrawn: ``add``, ``role``, ``remove``, ``logout``), ``erase`` (a
  person's personal data), ``retention`` (the retention periods applied now);
- ``workshop_links``: ``link create|list|revoke`` (locked workshop links, their expiry);
- ``submissions``: ``submissions`` (the answers to the public questionnaire);
- ``vote``: ``vote open|close|results`` (a workshop room's live vote);
- ``campaign``: ``campaign create|send|remind|status|links`` (update campaigns: personal links, e-mails);
- ``territory``: ``territory show|open|close|set`` (a territory's reading, contact address and retention).

Shared: ``parser`` (argparse in French, no option prefixes), ``placing`` (the offline geography, for check and
diff), ``json_values`` (JSON-safe values and the report's bytes), ``operator`` (how the store's commands reach the
store, and their exit codes). Command words are English; the former French ones stay accepted as aliases
(``export-territoire``, ``import-territoire``, ``erase-person``, ``soumissions``), given to ``add_parser``.
"""
from __future__ import annotations

import os
import sys
from typing import NoReturn

from . import (campaigning, census_file, people, publishing, submissions, territory, territory_archive, voting,
               workshop_links)
from .parser import FrenchParser

# Commands that only read files and print: once their output is flushed, the process ends without the interpreter's
# teardown (about 0.2 s with pandas and pyarrow loaded), which only frees memory the system takes back anyway. The
# store's commands end normally (their database connections are closed properly).
QUICK_EXIT = frozenset({"check", "diff"})


def build_parser(argv: list[str]) -> FrenchParser:
    """The parser of ``python -m nrdash``. ``argv``: the command line about to be parsed (``check`` alone does not
    get ``diff``, whose module imports pandas: check imports it later, once its checks started)."""
    parser = FrenchParser(prog="python -m nrdash", description="nrdash — recensement des acteurs NR")
    sub = parser.add_subparsers(dest="command", required=True, title="commandes", metavar="COMMANDE")
    census_file.register(sub)  # check, template, geo
    if argv[:1] != ["check"]:
        from . import diff

        diff.register(sub)
    publishing.register(sub)  # db, publish, versions, restore
    territory_archive.register(sub)  # export, import
    people.register(sub)  # user, erase, retention
    workshop_links.register(sub)  # link create|list|revoke
    submissions.register(sub)
    voting.register(sub)  # vote open|close|results
    campaigning.register(sub)  # campaign create|send|remind|status|links
    territory.register(sub)  # territory show|open|close|set
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    return args.func(args)


def run() -> NoReturn:
    """``python -m nrdash``: main() on the process's arguments, then exit with its code."""
    code = main()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code or 0))
    sys.exit(code)
