"""Geography for the map and the report, computed once and shared read-only by every session."""
from __future__ import annotations

import json

import streamlit as st

from .source import geography


@st.cache_resource(max_entries=16, show_spinner=False)
def commune_contours(codes: tuple[str, ...]):
    geo, _ = geography()
    return geo.contours(codes=list(codes))


@st.cache_resource(max_entries=8, show_spinner=False)
def territory_shape(kind: str, code: str, members: tuple[str, ...]):
    """(GeoJSON, geometry) of the territory's outline."""
    import shapely

    geo, _ = geography()
    if kind == "epci":
        geom = geo.epci_contour(code).geometry.iloc[0]
    else:
        geom = shapely.union_all(commune_contours(members).geometry.to_numpy())
    if geom is None:
        return None, None
    simple = shapely.set_precision(geom, 1e-4)
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(simple)), "properties": {}}, geom
