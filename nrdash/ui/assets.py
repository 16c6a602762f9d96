"""The files under assets/ the pages use: the favicon's folder and the stylesheets, read once per server process."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
_COMMENT = re.compile(r"/\*.*?\*/\n?", re.S)  # the stylesheets' comments stay on the server


@lru_cache(maxsize=None)
def _stylesheet(name: str) -> str:
    return _COMMENT.sub("", (ASSETS / "css" / f"{name}.css").read_text(encoding="utf-8")).strip("\n")


def style(*names: str) -> str:
    """assets/css/<name>.css, in this order, in ONE <style> element for one st.markdown(..., unsafe_allow_html=True):
    with one element per sheet the browser got "</style><style>" inside the first element's text, and lost the
    first rule of the next sheet (the high-contrast colours)."""
    return "<style>\n" + "\n".join(_stylesheet(name) for name in names) + "\n</style>"
