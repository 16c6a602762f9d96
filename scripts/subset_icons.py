"""Make assets/fonts/material-symbols-rounded-subset.woff2 (see nrdash/icons.py) from the installed Streamlit.

    python scripts/subset_icons.py        (needs fonttools: pip install -r requirements-dev.txt)

Kept: every icon of the font whose name appears in Streamlit's scripts — written after ``material/`` or as any
quoted word (generous on purpose: an icon Streamlit names in its own code must never be missing) — or in nrdash's
code, plus the letters, digits and "_" the icons' names are typed with (Material Symbols draws an icon by a
ligature over its name). Run it again after upgrading Streamlit; tests/test_icons.py says when.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nrdash.icons import (MANIFEST, SUBSET, icons_named_in, ligatures, nrdash_sources, sha256,  # noqa: E402
                          streamlit_font, streamlit_static)

NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
QUOTED_WORD = re.compile(r"[\"'`]([a-z0-9_]{2,})[\"'`]")


def wanted_names() -> set[str]:
    words = icons_named_in(nrdash_sources())
    for script in sorted((streamlit_static() / "js").glob("*.js")):
        text = script.read_text(encoding="utf-8", errors="ignore")
        words |= icons_named_in([script]) | set(QUOTED_WORD.findall(text))
    return words


def main() -> None:
    import streamlit
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = streamlit_font()
    font = TTFont(source)
    names = ligatures(font)
    keep = sorted(set(names) & wanted_names())
    options = subset.Options()
    options.layout_closure = False  # keep only the ligatures of the icons kept, not every icon the letters make
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.flavor = "woff2"
    subsetter = subset.Subsetter(options)
    letters = [ord(c) for c in NAME_CHARACTERS]
    cmap = font.getBestCmap()
    subsetter.populate(glyphs=[cmap[c] for c in letters if c in cmap] + [names[n] for n in keep], unicodes=letters)
    subsetter.subset(font)
    SUBSET.parent.mkdir(parents=True, exist_ok=True)
    font.save(SUBSET)
    MANIFEST.write_text(json.dumps({"streamlit": streamlit.__version__, "source": source.name,
                                    "source_sha256": sha256(source), "icons": keep}, indent=1) + "\n",
                        encoding="utf-8")
    print(f"{len(keep)} icônes sur {len(names)} : {source.stat().st_size // 1000} ko → {SUBSET.stat().st_size // 1000} ko "
          f"({SUBSET.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
