"""Open data (issue 27): the files a published version gives at /donnees/CODE/ (nrdash.opendata), validated with
frictionless on the sample and on a hostile census; the routes (nrdash.web.opendata_routes) through the store as an
anonymous visitor: 404 alike for whatever may not be read, ETag, built once per version."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import warnings

import geopandas as gpd
import pytest
import shapely
from frictionless import validate

from nrdash import opendata as od
from nrdash import referential as ref
from nrdash.census import load_census
from nrdash.dataset import SAMPLE_PATH, prepare
from nrdash.geography import load_geography
from nrdash.store import Store
from tests.principals import OP

T = "241700434"  # CA de La Rochelle
WHEN = dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def sample(geo):
    return prepare(load_census(SAMPLE_PATH), "sample", geo)


def contour_of(geo, info):
    polygons = geo.contours(codes=list(info.members))
    return shapely.union_all(polygons[polygons["kind"] == "commune"].geometry.to_numpy())


def release(**changes) -> od.Release:
    return od.Release(**{**dict(code=T, territory="CA de La Rochelle", number=3, created_at=WHEN, sha256="ab" * 32,
                                file_name="recensement.xlsx"), **changes})


def files_of(ds, rel, contour=None) -> dict[str, bytes]:
    return {n: od.build(n, rel, ds.census.actors, ds.census.actions, contour) for n in od.available(rel)}


def write_package(folder, files: dict[str, bytes]):
    """The files as a folder frictionless reads: the schemas beside them, the datapackage's paths local."""
    (folder / "schema").mkdir()
    for name in ("acteurs", "plan"):
        (folder / "schema" / f"{name}.json").write_bytes(od.schema_bytes(name))
    for name, body in files.items():
        (folder / name).write_bytes(body)
    package = json.loads(files["datapackage.json"])
    for item in package["resources"]:
        assert item["path"] == item["path"].split("?")[0] + "?version=3"  # pinned to the version
        item["path"] = item["path"].split("?")[0]
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return folder / "datapackage.json"


def frictionless_errors(path) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate(str(path))
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


# ---------------------------------------------------------------------------------------------------------------
# The schemas
# ---------------------------------------------------------------------------------------------------------------
def test_schema_files_are_the_ones_nrdash_writes():
    for name in ("acteurs", "plan"):
        assert (od.ROOT / "schema" / f"{name}.json").read_bytes() == od.schema_bytes(name), \
            f"schema/{name}.json differs from nrdash.opendata: write it again with od.schema_bytes"


def test_schemas_french_typed_and_closed_lists():
    actors = {f["name"]: f for f in od.schemas()["acteurs"]["fields"]}
    assert {"referent", "contact", "référent"} & set(actors) == set()
    assert all(f["title"] and f["description"] for f in actors.values())
    assert actors["famille"]["constraints"]["enum"] == [ref.PUBLIC, ref.ASSOCIATIONS, ref.COMPANIES]
    assert ref.CITIZENS not in actors["famille"]["constraints"]["enum"]
    assert "Habitants" not in actors["type"]["constraints"]["enum"]
    assert actors["niveau"]["type"] == "integer" and actors["niveau"]["constraints"]["enum"] == [0, 1, 2, 3]
    assert actors["date_mise_a_jour"]["type"] == "date"
    pattern = re.compile(actors["types_action"]["constraints"]["pattern"])
    assert pattern.fullmatch("Inclusion numérique;Utilisation de l'open source et des logiciels libres")
    assert pattern.fullmatch("Gestion de la fin de vie du matériel")
    assert not pattern.fullmatch("Inclusion numérique; Souveraineté des données")  # « ; » alone between values
    assert not pattern.fullmatch("Inclusion")
    plan = {f["name"]: f for f in od.schemas()["plan"]["fields"]}
    assert re.compile(plan["cibles"]["constraints"]["pattern"]).fullmatch("Institutions publiques;Citoyens")


