"""The actor map (pydeck): built from the filtered census and the offline geography. Pure functions.

What is sent to the browser is kept small: actors travel as short records (position rounded to 1 to 11 metres,
level or family as a small integer, row id), colours are computed in the browser from that integer, and the
names needed by the tooltip are only added for censuses small enough to afford them.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from . import referential as ref
from .text import decimal, percent

# At most GRID_CELLS_ACROSS² discs, whatever the census size: every shape drawn costs on every frame while
# panning (about 9 µs per disc or outline segment in software rendering, benchmarks/bench_map.py).
GRID_CELLS_ACROSS = 36
FULL_TOOLTIP_MAX = 3000  # above this, points carry no text: the tooltip gives the level, a click the card
# Above this many points, panning depends on the graphics card: 5,000 points pan at about 20 images/s in
# software rendering, 100,000 at about 1 (benchmarks/bench_map.py); the page says so and suggests the grid.
POINTS_SMOOTH_MAX = 20_000
GRID_BY_DEFAULT_ABOVE = 5_000  # actors in the filtered view: the map opens on the grid
COLOR_MODES = {"level": "Niveau d'engagement", "family": "Famille d'acteurs"}
CHOROPLETHS = {
    "none": "Aucune",
    "actors": "Nombre d'acteurs",
    "per_1000": "Acteurs pour 1 000 habitants",
    "engaged_share": "Part d'acteurs de niveau ≥ 2",
}
BASEMAPS = {"none": "Sans fond de carte (hors ligne)", "carto": "Fond Carto (en ligne)"}


class MapSettings(NamedTuple):
    """What the page's settings choose: point colour, commune colour, the interactive map or the still one, its
    basemap, the grid."""
    color_by: str
    choropleth: str
    interactive: bool
    basemap: str
    grid: bool


def default_settings(actors: int) -> MapSettings:
    """The settings a map opens with for ``actors`` actors in the filtered view (the widgets' first values): the
    still map, no basemap, the grid above GRID_BY_DEFAULT_ABOVE. An embedded map (?integre=1) is drawn so, with
    no setting."""
    return MapSettings(next(iter(COLOR_MODES)), next(iter(CHOROPLETHS)), False, "none",
                       actors > GRID_BY_DEFAULT_ABOVE)

CONTOUR_COLOR = [29, 78, 137, 255]
LABEL_COLOR = [20, 20, 20, 255]
LABEL_OUTLINE = [255, 255, 255, 255]
# Commune names drawn on the map: at most this many, the most populous first, none closer to an already named one
# than an eighth of the map's extent, so that labels never pile up whatever the territory.
LABELS_MAX = 25
LABEL_GAP = 0.12
ZOOM_MIN, ZOOM_MAX = 3.0, 16.0
MAP_HEIGHT = 620  # px, the Carte page's map
# Mode atelier fits the map to the screen (ui.fit): its height is known in the browser only, so the first view is
# framed for about the smallest one, a 1280×720 projector's, then for the height the browser reports; never below
# WORKSHOP_MAP_MIN.
WORKSHOP_MAP_HEIGHT, WORKSHOP_MAP_MIN = 400, 300
COMMUNE_LINE = [90, 100, 120, 160]
COMMUNE_LINE_CONTRAST = [0, 0, 0, 230]
MISSING = [200, 200, 200]


# deck.gl's JSON converter (@deck.gl/json, run by Streamlit on the whole deck, layer data included) reads a string
# value starting with '@@=' as a JavaScript expression and one starting with '@@#' as a constant; '@@type' and
# '@@function' are only read as keys, and every key sent is nrdash's own.
CONVERTER_PREFIX = "@@"


def deck_text(text: str) -> str:
    """A string for a deck.gl layer's data, never read by the converter as an expression, constant or reference.

    Only a string that starts with '@@' changes: it gets one leading space. The tooltip shows data with innerText,
    where a space at the start of a line is collapsed (CSS white-space: normal): the tooltip reads exactly as typed
    (checked in Chromium by tests/e2e/test_hostile_text.py), and no character a reader could copy is added."""
    return " " + text if text.startswith(CONVERTER_PREFIX) else text


def hex_rgb(color: str) -> list[int]:
    c = color.lstrip("#")
    return [int(c[i:i + 2], 16) for i in (0, 2, 4)]


def palette(mode: str) -> list[tuple[str, list[int]]]:
    """(legend label, RGB) in the order of the integer codes sent with the points."""
    if mode == "family":
        return [(f, hex_rgb(ref.FAMILY_COLORS[f])) for f in ref.FAMILIES]
    return [(ref.level_label(n), hex_rgb(ref.LEVEL_COLORS[n])) for n in ref.LEVELS]


def color_expression(mode: str) -> str:
    """A deck.gl accessor computing the colour from the integer code 'k' (-1: unknown) in the browser."""
    expr = str(MISSING)
    for code, (_, rgb) in reversed(list(enumerate(palette(mode)))):
        expr = f"k == {code} ? {rgb} : ({expr})"
    return expr


def actor_records(actors: pd.DataFrame, mode: str, full_tooltip: bool) -> list[dict[str, Any]]:
    """The points: p = [lon, lat], k = colour code, i = census row; with the tooltip text for small censuses.

    Census strings go into a plain-text tooltip (never HTML), so a name such as <img onerror=…> stays text, and
    through deck_text, so a name such as '@@=constructor…' is never run by deck.gl's JSON converter."""
    placed = actors[actors["lat"].notna() & actors["lon"].notna()]
    digits = 5 if full_tooltip else 4  # about 1 m, or 11 m for large censuses (ample for a territory map)
    lon = placed["lon"].to_numpy(dtype=float).round(digits)
    lat = placed["lat"].to_numpy(dtype=float).round(digits)
    if mode == "family":
        order = {f: i for i, f in enumerate(ref.FAMILIES)}
        codes = placed["family"].map(order).fillna(-1).astype(int).to_numpy()
    else:
        codes = placed["level"].fillna(-1).astype(int).to_numpy()
    rows = placed["row"].to_numpy()
    if not full_tooltip:
        return [{"p": [x, y], "k": int(k), "i": int(r)} for x, y, k, r in zip(lon.tolist(), lat.tolist(), codes, rows)]
    labels = [f"{n}\n{t} — {ref.level_label(lv)}\n{c or ''}" for n, t, lv, c in
              zip(placed["name"].fillna("?"), placed["type"].fillna("?"), placed["level"], placed["commune"])]
    return [{"p": [x, y], "k": int(k), "i": int(r), "t": deck_text(s)}
            for x, y, k, r, s in zip(lon.tolist(), lat.tolist(), codes, rows, labels)]


def commune_stats(actors: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Per commune (INSEE code): actors, actors per 1,000 inhabitants, share at level >= 2."""
    a = actors[actors["insee"].notna()]
    engaged = (a["level"].fillna(-1) >= 2).astype(int)
    g = pd.DataFrame({"insee": a["insee"].to_numpy(), "actors": 1, "engaged": engaged.to_numpy()}).groupby("insee").sum()
    out = communes.set_index("code")[["name", "population"]].join(g, how="left").fillna({"actors": 0, "engaged": 0})
    out["actors"] = out["actors"].astype(int)
    pop = out["population"].astype(float)
    out["per_1000"] = np.where(pop > 0, out["actors"] / pop * 1000, np.nan)
    out["engaged_share"] = np.where(out["actors"] > 0, out["engaged"] / out["actors"].clip(lower=1), np.nan)
    return out


def busiest_communes(actors: pd.DataFrame, limit: int = 120) -> tuple[str, ...]:
    """Without a territory, the communes drawn are those with the most actors (contours cost on every frame)."""
    counts = actors["insee"].dropna().value_counts()
    return tuple(sorted(counts.index[:limit]))


def grid_cells(actors: pd.DataFrame, cells_across: int = GRID_CELLS_ACROSS) -> list[dict[str, Any]]:
    """Actors counted on a regular grid, server side: one disc per non-empty cell, its area proportional to the
    number of actors, its colour the share at level >= 2. A fixed, small payload whatever the census size."""
    placed = actors[actors["lat"].notna() & actors["lon"].notna()]
    if placed.empty:
        return []
    lon = placed["lon"].to_numpy(dtype=float)
    lat = placed["lat"].to_numpy(dtype=float)
    x0, x1 = np.percentile(lon, [1, 99])
    y0, y1 = np.percentile(lat, [1, 99])
    step = max((x1 - x0) / cells_across, (y1 - y0) / cells_across, 0.002)
    ix = np.floor((lon - x0) / step).astype(int)
    iy = np.floor((lat - y0) / step).astype(int)
    engaged = (placed["level"].fillna(-1).to_numpy(dtype=float) >= 2).astype(int)
    g = pd.DataFrame({"ix": ix, "iy": iy, "n": 1, "e": engaged, "lon": lon, "lat": lat}).groupby(["ix", "iy"]).agg(
        n=("n", "sum"), e=("e", "sum"), lon=("lon", "mean"), lat=("lat", "mean"))
    top = g["n"].max()
    metres = step * 111_000 * np.cos(np.radians(float(np.mean(lat))))
    ramp = _ramp((g["e"] / g["n"]).to_numpy(dtype=float))
    out = []
    for (n, e, x, y), color in zip(g[["n", "e", "lon", "lat"]].itertuples(index=False), ramp):
        out.append({"p": [round(x, 4), round(y, 4)], "r": round(float(metres * 0.5 * np.sqrt(n / top)) + 80),
                    "c": [*color[:3], GRID_ALPHA], "t": f"{int(n)} acteurs, dont {int(e)} de niveau ≥ 2 ({e / n:.0%})"})
    return out


def _ramp(values: np.ndarray) -> list[list[int]]:
    """The one neutral count scale (light = few, dark = many; referential.COUNT_SEQUENTIAL_COLORS), used for every
    commune colouring (counts, rates, shares) and the grid; transparent for missing values."""
    finite = values[np.isfinite(values)]
    top = finite.max() if len(finite) and finite.max() > 0 else 1.0
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append([0, 0, 0, 0])
        else:
            out.append([*ref.count_color(v / top), COMMUNE_ALPHA])
    return out


def _fmt(value: float, kind: str) -> str:
    if not np.isfinite(value):
        return "—"
    if kind == "engaged_share":
        return percent(value)
    if kind == "per_1000":
        return decimal(value, 1)
    return f"{int(value)}"


def _simplified(contours) -> list:
    """Outlines simplified to about a pixel of the initial view: every vertex costs on every frame while panning."""
    import shapely

    if not len(contours):
        return []
    x0, y0, x1, y1 = contours.total_bounds
    return list(shapely.simplify(contours.geometry.to_numpy(), max(x1 - x0, y1 - y0) / 1500, preserve_topology=True))


def communes_geojson(contours, stats: pd.DataFrame, choropleth: str) -> dict:
    """Commune polygons with the choropleth colour and a plain-text label, as GeoJSON (coordinates rounded)."""
    import shapely

    features = []
    values = stats[choropleth].to_numpy(dtype=float) if choropleth != "none" else None
    geoms = _simplified(contours)
    fills = dict(zip(stats.index, _ramp(values))) if values is not None else {}
    for code, geom in zip(contours["code"], geoms):
        if geom is None or code not in stats.index:
            continue
        s = stats.loc[code]
        label = f"{s['name']} ({code})\n{int(s['actors'])} acteurs"
        if choropleth != "none":
            label += f"\n{CHOROPLETHS[choropleth]} : {_fmt(s[choropleth], choropleth)}"
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-4)))
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"f": fills.get(code, [0, 0, 0, 0]), "t": deck_text(label)}})
    return {"type": "FeatureCollection", "features": features}


class CompactDeck(pdk.Deck):
    """pydeck indents its JSON (about 3x the bytes); the map is sent compact."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"),
                          ensure_ascii=False)


