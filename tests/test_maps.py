import html
import json

import numpy as np
import pandas as pd
import pytest

from nrdash import maps
from nrdash import referential as ref

EVIL = "<img src=x onerror=alert(1)>"


def synth(n, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "row": np.arange(2, n + 2), "name": [f"Acteur {i}" for i in range(n)], "type": "PME",
        "family": ref.COMPANIES, "level": pd.array(rng.integers(0, 4, n), dtype="Int64"), "commune": "Aytré",
        "insee": "17028", "lat": pd.array(rng.uniform(43, 50, n).round(5), dtype="Float64"),
        "lon": pd.array(rng.uniform(-4, 7, n).round(5), dtype="Float64")})


def layer(deck, layer_id):
    return next(l for l in json.loads(deck.to_json())["layers"] if l["id"] == layer_id)


def test_grid_shares():
    a = synth(3).assign(lat=pd.array([46.0, 46.0, 46.0], dtype="Float64"), lon=pd.array([-1.0, -1.0, -1.0], dtype="Float64"),
                        level=pd.array([3, 0, 2], dtype="Int64"))
    cells = maps.grid_cells(a)
    assert len(cells) == 1 and cells[0]["t"].startswith("3 acteurs, dont 2 de niveau ≥ 2")


def test_grid_is_bounded_whatever_the_census_size():
    rng = np.random.default_rng(0)
    n = 50_000
    a = synth(n).assign(lat=pd.array(rng.uniform(43, 50, n), dtype="Float64"),
                        lon=pd.array(rng.uniform(-4, 7, n), dtype="Float64"))
    cells = maps.grid_cells(a)
    assert 0.5 * maps.GRID_CELLS_ACROSS ** 2 < len(cells) <= (maps.GRID_CELLS_ACROSS + 1) ** 2
    assert sum(int(c["t"].split()[0]) for c in cells) == n  # every actor counted once


def test_payload_per_actor_stays_under_40_bytes_for_large_censuses():
    a = synth(20_000)
    empty = maps.payload_bytes(maps.build_deck(a.iloc[:0], maps.MapOptions()))
    full = maps.payload_bytes(maps.build_deck(a, maps.MapOptions()))
    assert (full - empty) / len(a) <= 40
    assert "Acteur 1" not in maps.build_deck(a, maps.MapOptions()).to_json()  # no names on the wire


def test_small_census_tooltips_are_plain_text_with_names():
    a = synth(3).assign(name=[EVIL, "B", "C"])
    deck = maps.build_deck(a, maps.MapOptions())
    points = layer(deck, "acteurs")["data"]
    assert points[0]["t"].startswith(EVIL)  # kept as text...
    assert deck._tooltip == {"text": "{t}"}  # ...rendered with innerText, never innerHTML
    assert "html" not in json.dumps(deck._tooltip)


def test_points_carry_position_code_and_row():
    a = synth(4)
    pts = layer(maps.build_deck(a, maps.MapOptions()), "acteurs")["data"]
    assert [p["k"] for p in pts] == a["level"].tolist()
    assert [p["i"] for p in pts] == a["row"].tolist()
    assert pts[0]["p"] == [round(float(a["lon"].iat[0]), 5), round(float(a["lat"].iat[0]), 5)]
    fam = layer(maps.build_deck(a, maps.MapOptions(color_by="family")), "acteurs")["data"]
    assert {p["k"] for p in fam} == {ref.FAMILIES.index(ref.COMPANIES)}


def test_unplaced_actors_are_not_drawn():
    a = synth(3)
    a.loc[1, ["lat", "lon"]] = pd.NA
    assert len(layer(maps.build_deck(a, maps.MapOptions()), "acteurs")["data"]) == 2


def test_color_expression_follows_the_level_palette():
    expr = maps.color_expression("level")
    for n in ref.LEVELS:
        assert f"k == {n} ? {maps.hex_rgb(ref.LEVEL_COLORS[n])}" in expr
    assert maps.legend("level")[3] == (ref.level_label(3), ref.LEVEL_COLORS[3])