# ---------------------------------------------------------------------------------------------------------------
# The sample
# ---------------------------------------------------------------------------------------------------------------
def test_sample_files_valid_with_frictionless(sample, geo, tmp_path):
    files = files_of(sample, release(), contour_of(geo, sample.territory))
    assert frictionless_errors(write_package(tmp_path, files)) == []
    package = json.loads(files["datapackage.json"])
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert {r["name"] for r in package["resources"]} == {"acteurs", "acteurs-geojson", "plan",
                                                        "citoyens-par-commune"}
    assert [r["schema"] for r in package["resources"] if r["name"] in ("acteurs", "plan")] == \
        ["schema/acteurs.json", "schema/plan.json"]
    actors = sample.census.actors
    valid = actors[~actors["has_error"]]
    listed = rows(files["acteurs.csv"])
    assert len(listed) == int((valid["family"] != ref.CITIZENS).sum()) == 133
    # UTF-8 without BOM, « , »; the stable identifier first (empty here: the sample is not a stored version)
    assert files["acteurs.csv"].startswith(b"identifiant,nom,siret,famille,")
    assert b"\r\n" in files["acteurs.csv"]
    first = listed[0]
    assert first["nom"] == "Vice-présidence au numérique" and first["date_mise_a_jour"] == "2026-01-18"
    assert first["local"] == "oui" and first["niveau"] == "0" and first["niveau_libelle"] == "Non impliqué"
    several = next(r for r in listed if ";" in r["types_action"])
    assert all(v in ref.ACTION_TYPES for v in several["types_action"].split(";"))
    plan = rows(files["plan.csv"])
    assert len(plan) == len(sample.census.actions) and plan[0]["echeance"] == "2027-03-31"
    assert plan[2]["cibles"] == "Institutions publiques;Entreprises;Associations"


def test_no_personal_data_and_no_citizen_listed(sample):
    files = files_of(sample, release())
    everything = b"".join(files.values()).decode("utf-8")
    actors = sample.census.actors
    for col in ref.PERSONAL_FIELDS:
        values = [v for v in actors[col].dropna().tolist() if len(str(v)) > 3]
        assert values and not [v for v in values if str(v) in everything], col
    assert "Référent" not in everything and "referent" not in everything
    citizens = actors[(actors["family"] == ref.CITIZENS) & ~actors["has_error"]]
    assert len(citizens) == 17
    for name in citizens["name"]:
        assert name not in everything
    counts = rows(files["citoyens-par-commune.csv"])
    assert sum(int(r["nombre"]) for r in counts) == 17
    assert {"code_insee": "17300", "commune": "La Rochelle", "nombre": "6"} in counts


def test_citizens_left_out_entirely_when_the_territory_says_so(sample, tmp_path):
    rel = release(citizens=False)
    assert "citoyens-par-commune.csv" not in od.available(rel)
    files = files_of(sample, rel)
    assert "citoyens-par-commune" not in files["datapackage.json"].decode()
    assert frictionless_errors(write_package(tmp_path, files)) == []
    assert "ne les publie pas" in od.listing_html(rel)


def test_download_name_and_licence_setting():
    assert release().download_name("acteurs-numerique-responsable", "csv") == \
        "20260315_241700434_acteurs-numerique-responsable.csv"
    package = od.datapackage(release(licence="odbl-1.0"), {})
    assert package["licenses"][0]["name"] == "odbl-1.0" and package["version"] == "3"
    assert "ab" * 32 in package["sources"][0]["title"]


def test_geojson_read_by_geopandas_inside_the_contour_or_flagged(sample, geo):
    contour = contour_of(geo, sample.territory)
    body = od.build("acteurs.geojson", release(), sample.census.actors, sample.census.actions, contour)
    frame = gpd.read_file(io.BytesIO(body))
    placed = rows(od.build("acteurs.csv", release(), sample.census.actors, sample.census.actions, contour))
    assert len(frame) == sum(1 for r in placed if r["latitude"]) == 133
    assert set(frame.geometry.geom_type) == {"Point"}
    assert {"nom", "famille", "niveau", "hors_territoire", "types_action"} <= set(frame.columns)
    within = frame.geometry.within(contour)
    assert (within | frame["hors_territoire"].astype(bool)).all()
    assert (within == ~frame["hors_territoire"].astype(bool)).all()
    assert 0 < int(frame["hors_territoire"].astype(bool).sum()) < len(frame)
    first = json.loads(body)["features"][0]["properties"]
    assert all(not isinstance(v, (dict, list)) for v in first.values())  # flat properties (uMap)


