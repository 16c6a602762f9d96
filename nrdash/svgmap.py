"""The actor map as a still picture (SVG) written by the server: the Carte page's first view. Pure functions.

The interactive map (pydeck, nrdash.maps.build_deck) costs a first visit Streamlit's deck.gl scripts: about 30
requests and 640 kB (the Carte page's EcoIndex was D 46). This picture draws the same layers from the same data —
commune outlines and their colouring (maps.communes_geojson), the territory's outline, the commune names
(maps.commune_labels), the actors coloured by level or family (maps.actor_records) or the grid's discs
(maps.grid_cells) — in a few tens of kilobytes, with no script; the interactive map (zoom, online base map, an
actor's card on click) is one switch away. Every census string is escaped.
"""
from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from . import maps

# The picture's width in its own units, about what the page gives it at 1280 px (its text keeps its size); its
# height follows the territory's shape, within these bounds.
WIDTH, MIN_HEIGHT, HEIGHT = 600, 360, maps.MAP_HEIGHT
MARGIN = 12
LABEL_FONT = "Arial, Helvetica, sans-serif"


def _rgba(color) -> str:
    r, g, b, *a = list(color) + [255]
    alpha = a[0] / 255 if a else 1
    return f"rgb({r},{g},{b})" if alpha >= 1 else f"rgba({r},{g},{b},{alpha:.2f})"


def _rings(geometry: dict[str, Any]) -> list[list]:
    """The rings of a GeoJSON Polygon or MultiPolygon."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def _features(collection: dict | None) -> list[dict]:
    return list((collection or {}).get("features") or [])


class Projection:
    """Longitude/latitude to the picture's pixels: an equirectangular view, longitudes shrunk by the cosine of the
    middle latitude (true shapes at a territory's scale), the frame fitted with a margin."""

    def __init__(self, x0: float, y0: float, x1: float, y1: float, width: int = WIDTH, height: int = HEIGHT):
        self.k = float(np.cos(np.radians((y0 + y1) / 2)))
        span_x, span_y = max((x1 - x0) * self.k, 1e-4), max(y1 - y0, 1e-4)
        self.scale = min((width - 2 * MARGIN) / span_x, (height - 2 * MARGIN) / span_y)
        # centred in the frame
        self.ox = (width - span_x * self.scale) / 2 - x0 * self.k * self.scale
        self.oy = (height + span_y * self.scale) / 2 + y0 * self.scale
        self.metres_per_pixel = 111_000 / self.scale

    def xy(self, lon, lat):
        return (np.asarray(lon, dtype=float) * self.k * self.scale + self.ox,
                self.oy - np.asarray(lat, dtype=float) * self.scale)


def frame(actors: pd.DataFrame, communes_geo: dict | None, territory_geom=None) -> tuple[float, float, float, float]:
    """What the picture shows: the territory, else the communes drawn, else most placed actors (as the interactive
    map's first view, maps.view_state)."""
    if territory_geom is not None:
        return tuple(float(v) for v in territory_geom.bounds)
    xs, ys = [], []
    for feature in _features(communes_geo):
        for ring in _rings(feature["geometry"]):
            arr = np.asarray(ring, dtype=float)
            xs.append(arr[:, 0])
            ys.append(arr[:, 1])
    if xs:
        x, y = np.concatenate(xs), np.concatenate(ys)
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())
    placed = actors[actors["lat"].notna() & actors["lon"].notna()]
    if placed.empty:
        return -5.2, 41.3, 9.6, 51.1  # France
    x0, x1 = np.nanpercentile(placed["lon"].astype(float), [2, 98])
    y0, y1 = np.nanpercentile(placed["lat"].astype(float), [2, 98])
    return float(x0), float(y0), float(x1), float(y1)