def test_aggregate_mode_counts_actors_on_a_grid():
    a = synth(5000)
    deck = maps.build_deck(a, maps.MapOptions(aggregate=True))
    cells = layer(deck, "grille")["data"]
    assert sum(int(c["t"].split()[0]) for c in cells) == 5000
    assert len(cells) <= 60 * 61 and "Acteur 1" not in deck.to_json()
    assert maps.payload_bytes(deck) < 400_000


def test_basemap_modes():
    offline = json.loads(maps.build_deck(synth(5), maps.MapOptions(basemap="none")).to_json())
    # Streamlit draws no base map for pydeck's placeholder style; with no style at all it would fetch Carto's.
    assert offline["mapStyle"] == "__MAP_STYLE__" and offline.get("mapProvider") is None
    assert maps.build_deck(synth(5), maps.MapOptions(basemap="none")).map_provider is None
    assert maps.build_deck(synth(5), maps.MapOptions(basemap="carto")).map_provider == "carto"


def test_commune_stats():
    communes = pd.DataFrame({"code": ["17028", "17300"], "name": ["Aytré", "La Rochelle"], "population": [10_000, 80_000]})
    a = synth(4).assign(level=pd.array([0, 2, 3, 1], dtype="Int64"), insee=["17028", "17028", "17028", None])
    stats = maps.commune_stats(a, communes)
    assert stats.loc["17028", "actors"] == 3 and stats.loc["17300", "actors"] == 0
    assert stats.loc["17028", "per_1000"] == pytest.approx(0.3)
    assert stats.loc["17028", "engaged_share"] == pytest.approx(2 / 3)
    assert np.isnan(stats.loc["17300", "engaged_share"])


def test_view_state_frames_the_actors():
    a = synth(100)
    vs = maps.view_state(a)
    assert 43 < vs.latitude < 50 and -4 < vs.longitude < 7 and 3 <= vs.zoom <= 8


def test_no_string_option_is_turned_into_an_expression_by_mistake():
    """pydeck turns every string argument into a JS expression ('@@=…'): only accessors may be strings."""
    for options in (maps.MapOptions(), maps.MapOptions(aggregate=True)):
        for lyr in json.loads(maps.build_deck(synth(10), options).to_json())["layers"]:
            for key, value in lyr.items():
                if isinstance(value, str) and value.startswith("@@="):
                    assert key.startswith("get"), (lyr["id"], key, value)


CONVERTER_TEXTS = ["@@=constructor.constructor('alert(1)')()", "@@=i", "@@#GL.ONE", "@@type", "@@function", "@@", "@@@=x"]


def _strings(node, path=()):
    """Every string value in a JSON tree, with its path (keys are not values)."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, (*path, i))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, (*path, k))


def test_no_census_string_in_the_deck_is_read_by_deck_gl_json_converter():
    """deck.gl's converter runs on the whole deck, layer data included: '@@=' is an expression, '@@#' a constant."""
    a = synth(len(CONVERTER_TEXTS)).assign(name=CONVERTER_TEXTS, type=CONVERTER_TEXTS, commune=CONVERTER_TEXTS)
    for options in (maps.MapOptions(), maps.MapOptions(color_by="family"), maps.MapOptions(aggregate=True)):
        spec = json.loads(maps.build_deck(a, options).to_json())
        for lyr in spec["layers"]:
            data = [(p, s) for p, s in _strings(lyr.get("data"))]
            assert [s for _, s in data if s.startswith("@@")] == [], (options, lyr["id"])
        assert not any(s.startswith("@@") for _, s in _strings(spec.get("tooltip") or {}))
    points = layer(maps.build_deck(a, maps.MapOptions()), "acteurs")["data"]
    # The text is kept whole: one leading space (collapsed by the tooltip's innerText), nothing else.
    assert [p["t"].split("\n")[0] for p in points] == [" " + t for t in CONVERTER_TEXTS]
    assert all(p["t"].split("\n")[2] == t for p, t in zip(points, CONVERTER_TEXTS))


def test_deck_text_changes_only_what_the_converter_would_read():
    assert maps.deck_text("@@=i") == " @@=i"
    assert maps.deck_text("@=i") == "@=i" and maps.deck_text("a @@=i") == "a @@=i" and maps.deck_text("") == ""


