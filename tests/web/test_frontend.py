"""Streamlit's scripts put into French at serve time (nrdash.web.frontend): every English piece of the table is found in
the installed Streamlit (an upgrade that moves one fails here, not silently in English), none is left, and the
server answers the translated files at Streamlit's addresses, compressed, cached for a day."""
from __future__ import annotations

import gzip

from nrdash.web import frontend
from nrdash.web.compression import StaticCompression
from nrdash.web.served import ServeFiles
from tests.web.test_compression import run  # in a thread: Playwright (same session) keeps a loop running


def test_every_piece_is_found_in_the_installed_streamlit():
    scripts, missing = frontend.translated_scripts()
    assert missing == ()
    stems = {frontend.stem(name) for name in scripts}
    assert stems == set(frontend.FRENCH)  # every script of the table is served translated


def test_no_english_piece_is_left_and_the_french_ones_are_there():
    scripts, _ = frontend.translated_scripts()
    for name, body in scripts.items():
        text = body.decode("utf-8")
        for english, french in frontend.FRENCH[frontend.stem(name)]:
            assert english not in text or english in french, (name, english)
    joined = "".join(b.decode("utf-8") for b in scripts.values())
    for french in ("Aller au contenu principal", "Choisir un fichier", "} par fichier`", "Tout sélectionner",
                   "?`Aide`:`Aide : ${", "Ouvrir la liste", "Pages du tableau de bord"):
        assert french in joined


def test_pieces_are_unambiguous_code_not_loose_words():
    for pieces in frontend.FRENCH.values():
        for english, french in pieces:
            assert "`" in english or len(english) >= 30, english  # quoted literals or code, with code around
            assert english.count("`") % 2 == french.count("`") % 2, english  # quotes balanced alike
            assert english.count("${") == french.count("${"), english  # the same values put in


def test_translate_counts_what_it_replaced():
    text, found = frontend.translate("a`Open`b`Open`", (("`Open`", "`Ouvrir`"), ("`Gone`", "`Parti`")))
    assert text == "a`Ouvrir`b`Ouvrir`" and found == {"`Open`": 2, "`Gone`": 0}


def _get(app, path: str, accept: bytes = b"gzip"):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"accept-encoding", accept)]}
    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_the_server_answers_the_french_script_compressed_and_cached_a_day():
    async def streamlit(scope, receive, send):  # Streamlit's own answer would be the English file
        raise AssertionError("answered by Streamlit")

    routes = frontend.routes()
    [path] = [p for p in routes if "/FileUploader." in p]
    app = StaticCompression(ServeFiles(streamlit, routes), background=False, served=routes)
    headers, body = _get(app, path)
    assert headers[b"content-encoding"] == b"gzip"
    text = gzip.decompress(body).decode("utf-8")
    assert "`Choisir un fichier`" in text and "`Upload`" not in text
    assert headers[b"cache-control"] == b"public, max-age=86400"