def test_a_lead_who_is_a_citizen_is_not_published(sample):
    actions = sample.census.actions.copy()
    person = sample.census.actors.loc[sample.census.actors["family"] == ref.CITIZENS, "name"].iloc[0]
    actions.loc[actions.index[0], "lead"] = person.upper()
    plan = rows(od.csv_bytes(od.public_plan(actions, od.citizen_names(sample.census.actors))))
    assert plan[0]["porteur"] == "" and plan[1]["porteur"] == actions["lead"].iloc[1]


# ---------------------------------------------------------------------------------------------------------------
# A hostile census: formulas, markup, deck.gl's « @@ », control characters, 10,000 actors
# ---------------------------------------------------------------------------------------------------------------
HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "@@=constructor", "@@#GL.ONE",
           "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "a\x01b\x07c\x1bd", "ligne\nsuivante",
           'guillemets "doubles", virgules; points-virgules', "\u202eRTL", "**gras** [lien](javascript:alert(1))"]


def hostile_csv(n: int = 10_000) -> bytes:
    header = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Latitude", "Longitude", "Commune",
              "Description des actions NR identifiées", "Adresse", "Type d'action NR", "Référent", "Contact",
              "Date de mise à jour"]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(header)
    types = ["PME", "Habitants", "Associations du NR", "Commune", "Entreprises du NR"]
    for i in range(n):
        text = HOSTILE[i % len(HOSTILE)]
        lat, lon = (46.16 + (i % 50) * 0.001, -1.15 + (i % 70) * 0.001) if i % 3 else (None, None)
        w.writerow([f"{text} {i}", types[i % len(types)], i % 4, lat, lon, "La Rochelle" if i % 3 == 0 else None,
                    text, text, "Inclusion numérique ; " + text, f"Référent Secret {i}", f"secret{i}@exemple.fr",
                    "2026-02-01"])
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile(geo):
    return prepare(load_census(hostile_csv(), "hostile.csv"), "upload", geo)


def test_hostile_census_files_valid_and_inert(hostile, geo, tmp_path):
    census = hostile.census
    assert len(census.actors) == 10_000
    files = files_of(hostile, release(), contour_of(geo, hostile.territory) if hostile.territory else None)
    assert frictionless_errors(write_package(tmp_path, files)) == []
    listed = rows(files["acteurs.csv"])
    assert len(listed) == int(((census.actors["family"] != ref.CITIZENS) & ~census.actors["has_error"]).sum())
    assert len(listed) > 7000
    for r in listed:
        for name, value in r.items():
            if name in ("latitude", "longitude"):  # numbers, written as numbers
                continue
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value  # made inert: '=…
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", value), value  # control characters: U+FFFD
    names = {r["nom"] for r in listed}
    assert "'=HYPERLINK(\"http://x\",\"y\") 0" in names and "'@@=constructor 5" in names
    assert "a\ufffdb\ufffdc\ufffdd 9" in names
    assert "<script>alert(1)</script> 7" in names  # a CSV is data: the text as typed, never run
    everything = b"".join(files.values()).decode("utf-8")
    assert "Secret" not in everything and "secret" not in everything
    features = json.loads(files["acteurs.geojson"])["features"]
    assert len(features) == sum(1 for r in listed if r["latitude"])
    assert {f["properties"]["nom"] for f in features} >= {"@@#GL.ONE 20"}  # GeoJSON keeps the text as typed
    assert all(f["properties"]["famille"] != ref.CITIZENS for f in features)
    counts = rows(files["citoyens-par-commune.csv"])
    assert sum(int(r["nombre"]) for r in counts) == int(((census.actors["family"] == ref.CITIZENS)
                                                        & ~census.actors["has_error"]).sum())
    page = od.listing_html(release(territory='<script>alert("t")</script>'))
    assert "<script>" not in page and "&lt;script&gt;" in page


