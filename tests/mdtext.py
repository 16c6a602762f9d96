"""What a reader sees of markdown written by nrdash.text.escape_md (for AppTest, which sees markdown sources)."""
import html
import re

from nrdash import text as fr


def displayed(md: str) -> str:
    """The text of escape_md's markdown: its empty splitting spans, escapes and character references removed."""
    text = re.sub(r"\\(.)", r"\1", md.replace(fr._MD_SPLIT, ""), flags=re.S)
    return html.unescape(text) if "&#" in md else text