def test_commune_labels_are_neutralised_too():
    import geopandas as gpd
    from shapely.geometry import box

    contours = gpd.GeoDataFrame({"code": ["17028"]}, geometry=[box(-1.1, 46.1, -1.0, 46.2)], crs="EPSG:4326")
    stats = maps.commune_stats(synth(2), pd.DataFrame({"code": ["17028"], "name": ["@@=name"], "population": [100]}))
    geo = maps.communes_geojson(contours, stats, "actors")
    assert geo["features"][0]["properties"]["t"].startswith(" @@=name (17028)")


def _communes(names, pops, lons, lats):
    return pd.DataFrame({"code": [f"17{i:03}" for i in range(len(names))], "name": names, "population": pops,
                         "lon": lons, "lat": lats})


def test_commune_names_are_drawn_offline_most_populous_first_without_piling_up():
    communes = _communes(["Petite", "La Rochelle", "Voisine", "Aytré", "@@=x"], [100, 80_000, 5_000, 9_000, 50],
                         [-1.0, -1.15, -1.1501, -1.10, -1.3], [46.0, 46.16, 46.1601, 46.12, 46.3])
    labels = maps.commune_labels(communes)
    names = [l["n"] for l in labels]
    assert names[0] == "La Rochelle" and "Voisine" not in names  # too close to La Rochelle: left out
    assert " @@=x" in names and "@@=x" not in names  # escaped for deck.gl's converter
    assert labels[0]["s"] == 18 and all(12 <= l["s"] < 18 for l in labels[1:])  # size follows the population
    assert len(maps.commune_labels(communes, limit=2)) == 2
    deck = maps.build_deck(synth(3), maps.MapOptions(), labels=labels)
    spec = json.loads(deck.to_json())
    text = layer(deck, "noms")
    # issue 25: the names above the points (a point covered « La Ro●elle »; was under them); not pickable, so the
    # points under a name stay clickable
    assert [l["id"] for l in spec["layers"]] == ["acteurs", "noms"]
    assert text["@@type"] == "TextLayer" and text["getText"] == "@@=n" and text["characterSet"] == "auto"
    assert "La Rochelle" in deck.to_json() and text.get("pickable") is False
    assert not any(s.startswith("@@") for _, s in _strings(text["data"]))


def test_many_communes_give_a_bounded_number_of_labels():
    rng = np.random.default_rng(3)
    n = 2000
    communes = _communes([f"C{i}" for i in range(n)], rng.integers(10, 100_000, n), rng.uniform(-2, 0, n),
                         rng.uniform(45, 47, n))
    assert len(maps.commune_labels(communes)) <= maps.LABELS_MAX


def test_zoom_and_recentre_change_the_initial_view():
    base = maps.view_state(synth(100))
    assert maps.zoomed(base, 1).zoom == pytest.approx(base.zoom + 1)
    assert maps.zoomed(base, -30).zoom == maps.ZOOM_MIN
    # deck.gl only moves to a new initial view: two recentrings in a row must differ.
    assert maps.zoomed(base, 0, 1).latitude != maps.zoomed(base, 0, 2).latitude
    deck = maps.build_deck(synth(5), maps.MapOptions(), view=maps.zoomed(base, 2))
    assert json.loads(deck.to_json())["initialViewState"]["zoom"] == pytest.approx(base.zoom + 2)


