"""Make the font subsets of assets/fonts/ (see nrdash/web/fonts.py) from the installed Streamlit's fonts.

    python scripts/subset_fonts.py        (needs fonttools: pip install -r requirements-dev.txt)

Icons (Material Symbols): kept, every icon of the font whose name appears in Streamlit's scripts — after
``material/`` or as any quoted word (generous on purpose: an icon Streamlit names in its own code must never be
missing) — or in nrdash's code, plus the letters, digits and "_" the names are typed with (the font draws an icon
by a ligature over its name). Text (Source Sans): kept, the characters of nrdash.web.fonts.TEXT_CHARACTERS.
Run it again after upgrading Streamlit; tests/web/test_fonts.py says when.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nrdash.web.fonts import (ICONS, TEXT, TEXT_CHARACTERS, Subset, icons_named_in, ligatures,  # noqa: E402
                          nrdash_sources, sha256, streamlit_static)

NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
QUOTED_WORD = re.compile(r"[\"'`]([a-z0-9_]{2,})[\"'`]")


def wanted_icons() -> set[str]:
    words = icons_named_in(nrdash_sources())
    for script in sorted((streamlit_static() / "js").glob("*.js")):
        text = script.read_text(encoding="utf-8", errors="ignore")
        words |= icons_named_in([script]) | set(QUOTED_WORD.findall(text))
    return words


def make(subset: Subset, glyphs: list[str], unicodes: list[int], layout_closure: bool, kept: dict) -> None:
    import streamlit
    from fontTools import subset as fontsubset
    from fontTools.ttLib import TTFont

    source = subset.source()
    font = TTFont(source)
    options = fontsubset.Options()
    options.layout_closure = layout_closure
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.flavor = "woff2"
    subsetter = fontsubset.Subsetter(options)
    subsetter.populate(glyphs=glyphs, unicodes=unicodes)
    subsetter.subset(font)
    subset.path.parent.mkdir(parents=True, exist_ok=True)
    font.save(subset.path)
    subset.manifest.write_text(json.dumps({"streamlit": streamlit.__version__, "source": source.name,
                                           "source_sha256": sha256(source), **kept}, indent=1) + "\n",
                               encoding="utf-8")
    print(f"{subset.path.name}: {source.stat().st_size // 1000} ko → {subset.path.stat().st_size // 1000} ko")


def main() -> None:
    from fontTools.ttLib import TTFont

    icon_font = TTFont(ICONS.source())
    names = ligatures(icon_font)
    keep = sorted(set(names) & wanted_icons())
    cmap = icon_font.getBestCmap()
    letters = [ord(c) for c in NAME_CHARACTERS]
    # layout_closure off: keep the ligatures of the icons kept, not of every icon the letters can spell.
    make(ICONS, [cmap[c] for c in letters if c in cmap] + [names[n] for n in keep], letters, False, {"icons": keep})
    print(f"  {len(keep)} icônes sur {len(names)}")
    make(TEXT, [], list(TEXT_CHARACTERS), True, {"unicodes": [f"U+{c:04X}" for c in TEXT_CHARACTERS]})


if __name__ == "__main__":
    main()
