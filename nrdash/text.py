"""Text for French readers: numbers, plurals, dates, file sizes, and census text made inert for HTML and Markdown.

Every message, caption, chart label and report line formats through these; none depends on any other nrdash module.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

NARROW_NBSP = "\u202f"  # French thousands separator: never split across lines


# ---------------------------------------------------------------------------------------------
# Numbers, plurals, dates
# ---------------------------------------------------------------------------------------------
def thousands(n: int) -> str:
    """French typography for counts: 181 057, with a narrow no-break space (never split across lines)."""
    return f"{int(n):,}".replace(",", NARROW_NBSP)


def percent(share: float | None) -> str:
    """A share as a whole percentage, '42 %'; '—' when there is none (no actor to divide by)."""
    return "—" if share is None else f"{share * 100:.0f} %".replace(".", ",")


def decimal(value: float, digits: int = 1) -> str:
    """A decimal number with a French decimal comma: 2,5."""
    return f"{value:.{digits}f}".replace(".", ",")


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The word for ``n`` things, by the French rule: singular for 0 and 1, plural (``singular`` + 's' unless
    given) from 2 on."""
    return singular if abs(n) < 2 else (plural_form or singular + "s")


def count_noun(n: int, singular: str, plural_form: str | None = None) -> str:
    """'0 acteur', '1 acteur', '2 acteurs': the count as digits, then its word (see ``plural``)."""
    return f"{n} {plural(n, singular, plural_form)}"


def file_size(n: int) -> str:
    """A size in bytes as French readers write it: '12 Mo', else '300 Ko'."""
    mb = 1024 * 1024
    return f"{n / mb:.0f} Mo" if n >= mb else f"{n / 1024:.0f} Ko"


def date_time(moment: dt.datetime) -> str:
    """'07/03/2025 à 14:05'."""
    return f"{moment:%d/%m/%Y à %H:%M}"


# ---------------------------------------------------------------------------------------------
# Census text made inert
# ---------------------------------------------------------------------------------------------
def esc(value: Any) -> str:
    """Census text made inert wherever it meets HTML (plotly labels, key figures, the HTML report)."""
    return html.escape("" if value is None else str(value), quote=True)


# Streamlit's markdown changes text in two ways. The syntax (emphasis, headings, lists, links, tables, quotes, code,
# HTML, LaTeX, :red[…] directives, setext underlines, character references): each character that has a meaning there
# is backslash-escaped, which CommonMark always reads as that character. And transforms run on the parsed text, after
# the escapes are read: GFM autolinks (https://…, www.…, e-mail addresses), :material/…: and :material_…: icons,
# :emoji: shortcodes, :streamlit:, typographic arrows (->, <-, --, >=…). Those only match inside one text node: an
# empty span (the ':color[]' directive, drawn by Streamlit as <span></span>, no style, no text) splits the text
# where such a pattern could start (after ':' or '@' before a word, before '.' in a word, between two of -<>=~), so
# that none can match, and the text reads as typed.
_MD_SPLIT = ":color[]"
_MD_PUNCTUATION = "\\`*_{}[]()#+-.!|<>~$:=&"  # every character with a meaning in Streamlit's markdown syntax
_MD_LITERAL = str.maketrans({
    **{c: "\\" + c for c in _MD_PUNCTUATION},
    "\n": "\\\n",  # a hard line break: the text's own line breaks stay
    "\0": _MD_SPLIT,  # where _MD_SPLIT_AT marked the text (a NUL of the text itself is dropped first)
})
_MD_SPLIT_AT = re.compile(r"(?<=[:@])(?=[\w/+-])|(?=\.[\w-])|(?<=[-<>~])(?=[-<>=~])")
_LEADING_BLANKS = {" ": "&#32;", "\t": "&#9;"}  # four leading spaces would start a code block


def escape_md(text: object) -> str:
    """Census text for st.markdown (and every element that reads markdown: captions, titles, alerts), shown as typed:
    no markup, HTML, link, icon, emoji, colour, LaTeX or typographic replacement. Line breaks are kept (line breaks
    at the very start or end are dropped, and runs of spaces show as one, as everywhere in HTML)."""
    s = str(text).replace("\0", "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    body = s.lstrip(" \t")
    lead = "".join(_LEADING_BLANKS[c] for c in s[:len(s) - len(body)])
    return lead + _MD_SPLIT_AT.sub("\0", body).translate(_MD_LITERAL)
