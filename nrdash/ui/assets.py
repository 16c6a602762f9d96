"""The files under assets/ the pages use: the favicon's folder and the stylesheets, read once per server process."""
from __future__ import annotations

from pathlib import Path

from ..web.frontend import stylesheet

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"


def style(*names: str) -> str:
    """assets/css/<name>.css, in this order, in ONE <style> element for one st.markdown(..., unsafe_allow_html=True):
    with one element per sheet the browser got "</style><style>" inside the first element's text, and lost the
    first rule of the next sheet (the high-contrast colours)."""
    return "<style>\n" + "\n".join(stylesheet(name) for name in names) + "\n</style>"