def test_every_colouring_has_a_legend_in_words():
    communes = pd.DataFrame({"code": ["17028", "17300"], "name": ["Aytré", "La Rochelle"], "population": [10_000, 0]})
    a = synth(12).assign(level=pd.array([0, 2, 3, 1] * 3, dtype="Int64"), insee="17028")
    stats = maps.commune_stats(a, communes)
    level, = maps.legends(maps.MapOptions(), stats)
    assert [l for l, _ in level.items] == [ref.level_label(n) for n in ref.LEVELS] + ["Niveau non renseigné"]
    family, = maps.legends(maps.MapOptions(color_by="family"), stats)
    assert [c for _, c in family.items][:4] == [ref.FAMILY_COLORS[f] for f in ref.FAMILIES]
    grid, = maps.legends(maps.MapOptions(aggregate=True), stats)
    assert grid.items[0][0] == "0 %" or grid.items[0][0].startswith("0")
    assert "niveau ≥ 2" in grid.title and "surface" in grid.note
    for kind, top in (("actors", "12"), ("per_1000", "1,2"), ("engaged_share", "50 %")):
        points, communes_key = maps.legends(maps.MapOptions(choropleth=kind), stats)
        assert maps.CHOROPLETHS[kind].lower() in communes_key.title
        labels, colours = zip(*communes_key.items)
        assert labels[-1].replace("\u202f", " ") == top, labels  # the darkest swatch is the top value
        # The swatches look like the fills drawn (opacity 170 over white): lightest first, darkest last.
        assert colours[0] == maps._on_white(ref.count_color(0), 170) and colours[-1] == maps._on_white(ref.count_color(1), 170)
        assert colours[-1] == "#%02x%02x%02x" % tuple(round(c * 170 / 255 + 85) for c in ref.count_color(1))
        page = maps.legend_html(communes_key)
        assert all(html.escape(l) in page for l in labels)
    assert "Aucune" not in [l.title for l in maps.legends(maps.MapOptions(), stats)]


def test_legend_html_escapes_and_says_each_colour_in_words():
    page = maps.legend_html(maps.Legend("<b>T</b>", (("<img>", "#000000"),), "a & b"))
    assert "<img>" not in page and "&lt;img&gt;" in page and "&lt;b&gt;" in page and "a &amp; b" in page
    assert 'aria-hidden="true"' in page


def test_view_state_for_a_short_map_fits_the_north_south_extent():
    """Mode atelier fits the map to the screen (a 1280×720 projector leaves ~400 px): the whole territory stays in
    view, its north-south extent within 90 % of the height."""
    a = synth(100)
    tall, short = maps.view_state(a), maps.view_state(a, height=maps.WORKSHOP_MAP_HEIGHT)
    assert short.zoom < tall.zoom
    y0, y1 = np.nanpercentile(a["lat"].astype(float), [2, 98])
    m0, m1 = (np.log(np.tan(np.pi / 4 + np.radians(y) / 2)) for y in (y0, y1))
    pixels = 512 * 2 ** short.zoom * (m1 - m0) / (2 * np.pi)
    assert pixels == pytest.approx(0.9 * maps.WORKSHOP_MAP_HEIGHT, rel=0.01)
    assert maps.view_state(a, height=5000).zoom == tall.zoom  # a tall map keeps the default framing


def test_room_and_high_contrast_maps():
    """Mode atelier draws larger points; « Contraste élevé » dark commune lines and black names."""
    communes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"f": [0, 0, 0, 0]},
         "geometry": {"type": "Polygon", "coordinates": [[[-1, 46], [-1.1, 46], [-1.1, 46.1], [-1, 46]]]}}]}
    labels = [{"p": [-1.05, 46.05], "n": "Aytré", "s": 14}]
    plain = maps.build_deck(synth(5), maps.MapOptions(), communes, labels=labels)
    room = maps.build_deck(synth(5), maps.MapOptions(room=True, contrast=True), communes, labels=labels)
    assert layer(plain, "acteurs")["radiusMinPixels"] == 4 and layer(room, "acteurs")["radiusMinPixels"] == 6
    assert layer(plain, "communes")["getLineColor"] == maps.COMMUNE_LINE
    assert layer(room, "communes")["getLineColor"] == [0, 0, 0, 230]
    assert layer(room, "communes")["lineWidthMinPixels"] == 2
    assert layer(room, "noms")["getColor"] == [0, 0, 0, 255]


def test_a_map_opens_still_and_on_the_grid_only_for_a_large_view():
    """maps.default_settings: the settings' first values, and all an embedded map (?integre=1) is drawn with."""
    small, large = maps.default_settings(maps.GRID_BY_DEFAULT_ABOVE), maps.default_settings(maps.GRID_BY_DEFAULT_ABOVE + 1)
    assert small == ("level", "none", False, "none", False)
    assert large.grid and not large.interactive and large.basemap == "none"
    assert small.color_by in maps.COLOR_MODES and small.choropleth in maps.CHOROPLETHS and small.basemap in maps.BASEMAPS