@dataclass(frozen=True)
class MapOptions:
    color_by: str = "level"
    choropleth: str = "none"
    basemap: str = "none"
    aggregate: bool = False  # hexagons instead of points
    room: bool = False  # mode atelier: points read from the back of a room
    contrast: bool = False  # « Contraste élevé »: dark commune lines and names for a washed-out projector


def view_state(actors: pd.DataFrame, territory_geom=None, height: int | None = None) -> pdk.ViewState:
    """The view framing the territory (or most placed actors). ``height``: the map's height in pixels when it is
    less than the default's room (mode atelier fits the map to the screen): the zoom is lowered until the north-south
    extent fits in 90 % of it."""
    if territory_geom is not None:
        x0, y0, x1, y1 = territory_geom.bounds
    else:
        placed = actors[actors["lat"].notna()]
        if placed.empty:
            return pdk.ViewState(latitude=46.6, longitude=2.4, zoom=4.6)
        x0, x1 = np.nanpercentile(placed["lon"].astype(float), [2, 98])
        y0, y1 = np.nanpercentile(placed["lat"].astype(float), [2, 98])
    span = max(x1 - x0, (y1 - y0) * 1.6, 0.02)
    zoom = np.log2(360 / span) + 0.3
    if height:  # Web Mercator: 512 px × 2^zoom for the whole world, 2π across in projected units
        m0, m1 = (np.log(np.tan(np.pi / 4 + np.radians(y) / 2)) for y in (y0, y1))
        zoom = min(zoom, np.log2(0.9 * height * 2 * np.pi / (512 * max(m1 - m0, 1e-6))))
    zoom = float(np.clip(zoom, 3, 15))
    return pdk.ViewState(latitude=(y0 + y1) / 2, longitude=(x0 + x1) / 2, zoom=round(zoom, 2))


