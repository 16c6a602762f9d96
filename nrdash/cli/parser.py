"""argparse in French: the help, the usage line and every error a user can meet (unknown command, missing or
unknown argument, invalid value), and no option prefixes (``--territoir`` is refused, never taken for
``--territoire``).

argparse builds its messages with ``gettext`` through the names ``argparse._`` and ``argparse.ngettext``, looked up
when a message is made. ``FrenchParser`` points them at the French texts below only while one of its own methods
runs (building, parsing, formatting, reporting an error), then puts them back: another parser in the same process
(pytest's, Streamlit's) keeps its own language. A message missing here stays in English rather than failing.
"""
from __future__ import annotations

import argparse
import contextlib
from typing import Iterator

# argparse's message (its gettext msgid, as in Python 3.11) -> French. Only what a user of the command line can
# meet; argparse's errors about a parser built wrongly (programming errors) stay in English.
FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "subcommands": "commandes",
    "show this help message and exit": "afficher cette aide et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "l'un de ces arguments est obligatoire : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choisir parmi %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "commande inconnue : %(parser_name)r (choisir parmi %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "une valeur au plus attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur donnée à une option qui n'en prend pas : %r",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s (%(matches)s ?)",
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}


def _french(message: str) -> str:
    return FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, n: int) -> str:
    return _french(singular if n == 1 else plural)


@contextlib.contextmanager
def in_french() -> Iterator[None]:
    """argparse's messages in French for the time of the block (reentrant: nested blocks restore in turn)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _french, _french_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class FrenchParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks French and takes no option prefixes. Its subcommands' parsers are
    FrenchParsers too (argparse builds them with the parent's class)."""

    def __init__(self, *args, allow_abbrev: bool = False, **kwargs) -> None:
        with in_french():
            super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)

    def add_subparsers(self, **kwargs):
        with in_french():
            return super().add_subparsers(**kwargs)

    def parse_args(self, args=None, namespace=None):
        with in_french():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with in_french():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with in_french():
            return super().format_usage()

    def format_help(self) -> str:
        with in_french():
            return super().format_help()

    def error(self, message: str):
        with in_french():
            super().error(message)


TERRITORY_HELP = "SIREN de l'EPCI ou code INSEE de la commune"


def territory_option(parser: argparse.ArgumentParser) -> None:
    """``--territoire CODE``, required, said the same way by every command that acts on one territory."""
    parser.add_argument("--territoire", required=True, help=TERRITORY_HELP)


def territory_listing(sub: argparse._SubParsersAction, name: str, help: str, func) -> argparse.ArgumentParser:
    """A command that lists something of one territory (``versions``, ``link list``, ``submissions``):
    ``--territoire CODE`` and ``--json``; the parser, for the options of its own."""
    parser = sub.add_parser(name, help=help)
    territory_option(parser)
    parser.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    parser.set_defaults(func=func)
    return parser

