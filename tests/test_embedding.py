"""Views for another site (issue 27), the pure part: what an embed's address and its link back carry, and the
<iframe> an editor copies, escaped whatever a territory's name or a filter's value holds (nrdash.embedding)."""
from __future__ import annotations

import html
import urllib.parse
from html.parser import HTMLParser

from nrdash import embedding


def test_the_embed_keeps_the_view_and_never_a_secret_nor_mode_atelier():
    params = {"territoire": ["241700434"], "version": ["3"], "niveau": ["2", "3"], "commune": ["Aytré"],
              "atelier": ["1"], "jeton": ["s3cr3t"], "contraste": ["1"], "embed": ["true"], "integre": ["1"]}
    query = embedding.embed_query(params)
    assert query.startswith("integre=1&")
    assert urllib.parse.parse_qs(query) == {"integre": ["1"], "territoire": ["241700434"], "version": ["3"],
                                            "niveau": ["2", "3"], "commune": ["Aytré"]}
    assert "s3cr3t" not in query


def test_the_dashboard_link_is_the_same_view_without_the_embed():
    params = {"integre": "1", "territoire": "241700434", "niveau": ["2"], "jeton": "s3cr3t", "embed": "true"}
    assert urllib.parse.parse_qs(embedding.dashboard_query(params)) == {"territoire": ["241700434"], "niveau": ["2"]}
    assert embedding.with_query("/carte", "") == "/carte"
    assert embedding.with_query("/carte", "a=1") == "/carte?a=1"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_snippet_escapes_a_hostile_territory_name_and_filter_values():
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)> & \'quote\''
    url = "https://nrdash.agglo.fr/carte?" + embedding.embed_query({"territoire": ["241700434"],
                                                                     "commune": ['Aytré"><script>x</script>']})
    snippet = embedding.iframe_snippet(url, embedding.snippet_title("Carte des acteurs", hostile), 760)
    parser = _Tags()
    parser.feed(snippet)
    assert [t for t, _ in parser.tags] == ["iframe"]  # nothing of the name or the filter became markup
    attrs = parser.tags[0][1]
    assert attrs["src"] == url and attrs["title"] == f"Carte des acteurs — {hostile} (nrdash)"
    assert (attrs["width"], attrs["height"], attrs["loading"]) == ("100%", "760", "lazy")
    assert "<script" not in snippet and "&amp;" in snippet and "&quot;" in snippet
    assert html.unescape(snippet.split('src="')[1].split('"')[0]) == url


def test_an_apostrophe_in_the_snippet_reads_as_written():
    snippet = embedding.iframe_snippet("https://x.fr/?a=1&b=2", "Carte — Recensement d'exemple (nrdash)")
    assert 'title="Carte — Recensement d\'exemple (nrdash)"' in snippet and 'src="https://x.fr/?a=1&amp;b=2"' in snippet


def test_the_snippet_title_names_the_figure_and_the_territory():
    assert embedding.snippet_title("Cercles de mobilisation", "CA de La Rochelle") == \
        "Cercles de mobilisation — CA de La Rochelle (nrdash)"
    assert embedding.snippet_title("Cercles de mobilisation", "") == "Cercles de mobilisation (nrdash)"
