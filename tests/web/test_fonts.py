"""nrdash.web.fonts: the icon font subset covers every icon Streamlit and nrdash name, the text font subset every
character French needs; each is served in place of Streamlit's font only when made from it."""
import json

import pytest
from fontTools.ttLib import TTFont

from nrdash.web import fonts
from nrdash.web.fonts import ICONS, SUBSETS, TEXT, ligatures

REMAKE = "remake them: python scripts/subset_fonts.py"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ICONS.manifest.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def subset_ligatures() -> dict:
    return ligatures(TTFont(ICONS.path))


@pytest.mark.parametrize("subset", SUBSETS, ids=lambda s: s.file)
def test_made_from_the_fonts_of_the_installed_streamlit(subset):
    manifest = json.loads(subset.manifest.read_text(encoding="utf-8"))
    assert manifest["source_sha256"] == fonts.sha256(subset.source()), REMAKE
    assert fonts.subset_font(subset) == subset.path.read_bytes()
    assert subset.path.stat().st_size < subset.source().stat().st_size / 3


def test_text_font_has_every_character_french_needs():
    cmap = TTFont(TEXT.path).getBestCmap()
    french = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’‘“”—–…€ «» 100 000 → ≥ ≤ − ·°"
    assert [c for c in french if ord(c) not in cmap] == []
    assert set(cmap) == set(fonts.TEXT_CHARACTERS) & set(TTFont(TEXT.source()).getBestCmap())


def test_every_icon_nrdash_names_is_in_the_font(manifest, subset_ligatures):
    ours = fonts.icons_named_in(fonts.nrdash_sources())
    assert {"home", "filter_alt", "upload_file", "map"} <= ours  # the sources were read
    assert sorted(ours - set(subset_ligatures)) == [], REMAKE


def test_every_icon_streamlit_names_is_in_the_font(subset_ligatures):
    theirs = fonts.icons_named_in(sorted((fonts.streamlit_static() / "js").glob("*.js")))
    assert {"expand_more", "keyboard_double_arrow_left", "close"} <= theirs
    in_the_font = theirs & set(ligatures(TTFont(ICONS.source())))  # "star_filled" is drawn otherwise
    assert len(in_the_font) > 60 and sorted(in_the_font - set(subset_ligatures)) == [], REMAKE


def test_the_icon_subset_draws_what_its_manifest_lists_and_little_else(manifest, subset_ligatures):
    assert set(manifest["icons"]) <= set(subset_ligatures)
    full = ligatures(TTFont(ICONS.source()))
    assert len(full) > 4000 and len(subset_ligatures) < len(full) / 5


def test_not_served_when_made_from_another_font(tmp_path, monkeypatch):
    (tmp_path / ICONS.file).write_bytes(b"SUBSET")
    (tmp_path / ICONS.file).with_suffix(".json").write_text(json.dumps({"source_sha256": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(fonts, "FONTS", tmp_path)
    fonts.subset_font.cache_clear()
    try:
        assert fonts.subset_font(ICONS) is None
        assert fonts.subset_font(TEXT) is None  # no subset at all
        (tmp_path / ICONS.file).with_suffix(".json").write_text(
            json.dumps({"source_sha256": fonts.sha256(ICONS.source())}), encoding="utf-8")
        fonts.subset_font.cache_clear()
        assert fonts.subset_font(ICONS) == b"SUBSET"
    finally:
        fonts.subset_font.cache_clear()


def test_routes_serve_both_subsets():
    assert {prefix: served.body for prefix, served in fonts.routes().items()} == {
        "/static/media/MaterialSymbols-Rounded.": ICONS.path.read_bytes(),
        "/static/media/SourceSansVF-Upright.ttf.": TEXT.path.read_bytes()}
    assert {served.content_type for served in fonts.routes().values()} == {b"font/woff2"}
