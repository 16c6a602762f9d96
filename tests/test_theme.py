"""The theme in .streamlit/config.toml: its sequential colours are nrdash's count scale, ten of them as
Streamlit requires (with another number it logs an error on every rerun and ignores them)."""
import logging
import tomllib
from pathlib import Path

from nrdash.referential import COUNT_SEQUENTIAL_COLORS, LEVEL_COLORS

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_sequential_colours_are_the_ten_colour_count_scale():
    colours = tomllib.loads(CONFIG.read_text())["theme"]["chartSequentialColors"]
    assert colours == list(COUNT_SEQUENTIAL_COLORS) and len(colours) == 10
    lightness = [luminance(c) for c in colours]
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == 10  # light -> dark
    assert not set(colours) & set(LEVEL_COLORS.values())
    for colour in colours:  # no blue: red >= green >= blue (a warm grey), never a level's hue
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert r >= g >= b, colour


def test_streamlit_takes_the_theme_without_an_error(monkeypatch):
    from streamlit import config
    from streamlit.proto.NewSession_pb2 import CustomThemeConfig
    from streamlit.runtime.app_session import _populate_theme_msg

    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("streamlit.runtime.app_session")  # Streamlit's loggers do not propagate
    monkeypatch.chdir(CONFIG.parent.parent)
    config.get_config_options(force_reparse=True)
    logger.addHandler(handler)
    try:
        msg = CustomThemeConfig()
        _populate_theme_msg(msg)
        assert [r.getMessage() for r in records] == []
        assert list(msg.chart_sequential_colors) == list(COUNT_SEQUENTIAL_COLORS)
    finally:
        logger.removeHandler(handler)
        monkeypatch.undo()
        config.get_config_options(force_reparse=True)