def _path(rings: list[list], proj: Projection) -> str:
    parts = []
    for ring in rings:
        arr = np.asarray(ring, dtype=float)
        if len(arr) < 3:
            continue
        x, y = proj.xy(arr[:, 0], arr[:, 1])
        parts.append("M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in zip(x, y)) + "Z")
    return "".join(parts)


def static_map(actors: pd.DataFrame, options: maps.MapOptions, communes_geo: dict | None = None,
               territory_geojson: dict | None = None, territory_geom=None, labels: list[dict] | None = None,
               width: int = WIDTH, height: int | None = None) -> str:
    """The SVG picture (hidden from screen readers: the page describes the map in words beside it)."""
    x0, y0, x1, y1 = frame(actors, communes_geo, territory_geom)
    if height is None:  # as tall as the territory's shape asks, within bounds
        k = float(np.cos(np.radians((y0 + y1) / 2)))
        aspect = max(y1 - y0, 1e-4) / max((x1 - x0) * k, 1e-4)
        height = int(min(HEIGHT, max(MIN_HEIGHT, (width - 2 * MARGIN) * aspect + 2 * MARGIN)))
    proj = Projection(x0, y0, x1, y1, width=width, height=height)
    line = maps.COMMUNE_LINE_CONTRAST if options.contrast else maps.COMMUNE_LINE
    out = [f'<svg class="nr-carte" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" aria-hidden="true" focusable="false" style="max-height:{height}px">']
    communes = _features(communes_geo)
    if communes:
        out.append(f'<g stroke="{_rgba(line)}" stroke-width="{2 if options.contrast else 1}" '
                   f'stroke-linejoin="round">')
        for feature in communes:
            props = feature.get("properties") or {}
            fill = props.get("f") if options.choropleth != "none" else None
            fill_attr = _rgba(fill) if fill and len(fill) > 3 and fill[3] else "none"
            d = _path(_rings(feature["geometry"]), proj)
            if d:
                out.append(f'<path d="{d}" fill="{fill_attr}"><title>{escape(str(props.get("t", "")))}</title>'
                           "</path>")
        out.append("</g>")
    for feature in _features(territory_geojson):
        d = _path(_rings(feature["geometry"]), proj)
        if d:
            out.append(f'<path d="{d}" fill="none" stroke="{_rgba(maps.CONTOUR_COLOR)}" stroke-width="3"/>')
    if options.aggregate:
        out.append('<g stroke="#ffffff" stroke-width="1">')
        for cell in maps.grid_cells(actors):
            x, y = proj.xy(cell["p"][0], cell["p"][1])
            r = max(2.0, cell["r"] / proj.metres_per_pixel)
            out.append(f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="{r:.1f}" fill="{_rgba(cell["c"])}">'
                       f'<title>{escape(cell["t"])}</title></circle>')
        out.append("</g>")
    else:
        full = len(actors) <= maps.FULL_TOOLTIP_MAX
        colours = [maps._hex(rgb) for _, rgb in maps.palette(options.color_by)]
        radius = (6 if options.room else 4) if full else 2
        out.append(f'<g stroke="#ffffff" stroke-width="{1 if full else 0}">')
        for record in maps.actor_records(actors, options.color_by, full):
            x, y = proj.xy(record["p"][0], record["p"][1])
            k = record["k"]
            fill = colours[k] if 0 <= k < len(colours) else maps._hex(maps.MISSING)
            title = f"<title>{escape(record['t'].lstrip())}</title>" if "t" in record else ""
            out.append(f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="{radius}" fill="{fill}">{title}</circle>')
        out.append("</g>")
    if labels:
        colour = "#000000" if options.contrast else _rgba(maps.LABEL_COLOR)
        out.append(f'<g font-family="{LABEL_FONT}" font-weight="600" text-anchor="middle" fill="{colour}" '
                   'stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">')
        for label in labels:
            x, y = proj.xy(label["p"][0], label["p"][1])
            size = int(label.get("s", 14)) + (4 if options.room else 0)
            out.append(f'<text x="{float(x):.1f}" y="{float(y) - 10:.1f}" font-size="{size}">'
                       f'{escape(str(label["n"]).lstrip())}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def figure(svg: str, description: str) -> str:
    """The picture as a figure named by its description (for screen readers; the picture itself is hidden)."""
    return f'<figure class="nr-carte-figure" aria-label="{escape(description)}" style="margin:0">{svg}</figure>'