LABEL_SIZES = {False: (12, 6), True: (16, 6)}  # (smallest, extra for the most populous) px; mode atelier: >= 16
LABEL_OFFSET = {False: -14, True: -18}  # px: the name above its commune's centre, where the actors' points gather
LABEL_CHAR_WIDTH = 0.62  # em: a bold proportional character, generously (the box must not be underestimated)
LABEL_HALO = 4  # px: the white outline around each letter (outline_width)


def _mercator_px(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at ``zoom`` (deck.gl: 512 px × 2^zoom for the whole world)."""
    scale = 512 * 2 ** zoom / (2 * np.pi)
    lam, phi = np.radians(lon), np.radians(np.clip(lat, -85, 85))
    return scale * (lam + np.pi), scale * (np.pi - np.log(np.tan(np.pi / 4 + phi / 2)))


def label_boxes(labels: list[dict[str, Any]], zoom: float, room: bool = False) -> list[tuple[float, ...]]:
    """(left, top, right, bottom) in pixels at ``zoom`` of each label as drawn (its text, its halo, its offset)."""
    if not labels:
        return []
    lon = np.array([l["p"][0] for l in labels], dtype=float)
    lat = np.array([l["p"][1] for l in labels], dtype=float)
    x, y = _mercator_px(lon, lat, zoom)
    out = []
    for xi, yi, l in zip(x, y, labels):
        half_w = LABEL_CHAR_WIDTH * l["s"] * len(l["n"]) / 2 + LABEL_HALO
        half_h = 0.65 * l["s"] + LABEL_HALO
        cy = yi + LABEL_OFFSET[room]
        out.append((xi - half_w, cy - half_h, xi + half_w, cy + half_h))
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...], margin: float = 2.0) -> bool:
    return a[0] < b[2] + margin and b[0] < a[2] + margin and a[1] < b[3] + margin and b[1] < a[3] + margin


def commune_labels(communes: pd.DataFrame, limit: int = LABELS_MAX, gap: float = LABEL_GAP,
                   zoom: float | None = None, room: bool = False) -> list[dict[str, Any]]:
    """Commune names for the map (p = [lon, lat], n = name, s = size in pixels): the most populous first, larger for
    larger populations (mode atelier: 16 px and more, read from the back of a room). With the map's ``zoom``, a
    name is left out when its box (text and halo, drawn above its point) would touch one already kept: no two names
    collide on the first view; without it, when it would sit closer than ``gap`` × the communes' extent to one
    already kept. ``communes`` has code, name, population, lon, lat (nrdash.geography's communes)."""
    c = communes[communes["lon"].notna() & communes["lat"].notna() & communes["name"].notna()]
    if c.empty:
        return []
    pop = pd.to_numeric(c["population"], errors="coerce").fillna(0).astype(float)
    c = c.assign(_pop=pop.to_numpy()).sort_values(["_pop", "name"], ascending=[False, True])
    lon = c["lon"].to_numpy(dtype=float)
    lat = c["lat"].to_numpy(dtype=float)
    shrink = np.cos(np.radians(float(np.mean(lat))))  # a degree of longitude is shorter than one of latitude
    extent = max((lon.max() - lon.min()) * shrink, lat.max() - lat.min(), 0.01)
    top = max(float(c["_pop"].iat[0]), 1.0)
    smallest, extra = LABEL_SIZES[room]
    kept: list[dict[str, Any]] = []
    boxes: list[tuple[float, ...]] = []
    for i in range(len(c)):
        if len(kept) >= limit:
            break
        label = {"p": [round(float(lon[i]), 4), round(float(lat[i]), 4)], "n": deck_text(str(c["name"].iat[i])),
                 "s": round(smallest + extra * float(np.sqrt(c["_pop"].iat[i] / top)))}
        if zoom is not None:
            (box,) = label_boxes([label], zoom, room)
            if any(_overlap(box, b) for b in boxes):
                continue
            boxes.append(box)
        elif not all(np.hypot((lon[i] - k["p"][0]) * shrink, lat[i] - k["p"][1]) >= gap * extent for k in kept):
            continue
        kept.append(label)
    return kept


def zoomed(view: pdk.ViewState, zoom_change: float, resets: int = 0) -> pdk.ViewState:
    """The view after the page's « Zoom + / − / Recentrer » buttons. deck.gl moves to a new initial view only when
    it differs from the last one: each « Recentrer » shifts the centre by an invisible 1e-7 degree."""
    zoom = float(np.clip(view.zoom + zoom_change, ZOOM_MIN, ZOOM_MAX))
    return pdk.ViewState(latitude=view.latitude + (resets % 2) * 1e-7, longitude=view.longitude, zoom=round(zoom, 2))


def build_deck(actors: pd.DataFrame, options: MapOptions, communes_geo: dict | None = None,
               territory_geojson: dict | None = None, territory_geom=None, labels: list[dict] | None = None,
               view: pdk.ViewState | None = None) -> pdk.Deck:
    layers = []
    if communes_geo and communes_geo["features"]:
        layers.append(pdk.Layer("GeoJsonLayer", communes_geo, id="communes", pickable=True, stroked=True,
                                filled=options.choropleth != "none", get_fill_color="properties.f",
                                get_line_color=COMMUNE_LINE_CONTRAST if options.contrast else COMMUNE_LINE,
                                line_width_min_pixels=2 if options.contrast else 1))
    if territory_geojson:
        layers.append(pdk.Layer("GeoJsonLayer", territory_geojson, id="territoire", stroked=True, filled=False,
                                get_line_color=CONTOUR_COLOR, line_width_min_pixels=3, pickable=False))
    full = len(actors) <= FULL_TOOLTIP_MAX
    records = [] if options.aggregate else actor_records(actors, options.color_by, full)
    if options.aggregate:
        cells = grid_cells(actors)
        layers.append(pdk.Layer("ScatterplotLayer", cells, id="grille", get_position="p", get_radius="r",
                                get_fill_color="c", stroked=True, get_line_color=[255, 255, 255],
                                line_width_min_pixels=1, pickable=True))
    else:
        layers.append(pdk.Layer("ScatterplotLayer", records, id="acteurs", get_position="p",
                                get_fill_color=color_expression(options.color_by), get_line_color=[255, 255, 255],
                                stroked=full, line_width_min_pixels=1,
                                radius_min_pixels=(6 if options.room else 4) if full else 2,
                                radius_max_pixels=16 if options.room else 12, get_radius=60, pickable=True))
    if labels:
        # Over the points (no point covers a name: « La Ro●elle »), with a white halo; not pickable, so a click still
        # reaches the point under a name; sizes in pixels.
        text = pdk.Layer("TextLayer", labels, id="noms", get_position="p", get_text="n", get_size="s",
                         get_color=[0, 0, 0, 255] if options.contrast else LABEL_COLOR, font_settings={"sdf": True},
                         outline_width=LABEL_HALO, outline_color=LABEL_OUTLINE,
                         get_pixel_offset=[0, LABEL_OFFSET[options.room]], pickable=False)
        # deck.gl's default character set is ASCII only (no « é »): 'auto' takes the characters from the data. Set
        # after construction: pydeck turns a string argument into a JavaScript expression ('@@=auto').
        text.character_set = "auto"
        text.font_family = "Helvetica, Arial, sans-serif"  # a proportional system font (deck.gl's default: Monaco)
        text.font_weight = 600
        layers.append(text)
    if options.aggregate:
        tooltip = {"text": "{t}"}
    elif full:
        tooltip = {"text": "{t}"}
    else:
        tooltip = {"text": "Ligne {i} du recensement — cliquez pour afficher la fiche"}
    basemap = {}
    if options.basemap == "carto":
        basemap = dict(map_provider="carto", map_style=pdk.map_styles.CARTO_LIGHT)
    else:
        # Tile-free: pydeck's own "__MAP_STYLE__" placeholder tells Streamlit to draw no base map. (map_style=None
        # would make Streamlit fetch its default Carto style from the network.)
        basemap = dict(map_provider=None)
    return CompactDeck(layers=layers, initial_view_state=view or view_state(actors, territory_geom), tooltip=tooltip,
                       **basemap)


def payload_bytes(deck: pdk.Deck) -> int:
    """What st.pydeck_chart sends for this map (its JSON)."""
    return len(deck.to_json().encode("utf-8"))


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(rgb[:3])


def legend(mode: str) -> list[tuple[str, str]]:
    return [(label, _hex(rgb)) for label, rgb in palette(mode)]


@dataclass(frozen=True)
class Legend:
    """One colouring's key: a title, (meaning, colour) items, and a note on sizes or missing values."""
    title: str
    items: tuple[tuple[str, str], ...]
    note: str = ""


RAMP_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)
COMMUNE_ALPHA, GRID_ALPHA = 170, 220  # the fills' opacity on the map, over a white page


def _on_white(rgb, alpha: int) -> str:
    """The colour a swatch must have to look like a fill drawn with this opacity over white."""
    return _hex([round(c * alpha / 255 + 255 * (1 - alpha / 255)) for c in rgb[:3]])


def legends(options: MapOptions, stats: pd.DataFrame | None = None) -> list[Legend]:
    """The key of every colouring on the map: points (levels or families) or grid discs, and the communes."""
    out = []
    if options.aggregate:
        out.append(Legend("Disques de la grille : part d'acteurs de niveau ≥ 2",
                          tuple((percent(t), _on_white(ref.count_color(t), GRID_ALPHA)) for t in RAMP_STEPS),
                          "Plus foncé = part plus grande (échelle relative à la maille la plus engagée) ; "
                          "surface du disque selon le nombre d'acteurs de la maille."))
    else:
        missing = "Niveau non renseigné" if options.color_by == "level" else "Famille non renseignée"
        out.append(Legend(f"Points : {COLOR_MODES[options.color_by].lower()}",
                          (*legend(options.color_by), (missing, _hex(MISSING)))))
    if options.choropleth != "none" and stats is not None:
        values = stats[options.choropleth].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        top = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
        items = tuple((_fmt(t * top, options.choropleth), _on_white(ref.count_color(t), COMMUNE_ALPHA))
                      for t in RAMP_STEPS)
        if options.choropleth == "actors":  # counts are whole: no « 2,5 acteurs » step
            items = tuple(dict.fromkeys((f"{round(t * top)}", _on_white(ref.count_color(round(t * top) / top),
                                                                         COMMUNE_ALPHA))
                                        for t in RAMP_STEPS))
        note = "Plus foncé = valeur plus grande."
        if options.choropleth != "actors":
            note += " Commune sans couleur : " + ("aucun habitant recensé." if options.choropleth == "per_1000"
                                                  else "aucun acteur, pas de part calculable.")
        out.append(Legend(f"Communes : {CHOROPLETHS[options.choropleth].lower()}", items, note))
    return out


def legend_html(item: Legend) -> str:
    """A legend as HTML: every colour is followed by its meaning in words (colour is never the only cue); the
    swatch is hidden from screen readers. Every text is escaped."""
    rows = "".join(f'<li style="margin:0.15em 0;padding:0"><span aria-hidden="true" style="display:inline-block;width:0.9em;height:0.9em;'
                   f'border:1px solid #555;border-radius:50%;background:{color};margin-right:0.4em;'
                   f'vertical-align:middle"></span>{html.escape(label)}</li>' for label, color in item.items)
    note = f'<p style="margin:0.2em 0 0.6em 0;font-size:0.9em">{html.escape(item.note)}</p>' if item.note else ""
    return (f'<div class="nrdash-map-legend"><p style="margin:0;font-weight:600">{html.escape(item.title)}</p>'
            f'<ul style="list-style:none;padding-left:0;margin:0.2em 0">{rows}</ul>{note}</div>')


# ---------------------------------------------------------------------------------------------
# The needs map (the questionnaire's « Besoins » view): needs counted per commune, one disc on each commune's centre
# ---------------------------------------------------------------------------------------------
NEEDS_DISC_MIN, NEEDS_DISC_MAX = 11, 30  # disc radius in pixels: area proportional to the count
NEEDS_LINE = [40, 40, 40, 255]
NEEDS_ALL = "tous les besoins"


@dataclass(frozen=True)
class NeedsLayer:
    """The needs map's data: ``records`` one disc per commune with at least one need of ``kind`` (None: all kinds):
    p = [lon, lat] (the commune's centre), n = the count, s = it as text, r = radius (px), c = fill, l = the count's
    text colour, t = the tooltip (commune, code, count, count per kind). ``unplaced``: needs of ``kind`` whose
    answer has no commune of the territory's list, or a commune missing from the offline geography. Counts and the
    geography's commune names only: never an answer's name, text or contact."""

    records: tuple[dict[str, Any], ...]
    unplaced: int
    kind: str | None
    top: int

    @property
    def what(self) -> str:
        return NEEDS_ALL if self.kind is None else f"besoin « {self.kind} »"

    def summary(self) -> str:
        """The map in words (its text alternative)."""
        from .text import count_noun

        total = sum(r["n"] for r in self.records)
        if not total:
            text = f"Carte des besoins exprimés par commune ({self.what}) : aucun besoin placé sur la carte"
        else:
            ranked = sorted(self.records, key=lambda r: (-r["n"], r["name"]))
            shown = ", ".join(f"{r['name']} {r['n']}" for r in ranked[:12])
            more = f" et {count_noun(len(ranked) - 12, 'autre commune', 'autres communes')}" if len(ranked) > 12 else ""
            text = (f"Carte des besoins exprimés par commune ({self.what}) : "
                    f"{count_noun(total, 'besoin')} dans {count_noun(len(ranked), 'commune')} — {shown}{more}")
        if self.unplaced:
            text += (f" ; {count_noun(self.unplaced, 'besoin')} sans commune de la liste du territoire, "
                     f"non placé{'s' if self.unplaced > 1 else ''}")
        return text + "."


def _needs_fill(n: int, top: int) -> tuple[int, int, int]:
    """The count scale from its middle (its lightest steps vanish on a white map), darker for more needs."""
    return ref.count_color(0.35 + 0.65 * (n / top if top else 0.0))


def needs_layer(counts: pd.DataFrame, unplaced: pd.Series, communes: pd.DataFrame,
                kind: str | None = None) -> NeedsLayer:
    """The needs map's discs from questionnaire.needs_per_commune's counts (rows: INSEE codes, columns: kinds)
    and the geography's communes (indexed by code; name, lon, lat)."""
    from .charts import text_color

    kinds = list(counts.columns)
    values = counts.sum(axis=1) if kind is None else (counts[kind] if kind in counts else
                                                      pd.Series(0, index=counts.index))
    lost = int(unplaced.sum() if kind is None else unplaced.get(kind, 0))
    rows = []
    for code, n in values.items():
        n = int(n)
        if n <= 0:
            continue
        if code not in communes.index or pd.isna(communes.at[code, "lon"]) or pd.isna(communes.at[code, "lat"]):
            lost += n
            continue
        rows.append((code, n))
    top = max((n for _, n in rows), default=0)
    records = []
    for code, n in rows:
        c = communes.loc[code]
        fill = _needs_fill(n, top)
        detail = "\n".join(f"{k} : {int(counts.at[code, k])}" for k in kinds if int(counts.at[code, k]))  # narrow
        word = "besoin" if n == 1 else "besoins"
        label = f"{c['name']} ({code})\n{n} {word}" + (f" « {kind} »" if kind else "") + f"\n{detail}"
        records.append({"p": [round(float(c["lon"]), 4), round(float(c["lat"]), 4)], "n": n, "s": str(n),
                        "r": round(NEEDS_DISC_MIN + (NEEDS_DISC_MAX - NEEDS_DISC_MIN) * float(np.sqrt(n / top)), 1),
                        "c": [*fill, 235], "l": hex_rgb(text_color(_hex(fill))) + [255],
                        "name": deck_text(str(c["name"])), "t": deck_text(label)})
    return NeedsLayer(tuple(records), lost, kind, top)


def needs_legend(layer: NeedsLayer) -> Legend:
    """The needs map's key: a few counts with their colour; sizes and the written count explained."""
    top = max(layer.top, 1)
    steps = sorted({max(1, round(t * top)) for t in RAMP_STEPS})
    items = tuple((f"{n} besoin{'s' if n > 1 else ''}", _on_white(_needs_fill(n, top), 235)) for n in steps)
    return Legend(f"Disques : {layer.what} par commune", items,
                  "Plus foncé et plus grand = plus de besoins ; le nombre est écrit sur chaque disque, placé au "
                  "centre de la commune.")


def commune_outlines(contours) -> dict:
    """Commune outlines alone (no value, no label), simplified as communes_geojson does, as GeoJSON."""
    import shapely

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 1e-4)))}
        for g in _simplified(contours) if g is not None]}


