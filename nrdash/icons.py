"""Streamlit's icon font, cut down to the icons Streamlit and nrdash can show.

Streamlit draws its icons (sidebar pages, popover chevrons, alerts…) with Google's Material Symbols font: 375 kB
for 4,300 icons, fetched on every first visit. nrdash serves in its place a subset holding the ~500 icons that
Streamlit's scripts or nrdash's code name (52 kB), made by ``python scripts/subset_icons.py`` from the font of the
installed Streamlit and kept in assets/fonts/ with a manifest (the source font's SHA-256, the icons kept).

At run time the subset is served only if the installed Streamlit ships the very font it was made from; otherwise
Streamlit's own font goes through unchanged (never a missing icon after an upgrade; the tests say when to remake it).
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ROOT / "assets" / "fonts" / "material-symbols-rounded-subset.woff2"
MANIFEST = SUBSET.with_suffix(".json")
FONT_PREFIX = "/static/media/MaterialSymbols-Rounded."
ICON_REFERENCE = re.compile(r"material/([a-z0-9_]+)")
CACHE_CONTROL = b"public, max-age=31536000, immutable"


def streamlit_static() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static"


def streamlit_font() -> Path | None:
    return next(iter(sorted((streamlit_static() / "media").glob("MaterialSymbols-Rounded.*.woff2"))), None)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def icons_named_in(paths) -> set[str]:
    """Icon names written as Streamlit names them (``:material/`` then the name) in these source files."""
    names = set()
    for path in paths:
        names |= set(ICON_REFERENCE.findall(Path(path).read_text(encoding="utf-8", errors="ignore")))
    return names


def nrdash_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "nrdash").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


def ligatures(font) -> dict[str, str]:
    """Icon name -> glyph, read from the ligature substitutions of a fontTools font (Material Symbols draws
    an icon by a ligature over its name)."""
    by_glyph = {glyph: chr(code) for code, glyph in font.getBestCmap().items()}
    names = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            table = getattr(table, "ExtSubTable", table)
            for first, entries in getattr(table, "ligatures", {}).items():
                for entry in entries:
                    glyphs = [first, *entry.Component]
                    if all(g in by_glyph for g in glyphs):
                        names["".join(by_glyph[g] for g in glyphs)] = entry.LigGlyph
    return names


@lru_cache(maxsize=1)
def subset_font() -> bytes | None:
    """The subset, if it was made from the font this Streamlit ships; None otherwise."""
    font = streamlit_font()
    if font is None or not SUBSET.exists() or not MANIFEST.exists():
        return None
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    if manifest.get("source_sha256") != sha256(font):
        return None
    return SUBSET.read_bytes()


class IconFontSubset:
    """ASGI middleware: answer requests for Streamlit's Material Symbols font with the subset."""

    def __init__(self, app, font: bytes | None = None) -> None:
        self.app = app
        self.font = font if font is not None else subset_font()
        if self.font is not None:
            self.etag = b'"' + hashlib.sha256(self.font).hexdigest()[:32].encode() + b'"'

    async def __call__(self, scope, receive, send) -> None:
        if (self.font is None or scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not scope.get("path", "").startswith(FONT_PREFIX)):
            await self.app(scope, receive, send)
            return
        request_headers = {k.lower(): v for k, v in scope.get("headers", [])}
        headers = [(b"content-type", b"font/woff2"), (b"cache-control", CACHE_CONTROL), (b"etag", self.etag)]
        if self.etag in request_headers.get(b"if-none-match", b""):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(self.font)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.font if scope["method"] == "GET" else b""})
