"""The still actor map (nrdash.svgmap, issue 29): the interactive map's layers drawn as one SVG by the server, every
census string escaped, the grid for large censuses, the high-contrast and workshop variants."""
from __future__ import annotations

import re

import pandas as pd

from nrdash import maps, svgmap

HOSTILE = "<img src=x onerror=alert(1)> & « @@=constructor »"


def actors(n: int = 3, name: str = "Atelier") -> pd.DataFrame:
    return pd.DataFrame({"name": [f"{name} {i}" for i in range(n)], "type": ["PME"] * n, "level": [0, 2, 3][:n] * (n // 3 or 1),
                         "family": ["Entreprises"] * n, "commune": ["Aytré"] * n, "row": list(range(2, n + 2)),
                         "lat": [46.13 + i * 0.001 for i in range(n)], "lon": [-1.12 - i * 0.001 for i in range(n)]})


def test_points_coloured_by_level_and_named_in_their_tooltip():
    a = actors()
    svg = svgmap.static_map(a, maps.MapOptions())
    circles = re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>', svg)
    assert [c for c, _ in circles] == [maps.legend("level")[k][1] for k in (0, 2, 3)]
    assert circles[0][1].startswith("Atelier 0\nPME — 0 — Non impliqué")
    assert svg.startswith('<svg class="nr-carte"') and 'aria-hidden="true"' in svg.split(">")[0]
    family = svgmap.static_map(a, maps.MapOptions(color_by="family"))
    assert set(re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"', family)) == {maps.legend("family")[2][1]}


def test_census_text_is_escaped_everywhere():
    a = actors(3, HOSTILE)
    labels = [{"p": [-1.12, 46.13], "n": maps.deck_text(HOSTILE), "s": 14}]
    geo = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"f": [0, 0, 0, 0], "t": HOSTILE},
           "geometry": {"type": "Polygon", "coordinates": [[[-1.13, 46.12], [-1.11, 46.12], [-1.11, 46.14], [-1.13, 46.12]]]}}]}
    svg = svgmap.static_map(a, maps.MapOptions(), geo, labels=labels)
    assert "<img" not in svg and "&lt;img src=x onerror=alert(1)&gt; &amp; « @@=constructor »" in svg
    assert svg.count("&lt;img") == 3 + 1 + 1  # three tooltips, the commune's title, the label
    assert "> &lt;img" not in svg  # deck.gl's guard (a leading space) is not drawn
    figure = svgmap.figure(svg, f"Carte des acteurs. {HOSTILE}")
    assert 'aria-label="Carte des acteurs. &lt;img src=x onerror=alert(1)&gt; &amp; « @@=constructor »"' in figure


def test_the_grid_draws_one_disc_per_cell_and_the_picture_keeps_the_territorys_shape():
    a = actors(300)
    svg = svgmap.static_map(a, maps.MapOptions(aggregate=True))
    assert svg.count("<circle") == len(maps.grid_cells(a)) and "acteurs, dont" in svg
    tall = svgmap.static_map(a, maps.MapOptions())  # a territory taller than wide gets a taller picture
    height = int(re.search(r'viewBox="0 0 600 (\d+)"', tall).group(1))
    assert svgmap.MIN_HEIGHT <= height <= svgmap.HEIGHT


def test_workshop_and_high_contrast():
    a = actors()
    labels = [{"p": [-1.12, 46.13], "n": "Aytré", "s": 14}]
    room = svgmap.static_map(a, maps.MapOptions(room=True, contrast=True), labels=labels)
    assert 'r="6"' in room and 'font-size="18"' in room and 'fill="#000000"' in room
    plain = svgmap.static_map(a, maps.MapOptions(), labels=labels)
    assert 'r="4"' in plain and 'font-size="14"' in plain and 'paint-order="stroke"' in plain  # a halo