def needs_deck(layer: NeedsLayer, outlines: dict | None = None, territory_geojson: dict | None = None,
               territory_geom=None, height: int | None = None) -> pdk.Deck:
    """The needs map: commune outlines, the territory's, one disc per commune with its count written on it; a
    plain-text tooltip; no base map (offline)."""
    layers = []
    if outlines and outlines["features"]:
        layers.append(pdk.Layer("GeoJsonLayer", outlines, id="communes", pickable=False, stroked=True, filled=False,
                                get_line_color=COMMUNE_LINE, line_width_min_pixels=1))
    if territory_geojson:
        layers.append(pdk.Layer("GeoJsonLayer", territory_geojson, id="territoire", stroked=True, filled=False,
                                get_line_color=CONTOUR_COLOR, line_width_min_pixels=3, pickable=False))
    data = list(layer.records)
    discs = pdk.Layer("ScatterplotLayer", data, id="besoins", get_position="p", get_radius="r",
                      get_fill_color="c", stroked=True, get_line_color=NEEDS_LINE, line_width_min_pixels=1.5,
                      pickable=True)
    discs.radius_units = "pixels"  # set after construction: pydeck reads a string argument as an expression
    layers.append(discs)
    layers.append(pdk.Layer("TextLayer", data, id="nombres", get_position="p", get_text="s", get_color="l",
                            get_size=15, font_weight=700, pickable=False))
    places = pd.DataFrame({"lon": [r["p"][0] for r in data], "lat": [r["p"][1] for r in data]}, dtype=float)
    return CompactDeck(layers=layers, initial_view_state=view_state(places, territory_geom, height),
                       tooltip={"text": "{t}"}, map_provider=None)