# ---------------------------------------------------------------------------------------------------------------
# The store's settings
# ---------------------------------------------------------------------------------------------------------------
def test_store_settings_checked_and_carried_by_the_archive(tmp_path):
    from nrdash.store import StoreError

    s = Store(f"sqlite:///{tmp_path / 'a.db'}", seed_sample=False)
    s.publish(OP, T, SAMPLE_PATH.read_bytes(), "v1.xlsx")
    assert s.open_data_settings(OP, T) == {"name": s.territory(OP, T)["name"], "open_licence": "etalab-2.0",
                                           "open_citizens": True}
    with pytest.raises(StoreError, match="Licence « cc0 » inconnue"):
        s.set_territory(OP, T, open_licence="cc0")
    s.set_territory(OP, T, open_licence="odbl-1.0", open_citizens=False)
    archive = s.export_territory(OP, T)
    other = Store(f"sqlite:///{tmp_path / 'b.db'}", seed_sample=False)
    other.import_territory(OP, archive)
    assert other.open_data_settings(OP, T)["open_licence"] == "odbl-1.0"
    assert other.open_data_settings(OP, T)["open_citizens"] is False


# ---------------------------------------------------------------------------------------------------------------
# The routes (Starlette's test client; the real server: tests/e2e/test_opendata.py)
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def served(tmp_path):
    from starlette.applications import Starlette

    with warnings.catch_warnings():  # Starlette would rather have httpx2 (not installed): httpx does the same here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from nrdash.web import opendata_routes as web

    s = Store(f"sqlite:///{tmp_path / 'n.db'}", seed_sample=False)
    s.publish(OP, T, SAMPLE_PATH.read_bytes(), "v1.xlsx")
    smaller = load_census(SAMPLE_PATH)
    from nrdash.export import census_csv

    s.publish(OP, T, census_csv(smaller.actors.iloc[:40]), "v2.csv")
    s.publish(OP, "17300", SAMPLE_PATH.read_bytes(), "autre.xlsx")
    s.set_territory(OP, T, anonymous_read=True)
    s.set_territory(OP, "17300", anonymous_read=False)
    cache = web.BuiltFiles()
    app = Starlette(routes=web.routes(trusted=[], store_factory=lambda: s, cache=cache, base_url_path=""))
    with TestClient(app) as client:
        yield s, client, cache


