"""Commune names on the map (issue 25): drawn above the points with a halo, never colliding on the first view,
16 px and more in mode atelier; no empty « 0 acteur non placé » panel."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest

from nrdash import maps


@pytest.fixture(scope="module")
def geo():
    from nrdash.geography import load_geography

    return load_geography()


def _la_rochelle(geo) -> pd.DataFrame:
    from nrdash.placement import territory_info

    info = territory_info(geo, "epci", "241700434")
    return geo.by_code.loc[[c for c in info.members if c in geo.by_code.index]]  # as pages/carte.py


def _collisions(labels, zoom, room):
    boxes = maps.label_boxes(labels, zoom, room)
    return [(labels[i]["n"], labels[j]["n"]) for i, j in itertools.combinations(range(len(boxes)), 2)
            if maps._overlap(boxes[i], boxes[j], margin=0)]


def test_no_two_names_collide_at_the_maps_zoom_and_the_room_reads_them(geo):
    communes = _la_rochelle(geo)
    for zoom, room in ((10.07, False), (9.41, True), (9.73, True), (11.07, False)):  # the page: 10.07, atelier 9.4-9.7
        labels = maps.commune_labels(communes, zoom=zoom, room=room)
        assert len(labels) >= 6, (zoom, room, [l["n"] for l in labels])
        assert _collisions(labels, zoom, room) == []
        assert labels[0]["n"] == "La Rochelle"
        assert min(l["s"] for l in labels) >= (16 if room else 12)
    # the old rule (distance only) let long names collide: Saint-Médard-d'Aunis on Saint-Christophe
    old = maps.commune_labels(communes)
    assert _collisions(old, 10.07, False) != []


def test_more_names_when_zoomed_in():
    communes = pd.DataFrame({"code": ["a", "b"], "name": ["Saint-Médard-d'Aunis", "Saint-Christophe"],
                             "population": [2000, 1500], "lon": [-0.97, -0.95], "lat": [46.20, 46.20]})
    assert [l["n"] for l in maps.commune_labels(communes, zoom=10)] == ["Saint-Médard-d'Aunis"]
    assert len(maps.commune_labels(communes, zoom=14)) == 2


@pytest.mark.parametrize("workshop", [False, True])
def test_the_carte_page_draws_names_above_points_without_collision(workshop):
    import json

    from streamlit.testing.v1 import AppTest

    from tests.ui.test_app import APP, assert_clean, interactive_map

    at = AppTest.from_file(APP, default_timeout=60)
    if workshop:
        at.query_params["atelier"] = "1"
    at.run()
    at.switch_page("pages/carte.py").run()
    assert_clean(at)
    if not workshop:  # the page opens on the still map (issue 29); the interactive one is on in mode atelier
        interactive_map(at)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("noms") > ids.index("acteurs")  # names drawn over the points
    names = next(layer for layer in spec["layers"] if layer["id"] == "noms")
    labels = names["data"]
    assert len(labels) >= 6 and min(l["s"] for l in labels) >= (16 if workshop else 12)
    assert _collisions(labels, spec["initialViewState"]["zoom"], workshop) == []
    assert not [e for e in at.expander if "non placé" in e.label]  # every actor of the sample is placed
