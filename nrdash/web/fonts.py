"""Streamlit's fonts, cut down to what can be shown.

Every first visit to a Streamlit page fetches two fonts:
- Google's Material Symbols, with which Streamlit draws its icons (sidebar pages, popover chevrons, alerts…): all
  of its icons. nrdash serves a subset holding the icons that Streamlit's scripts or nrdash's code name;
- Source Sans, Streamlit's default text font, fetched even with another theme font (the page is drawn with the
  default theme until the app's theme arrives). nrdash serves its Latin part — Latin-1, Latin Extended-A (œ, Œ,
  Ÿ…), general punctuation (’, «, », —, narrow no-break space…), €, arrows.
(What each saves is measured in docs/performances.md, « Accessibilité et sobriété ».)

The subsets are made by ``python scripts/subset_fonts.py`` from the fonts of the installed Streamlit and kept in
assets/fonts/, each with a manifest (the source font's SHA-256, what was kept). At run time a subset is served only if
the installed Streamlit ships the very font it was made from; otherwise Streamlit's own font goes through unchanged
(never a missing icon after an upgrade; the tests say when to remake them).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .served import Served

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "assets" / "fonts"
ICON_REFERENCE = re.compile(r"material/([a-z0-9_]+)")
# Characters kept in the text font: what French (and most Western European) text needs.
TEXT_CHARACTERS = (*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2000, 0x2070), 0x20AC, 0x2122,
                   *range(0x2190, 0x2196), 0x2212, 0x2264, 0x2265)


@dataclass(frozen=True)
class Subset:
    source_prefix: str  # Streamlit's font file name, up to its content hash
    file: str  # in assets/fonts/

    @property
    def path(self) -> Path:
        return FONTS / self.file

    @property
    def manifest(self) -> Path:
        return self.path.with_suffix(".json")

    @property
    def url_prefix(self) -> str:
        return "/static/media/" + self.source_prefix

    def source(self) -> Path | None:
        """Streamlit's font this subset is made from."""
        return next(iter(sorted((streamlit_static() / "media").glob(self.source_prefix + "*.woff2"))), None)


ICONS = Subset("MaterialSymbols-Rounded.", "material-symbols-rounded-subset.woff2")
TEXT = Subset("SourceSansVF-Upright.ttf.", "source-sans-upright-latin.woff2")
SUBSETS = (ICONS, TEXT)


def streamlit_static() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def icons_named_in(paths) -> set[str]:
    """Icon names written as Streamlit names them (``:material/`` then the name) in these source files."""
    names = set()
    for path in paths:
        names |= set(ICON_REFERENCE.findall(Path(path).read_text(encoding="utf-8", errors="ignore")))
    return names


def nrdash_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "nrdash").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


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


@lru_cache(maxsize=None)
def subset_font(subset: Subset) -> bytes | None:
    """The subset's bytes, if it was made from the font this Streamlit ships; None otherwise."""
    source = subset.source()
    if source is None or not subset.path.exists() or not subset.manifest.exists():
        return None
    if json.loads(subset.manifest.read_text(encoding="utf-8")).get("source_sha256") != sha256(source):
        return None
    return subset.path.read_bytes()


def routes() -> dict[str, Served]:
    """URL prefix of each Streamlit font -> its subset (nrdash.web.served), for subsets usable with this Streamlit."""
    return {s.url_prefix: Served(font, b"font/woff2") for s in SUBSETS if (font := subset_font(s)) is not None}