def test_routes_serve_the_latest_version_or_the_one_asked(served):
    s, client, cache = served
    latest = client.get(f"/donnees/{T}/acteurs.csv")
    assert latest.status_code == 200
    assert latest.headers["access-control-allow-origin"] == "*"
    assert latest.headers["cache-control"] == "public, max-age=300"
    assert latest.headers["content-type"] == "text/csv; charset=utf-8"
    day = s.versions(OP, T)[-1].created_at.astimezone()
    assert latest.headers["content-disposition"] == \
        f'attachment; filename="{day:%Y%m%d}_{T}_acteurs-numerique-responsable.csv"'
    first = client.get(f"/donnees/{T}/acteurs.csv?version=1")
    assert len(rows(latest.content)) <= 40 < len(rows(first.content)) == 133
    package = client.get(f"/donnees/{T}/datapackage.json?version=1").json()
    assert package["version"] == "1" and package["resources"][0]["path"] == "acteurs.csv?version=1"
    assert client.get(f"/donnees/{T}/schema/acteurs.json").json() == od.schemas()["acteurs"]
    page = client.get(f"/donnees/{T}/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "version 2</strong> (la dernière publiée)" in page.text and 'href="./?version=1"' in page.text
    assert s.versions(OP, T)[-1].original_sha256 in page.text
    assert "Licence Ouverte / Open Licence version 2.0" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    old = client.get(f"/donnees/{T}/?version=1")
    assert 'href="acteurs.csv?version=1"' in old.text and "(la dernière publiée)" not in old.text
    assert client.get(f"/donnees/{T}", follow_redirects=False).headers["location"] == f"/donnees/{T}/"


def test_routes_answer_404_alike_whatever_may_not_be_read(served):
    s, client, _ = served
    asked = ["/donnees/17300/acteurs.csv",  # closed
             "/donnees/17028/acteurs.csv",  # not on this instance
             "/donnees/nimporte/", f"/donnees/{T}/acteurs.csv?version=9",  # no such version
             f"/donnees/{T}/acteurs.csv?version=0", f"/donnees/{T}/acteurs.csv?version=01",
             f"/donnees/{T}/acteurs.csv?version=x", f"/donnees/{T}/acteurs.csv?version=1&version=2",
             f"/donnees/{T}/acteurs.csv?version=", f"/donnees/{T}/inconnu.csv", f"/donnees/{T}/../versions",
             "/donnees/17300/", "/donnees/17300/schema/acteurs.json", "/donnees/17300/datapackage.json"]
    answers = [client.get(path) for path in asked]
    assert {(a.status_code, a.text) for a in answers} == {(404, "Page introuvable : vérifiez l'adresse.")}
    assert {a.headers.get("etag") for a in answers} == {None}
    s.set_territory(OP, T, open_citizens=False)
    assert client.get(f"/donnees/{T}/citoyens-par-commune.csv").status_code == 404
    s.set_territory(OP, T, anonymous_read=False)  # closing it closes every version at once
    assert client.get(f"/donnees/{T}/acteurs.csv?version=1").status_code == 404
    assert client.get(f"/donnees/{T}/").status_code == 404


def test_built_once_per_version_and_etag(served):
    s, client, cache = served
    first = client.get(f"/donnees/{T}/datapackage.json")
    built = cache.builds
    assert built == 5  # the package and its four resources
    again = client.get(f"/donnees/{T}/acteurs.csv")
    assert cache.builds == built
    tag = again.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', tag)
    assert client.get(f"/donnees/{T}/acteurs.csv", headers={"If-None-Match": tag}).status_code == 304
    assert client.get(f"/donnees/{T}/acteurs.csv?version=2", headers={"If-None-Match": tag}).status_code == 304
    assert client.get(f"/donnees/{T}/acteurs.csv?version=1").headers["etag"] != tag
    s.set_territory(OP, T, open_licence="odbl-1.0")  # another setting: other files
    package = client.get(f"/donnees/{T}/datapackage.json")
    assert package.json()["licenses"][0]["name"] == "odbl-1.0"
    assert package.headers["etag"] != first.headers["etag"]
    assert client.head(f"/donnees/{T}/plan.csv").headers["etag"] == client.get(f"/donnees/{T}/plan.csv").headers["etag"]


def test_actors_carry_their_stable_identifier_from_version_to_version(served):
    """The store's actor identifiers (migration 0008) are the files' first column: the same actor keeps its
    identifier in versions 1 and 2 (version 2 is version 1's first 40 rows), and every identifier has the schema's
    form (the pattern is the one nrdash.store.identity draws)."""
    import re

    from nrdash.store import identity

    s, client, _ = served
    first = rows(client.get(f"/donnees/{T}/acteurs.csv?version=1").content)
    second = rows(client.get(f"/donnees/{T}/acteurs.csv?version=2").content)
    assert all(r["identifiant"] for r in first + second)
    assert all(re.fullmatch(od.ACTOR_ID_PATTERN, r["identifiant"]) for r in first)
    assert all(re.fullmatch(od.ACTOR_ID_PATTERN, identity.new_actor_id()) for _ in range(200))
    assert len({r["identifiant"] for r in first}) == len(first)
    by_name = {(r["nom"], r["commune"]): r["identifiant"] for r in first}
    assert [by_name[(r["nom"], r["commune"])] for r in second] == [r["identifiant"] for r in second]
    stored = s.open_version(OP, T, 1).census.actors
    assert {r["identifiant"] for r in first} <= set(stored["actor_id"])
    geo = client.get(f"/donnees/{T}/acteurs.geojson?version=1").json()
    assert [f["properties"]["identifiant"] for f in geo["features"]] == [r["identifiant"] for r in first]
