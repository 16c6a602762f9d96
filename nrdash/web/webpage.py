"""The pages nrdash's server writes itself, without Streamlit (sign-in, the actors' questionnaire, the accessibility
and sobriety statement): one sober page shell, in French, with nothing external and no script.

Light on purpose: these are the pages the public opens (EcoIndex A, tests/e2e/test_sobriety.py) and the ones that must
work everywhere (no JavaScript needed). Every page ends on the link « Déclaration d'accessibilité ».
"""
from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import quote

STATEMENT_PATH = "accessibilite"  # relative to the app's root (server.baseUrlPath)
STATEMENT_LINK = "Déclaration d'accessibilité"

STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1e1e1e;background:#f6f6f6;
line-height:1.5}
main{max-width:28rem;margin:3rem auto 1rem;padding:1.5rem 2rem;background:#fff;border:1px solid #929292}
main.large{max-width:46rem}
h1{font-size:1.6rem;margin-top:0}
h2{font-size:1.3rem;margin-top:2rem}
h3{font-size:1.1rem}
label,legend{display:block;font-weight:600;margin-top:1rem}
fieldset{border:0;padding:0;margin:0}
fieldset label{font-weight:400;margin-top:.4rem}
input,select,textarea{display:block;width:100%;box-sizing:border-box;font:inherit;font-size:1rem;padding:.5rem;
border:1px solid #3a3a3a;border-radius:0;margin-top:.25rem}
input[type=checkbox],input[type=radio]{display:inline-block;width:auto;margin:0 .5rem 0 0;vertical-align:-.1rem}
.aide{font-weight:400;color:#3a3a3a;font-size:.95rem}
button{margin-top:1.5rem;font-size:1rem;padding:.6rem 1.2rem;color:#fff;background:#000091;border:0;cursor:pointer}
button:hover{background:#1212ff}
button.secondaire{margin-left:1rem;color:#000091;background:#fff;border:1px solid #000091}
button.secondaire:hover{background:#e3e3fd}
a{color:#000091}
:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
.erreur{color:#ce0500;border-left:4px solid #ce0500;padding:.25rem .75rem;font-weight:600}
.info{border-left:4px solid #000091;padding:.25rem .75rem}
.ok{border-left:4px solid #18753c;padding:.25rem .75rem}
.piege{display:none}
table{border-collapse:collapse;width:100%;font-size:.95rem}
.tableau{overflow-x:auto;margin:.5rem 0}
th,td{border:1px solid #929292;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
footer{max-width:46rem;margin:0 auto 2rem;padding:0 2rem;font-size:.95rem}
""".strip()
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
CSP = f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; base-uri 'none'"


def statement_href(base: str = "", territory: str | None = None) -> str:
    """The statement's address (the territory's contact is given when the page names one)."""
    query = f"?territoire={quote(territory, safe='')}" if territory else ""
    return f"{base}{STATEMENT_PATH}{query}"


def statement_link_html(base: str = "", territory: str | None = None) -> str:
    """The link every page ends on, opened in the same tab."""
    return f'<a href="{html.escape(statement_href(base, territory))}">{STATEMENT_LINK}</a>'


def render(title: str, body: str, *, large: bool = False, base: str = "", territory: str | None = None,
           footer: bool = True) -> str:
    """A whole page: ``body`` is HTML already escaped by the caller; ``title`` is text. ``base``: the path of the
    app's root as seen from this page (its links are relative); ``footer``: the statement's link (not on the
    statement itself)."""
    footer = f"<footer>{statement_link_html(base, territory)}</footer>" if footer else ""
    main = '<main class="large">' if large else "<main>"
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)} – nrdash</title><style>{STYLE}</style></head>"
            f"<body>{main}{body}</main>{footer}</body></html>")


def scrolling_table(label: str, table: str) -> str:
    """A wide table in a region that scrolls sideways on a narrow screen (the page itself never does), reachable
    and scrollable with the keyboard, named for screen readers."""
    return f'<div class="tableau" role="region" aria-label="{html.escape(label)}" tabindex="0">{table}</div>'
