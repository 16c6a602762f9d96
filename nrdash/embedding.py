"""Views for another site (issue 27): ``?integre=1`` on the five figure pages shows the page's figure alone, for a
collectivité's website to show in an ``<iframe>`` (nrdash.ui.embed draws it). Pure: the addresses an embed and its
link back carry, and the snippet an editor copies.

The embed keeps the address's territory, version and filters; it never carries a locked workshop link's secret
(``jeton``), mode atelier, or Streamlit's own display parameters. The server lets only the sites named in
NRDASH_FRAME_ANCESTORS show it in a frame (nrdash.web.headers)."""
from __future__ import annotations

import html
import urllib.parse
from collections.abc import Mapping, Sequence

EMBED_PARAM = "integre"  # ?integre=1
# Never copied into an embed's address: a locked link's secret, mode atelier and its theme, Streamlit's own display
# parameters. The dashboard link drops only the embed itself (and Streamlit's), keeping the view.
NOT_EMBEDDED = frozenset({EMBED_PARAM, "atelier", "jeton", "contraste", "embed", "embed_options"})
NOT_ON_DASHBOARD = frozenset({EMBED_PARAM, "jeton", "embed", "embed_options"})
DEFAULT_HEIGHT = 600  # px: a figure, its sentence, the filters and the link at a laptop's width
HEIGHTS = {"pages/carte.py": 760, "pages/matrice.py": 680}  # the map and its legend; the plan's heatmap


def _pairs(params: Mapping[str, Sequence[str] | str], dropped: frozenset[str]) -> list[tuple[str, str]]:
    out = []
    for name, values in params.items():
        if name in dropped:
            continue
        out += [(name, str(v)) for v in ([values] if isinstance(values, str) else values)]
    return out


def embed_query(params: Mapping[str, Sequence[str] | str]) -> str:
    """The query of the embedded view of the page whose address has ``params``: ``integre=1`` first, then the
    territory, version and filters as they are (never a secret nor mode atelier)."""
    return urllib.parse.urlencode([(EMBED_PARAM, "1"), *_pairs(params, NOT_EMBEDDED)])


def dashboard_query(params: Mapping[str, Sequence[str] | str]) -> str:
    """The query of the same view on the dashboard (the embed's link « Voir le tableau de bord »)."""
    return urllib.parse.urlencode(_pairs(params, NOT_ON_DASHBOARD))


def with_query(path: str, query: str) -> str:
    return path + (f"?{query}" if query else "")


def iframe_snippet(url: str, title: str, height: int = DEFAULT_HEIGHT) -> str:
    """The ``<iframe>`` an editor pastes into a page of their site: every value escaped for an HTML attribute (a
    territory's name, a filter's value, the address's ``&``), loaded when scrolled to, no border."""
    return (f'<iframe src="{_attr(url)}" title="{_attr(title)}" width="100%" height="{int(height)}" '
            f'style="border:0" loading="lazy"></iframe>')


def _attr(value: str) -> str:
    """``value`` inside a double-quoted attribute: ``& < > "`` as character references; an apostrophe stays one (it
    ends nothing there, and « d'exemple » reads as written in the copied code)."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def snippet_title(page_title: str, territory: str) -> str:
    """The frame's title, what a screen reader announces on the host page: the figure and the territory."""
    return f"{page_title} — {territory} (nrdash)" if territory else f"{page_title} (nrdash)"
