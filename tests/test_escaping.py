"""Census text shown as typed: escape_md against every feature of Streamlit's markdown.

Streamlit changes markdown text twice: by its syntax (CommonMark, GFM, LaTeX, directives), and by transforms run on
the parsed text nodes (after the escapes are read). The patterns below are those of Streamlit 1.67's markdown
renderer (static/js/StreamlitMarkdown.*.js: remark-gfm's autolink literals, its icon, logo, emoji and typographic
plugins); tests/e2e/test_hostile_text.py checks the same texts drawn by Chromium.
"""
import re

import pytest

from nrdash import text as fr
from nrdash.text import escape_md
from tests.mdtext import displayed

# Every markdown feature Streamlit renders, as a census cell might hold it.
FEATURES = {
    "bold": "**gras** __gras__", "italic": "*italique* _italique_", "strike": "~~barré~~ ~barré~",
    "heading": "# Titre", "heading_setext": "Titre\n===", "list": "- point\n* point\n+ point", "ordered": "1. un\n2) deux",
    "link": "[clic](https://exemple.fr)", "link_ref": "[clic][1]\n\n[1]: https://exemple.fr", "image": "![x](y.png)",
    "autolink_https": "voir https://exemple.fr/page", "autolink_http": "http://exemple.fr",
    "autolink_www": "www.exemple.fr", "autolink_angle": "<https://exemple.fr>", "email": "contact@exemple.fr",
    "mailto": "mailto:contact@exemple.fr", "icon": ":material/home:", "icon_underscore": ":material_home:",
    "emoji": ":smile: :+1:", "logo": ":streamlit:", "colour": ":red[rouge]", "background": ":blue-background[fond]",
    "rainbow": ":rainbow[arc]", "badge": ":green-badge[badge]", "small": ":small[petit]", "help": ":help[aide]",
    "colour_attr": ":color[x]{foreground=red}", "latex": "$x^2$", "latex_block": "$$\n\\frac{1}{2}\n$$",
    "html": "<b>gras</b><img src=x onerror=alert(1)>", "comment": "<!-- caché -->", "entity": "&amp; &lt;b&gt; &#65;",
    "code": "`code`", "fence": "```\ncode\n```", "table": "| a | b |\n|---|---|\n| 1 | 2 |", "quote": "> citation",
    "rule": "---", "hard_break": "ligne  \nsuivante", "backslash": "a\\b \\* \\\\", "task": "- [ ] tâche",
    "footnote": "texte[^1]\n\n[^1]: note", "arrows": "a -> b <- c <-> d -- e >= f <= g ~= h",
    "directive_container": ":::note\nx\n:::", "domain_dash": "www.-x.fr a@-b.fr", "braces": "{#id .class}", "indented": "    code indenté",
    "pipes_dollars": "5 $ et 6 $", "percent_caret": "100 % ^ ?", "csv": "=HYPERLINK(\"http://x\",\"y\")",
    "tab_start": "\tdébut tabulé", "line_breaks": "ligne 1\nligne 2\n\nligne 4",
}

# Transforms Streamlit runs on text nodes, after the escapes are read (StreamlitMarkdown, Streamlit 1.67).
TEXT_TRANSFORMS = {
    "material icon": r":material_\w+:",
    "streamlit logo": r":streamlit:",
    "emoji shortcode": r":\+1:|:-1:|:[\w-]+:",
    "arrows": r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)",
    "url autolink": r"(?i)(https?://|www(?=\.))",
    "mailto autolink": r"(?i)(mailto|xmpp):[-.+\w]+@",
    "e-mail autolink": r"[-.+\w]+@[-\w]+(\.[-\w]+)+",
}


def text_nodes(md: str) -> list[str]:
    """The text nodes escape_md's markdown parses to: the pieces between its empty spans, escapes read."""
    return [re.sub(r"\\(.)", r"\1", piece, flags=re.S) for piece in md.split(fr._MD_SPLIT)]


@pytest.mark.parametrize("name", FEATURES)
def test_text_is_kept_whole(name):
    assert displayed(escape_md(FEATURES[name])) == FEATURES[name].replace("\t", "\t")


@pytest.mark.parametrize("name", FEATURES)
def test_no_markdown_syntax_is_left(name):
    """Every character with a meaning in markdown is backslash-escaped: CommonMark reads it as that character (no
    emphasis, heading, list, link, table, quote, code, HTML, entity, directive or LaTeX delimiter)."""
    md = escape_md(FEATURES[name]).replace(fr._MD_SPLIT, "")
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", md.replace("\\\n", "")).replace("&#9;", "").replace("&#32;", "")
    assert not re.search(r"[\\`*_{}\[\]()#+\-.!|<>~$:=&]", unescaped)
    assert "\n" not in md.replace("\\\n", "")  # a line break is always a hard break, never a new block


@pytest.mark.parametrize("name", FEATURES)
def test_streamlit_text_transforms_find_nothing(name):
    md = escape_md(FEATURES[name])
    assert ":material/" not in md  # Streamlit rewrites it to ':material_' before parsing
    for node in text_nodes(md):
        for what, pattern in TEXT_TRANSFORMS.items():
            assert not re.search(pattern, node), (what, node)


def test_latex_is_not_detected():
    """Streamlit loads KaTeX only when its own check finds math once escapes and code are set aside."""
    code_or_escape = re.compile(r"(?m)^ {0,3}(`{3,}|~{3,})[\s\S]*?(?:\n[ \t]*\1|$)|(?<!`)(`+)[^`\n]+\2(?!`)|\\[\\$`]")
    inline = re.compile(r"(?<!\$)\$(?![\s$])[^$\n]*?[^\s$]\$(?!\d)")
    block = re.compile(r"(?<!\$)\$\$+(?!\$)[\s\S]*?\$\$")
    for text in FEATURES.values():
        rest = code_or_escape.sub("_", escape_md(text))
        assert "$" not in rest and not inline.search(rest) and not block.search(rest)


def test_plain_text_is_unchanged_and_newlines_are_normalised():
    assert escape_md("Aytré La Rochelle 2025") == "Aytré La Rochelle 2025"
    assert displayed(escape_md("a\r\nb\rc\n")) == "a\nb\nc"
    assert escape_md("    x").startswith("&#32;" * 4)  # never an indented code block
