"""Placing census actors on the map, offline, and the territory they belong to.

Order of evidence for each actor: coordinates given (checked to be in France, swapped latitude/longitude
flagged) > INSEE code > postal code (centre of its communes) > commune name matched tolerantly. Every actor
records how it was placed (``placement``) or why it could not be (``unplaced_reason``); ambiguities are
warnings when resolved (postal code, territory, dominant département) and errors when not.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import referential as ref
from .census import Census, Issue, Territory
from .fields import ERROR, WARNING
from .geography import PCAET_THRESHOLD, POPULATION_NOTE, REEN_THRESHOLD, Geography, name_key

COORDS, INSEE, POSTCODE, NAME = "coordonnées", "code INSEE", "code postal", "nom de commune"
PLACEMENTS = (COORDS, INSEE, POSTCODE, NAME)

# Rough boxes (lon_min, lat_min, lon_max, lat_max) around France: metropolitan, overseas départements and
# collectivités. Enough to catch swapped or foreign coordinates, not a border test.
FRANCE_BOXES = (
    (-5.8, 41.2, 9.9, 51.2),  # metropolitan France and Corsica
    (-61.9, 15.8, -60.9, 16.6), (-61.3, 14.3, -60.7, 14.95),  # Guadeloupe, Martinique
    (-54.7, 2.0, -51.5, 6.0), (55.1, -21.5, 55.9, -20.8), (44.9, -13.1, 45.4, -12.5),  # Guyane, Réunion, Mayotte
    (-56.5, 46.7, -56.0, 47.2), (-63.2, 17.8, -62.7, 18.2),  # Saint-Pierre-et-Miquelon, St-Martin/St-Barthélemy
    (163.5, -22.8, 168.2, -19.5), (-155.0, -28.0, -134.0, -7.5), (-178.3, -14.5, -176.0, -13.0),  # NC, PF, WF
    (37.0, -50.0, 78.0, -11.0),  # Terres australes et antarctiques
)


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for x0, y0, x1, y1 in FRANCE_BOXES:
        inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return inside


def _commune_label(geo: Geography, code: str) -> str:
    row = geo.by_code.loc[code]
    return f"{row['name']} ({row['dep']})"


def place_actors(census: Census, geo: Geography, territory_codes: set[str] | None = None) -> Census:
    """A new Census whose actors carry insee, commune, lat, lon, dep, placement and unplaced_reason."""
    a = census.actors.copy()
    n = len(a)
    issues: list[Issue] = []
    sheet = census.sheet
    h = ref.HEADER_OF

    def issue(i: int, severity: str, field_name: str, message: str) -> None:
        issues.append(Issue(severity, sheet, int(a["row"].iat[i]), h[field_name], message))
        if severity == ERROR:
            a.iat[i, a.columns.get_loc("has_error")] = True

    lat = a["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = a["lon"].to_numpy(dtype=float, na_value=np.nan)
    insee = a["insee"].to_numpy(dtype=object).copy()
    commune = a["commune"].to_numpy(dtype=object).copy()
    postcode = a["postcode"].to_numpy(dtype=object)
    placement = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    has_xy = ~np.isnan(lat) & ~np.isnan(lon)
    ok = in_france(lon, lat)
    swapped = has_xy & ~ok & in_france(lat, lon)
    for i in np.flatnonzero(swapped):
        issue(i, ERROR, "lat", f"Latitude {lat[i]} et longitude {lon[i]} semblent inversées (le point inversé tombe en "
                               "France) : échangez les deux colonnes. L'acteur est placé par sa commune en attendant.")
    for i in np.flatnonzero(has_xy & ~ok & ~swapped):
        issue(i, WARNING, "lat", f"Coordonnées ({lat[i]}, {lon[i]}) hors de France : vérifiez-les (degrés décimaux, "
                                 "latitude d'abord).")
    keep_xy = has_xy & ~swapped
    placement[keep_xy] = COORDS
    lat[~keep_xy] = np.nan
    lon[~keep_xy] = np.nan

    by_code = geo.by_code
    pending_names: list[int] = []
    for i in range(n):
        if placement[i] == COORDS:
            continue
        code = insee[i]
        if code:
            if code not in by_code.index and code in geo.old_codes:
                new = geo.old_codes[code]
                issue(i, WARNING, "insee", f"Code INSEE {code} : ancienne commune, fusionnée dans "
                                           f"{_commune_label(geo, new)} ({new}). Mettez à jour le code.")
                code = insee[i] = new
            if code not in by_code.index:
                hint = ""
                if code in geo.by_postcode:
                    names = ", ".join(_commune_label(geo, c) for c in geo.by_postcode[code][:3])
                    hint = f" C'est un code postal ({names}) : mettez-le dans la colonne « {h['postcode']} »."
                issue(i, ERROR, "insee", f"Code INSEE {code} inconnu du code officiel géographique.{hint}")
                reason[i] = f"code INSEE {code} inconnu"
                continue
            row = by_code.loc[code]
            if commune[i] and name_key(commune[i]) != row["key"]:
                issue(i, WARNING, "commune", f"La commune « {commune[i]} » ne correspond pas au code INSEE {code} "
                                             f"({row['name']}) : le code INSEE est retenu.")
            commune[i] = row["name"]
            if np.isnan(row["lat"]):
                reason[i] = f"pas de contour pour {row['name']} ({code})"
                continue
            lat[i], lon[i], placement[i] = row["lat"], row["lon"], INSEE
            continue
        pc = postcode[i]
        if pc:
            codes = geo.by_postcode.get(pc)
            if not codes:
                issue(i, ERROR, "postcode", f"Code postal {pc} inconnu de la base des codes postaux : vérifiez-le.")
                reason[i] = f"code postal {pc} inconnu"
                continue
            if len(codes) > 1 and commune[i]:
                named = [c for c in codes if by_code.loc[c, "key"] == name_key(commune[i])]
                if len(named) == 1:
                    codes = named
            rows = by_code.loc[codes]
            if len(codes) == 1:
                insee[i], commune[i] = codes[0], rows["name"].iat[0]
            else:
                labels = ", ".join(rows["name"].head(6)) + ("…" if len(codes) > 6 else "")
                issue(i, WARNING, "postcode", f"Le code postal {pc} couvre {len(codes)} communes ({labels}) : acteur "
                                              "placé au centre de ces communes. Précisez le code INSEE.")
            if rows["lat"].isna().all():
                reason[i] = f"pas de contour pour le code postal {pc}"
                continue
            lat[i], lon[i], placement[i] = rows["lat"].mean(), rows["lon"].mean(), POSTCODE
            continue
        if commune[i]:
            pending_names.append(i)
        else:
            reason[i] = "aucune localisation (coordonnées, code INSEE, code postal ou commune)"
            issue(i, WARNING, "commune", "Acteur sans localisation : il n'apparaîtra pas sur la carte. Renseignez la "
                                         "commune, son code INSEE ou des coordonnées.")

    # Commune names last: the départements of the actors already placed help to choose between homonyms.
    placed_deps = Counter(by_code.loc[c, "dep"] for c in insee if c and c in by_code.index)
    dominant = placed_deps.most_common(1)[0][0] if placed_deps else None
    for i in pending_names:
        candidates = geo.by_key.get(name_key(commune[i]), [])
        how = ""
        if len(candidates) > 1 and territory_codes:
            inside = [c for c in candidates if c in territory_codes]
            if len(inside) == 1:
                candidates, how = inside, "celle du territoire"
        if len(candidates) > 1 and dominant:
            in_dep = [c for c in candidates if by_code.loc[c, "dep"] == dominant]
            if len(in_dep) == 1:
                candidates, how = in_dep, f"celle du département {dominant}, majoritaire dans le recensement"
        if not candidates:
            issue(i, ERROR, "commune", f"Commune « {commune[i]} » introuvable : vérifiez l'orthographe ou indiquez son "
                                       "code INSEE.")
            reason[i] = f"commune « {commune[i]} » introuvable"
            continue
        if len(candidates) > 1:
            labels = ", ".join(_commune_label(geo, c) for c in candidates[:6])
            issue(i, ERROR, "commune", f"Commune « {commune[i]} » ambiguë : {labels}. Indiquez le code INSEE ou le code "
                                       "postal.")
            reason[i] = f"commune « {commune[i]} » ambiguë"
            continue
        code = candidates[0]
        if how:
            homonyms = len(geo.by_key.get(name_key(commune[i]), []))
            issue(i, WARNING, "commune", f"Commune « {commune[i]} » : {homonyms} communes portent ce nom ; retenue : "
                                         f"{_commune_label(geo, code)}, {how}. Indiquez le code INSEE pour lever le doute.")
        row = by_code.loc[code]
        insee[i], commune[i] = code, row["name"]
        if np.isnan(row["lat"]):
            reason[i] = f"pas de contour pour {row['name']} ({code})"
            continue
        lat[i], lon[i], placement[i] = row["lat"], row["lon"], NAME

    # Actors placed by coordinates: which commune are they in? (one spatial join, only if needed)
    need = np.flatnonzero((placement == COORDS) & pd.isna(insee))
    if len(need):
        _fill_from_points(geo, need, lon, lat, insee, commune)

    dep = np.array([by_code.loc[c, "dep"] if c and c in by_code.index else None for c in insee], dtype=object)
    a["insee"], a["commune"], a["dep"] = insee, commune, dep
    a["lat"] = pd.array(lat, dtype="Float64")
    a["lon"] = pd.array(lon, dtype="Float64")
    a.loc[np.isnan(lat), ["lat", "lon"]] = pd.NA
    a["placement"] = placement
    a["unplaced_reason"] = reason
    return replace(census, actors=a, issues=census.issues + issues)


def placement_summary(actors: pd.DataFrame) -> str:
    """'148 acteurs placés sur 150 (129 par coordonnées, 19 par code INSEE)'."""
    placed = actors["placement"].notna()
    counts = ", ".join(f"{ref.thousands(n)} par {how}"
                       for how, n in actors.loc[placed, "placement"].value_counts().items())
    return (f"{ref.thousands(placed.sum())} acteurs placés sur {ref.thousands(len(actors))}"
            + (f" ({counts})" if counts else ""))


def _fill_from_points(geo: Geography, rows: np.ndarray, lon, lat, insee, commune) -> None:
    import geopandas as gpd

    points = gpd.GeoDataFrame({"i": rows}, geometry=gpd.points_from_xy(lon[rows], lat[rows]), crs="EPSG:4326")
    near = geo.communes[(geo.communes["lon"].between(np.nanmin(lon[rows]) - 1, np.nanmax(lon[rows]) + 1))
                        & (geo.communes["lat"].between(np.nanmin(lat[rows]) - 1, np.nanmax(lat[rows]) + 1))]
    polygons = geo.contours(codes=near["code"].tolist())
    polygons = polygons[polygons["kind"] == "commune"]
    joined = gpd.sjoin(points, polygons[["code", "geometry"]], how="left", predicate="within")
    joined = joined.drop_duplicates("i")
    for i, code in zip(joined["i"], joined["code"]):
        if isinstance(code, str):
            insee[i] = code
            if not commune[i]:
                commune[i] = geo.by_code.loc[code, "name"]


# ---------------------------------------------------------------------------------------------
# Territory
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TerritoryInfo:
    kind: str  # "epci" | "commune"
    code: str
    name: str
    members: tuple[str, ...]  # commune codes
    population: int | None  # population municipale
    population_totale: int | None = None
    epci_type: str | None = None
    obligations: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.name} ({'EPCI ' + self.code if self.kind == 'epci' else 'commune ' + self.code})"


def obligations(kind: str, population: int | None) -> tuple[str, ...]:
    """The legal context the kit recalls, from the population municipale."""
    if population is None:
        return ("Population inconnue : obligations non évaluées.",)
    out = []
    pop = ref.thousands(population)
    if population > REEN_THRESHOLD:
        out.append(f"Stratégie Numérique responsable obligatoire (loi REEN : communes et EPCI de plus de "
                   f"50\u202f000 habitants, depuis le 1er janvier 2025) — {pop} habitants.")
    else:
        out.append(f"Pas d'obligation de stratégie NR au titre de la loi REEN ({pop} habitants, seuil 50\u202f000) : "
                   "démarche volontaire.")
    if kind == "epci":
        if population > PCAET_THRESHOLD:
            out.append("PCAET obligatoire (loi de transition énergétique : EPCI de plus de 20\u202f000 habitants).")
        else:
            out.append("PCAET non obligatoire (EPCI de 20\u202f000 habitants ou moins).")
    out.append(f"Population retenue : {POPULATION_NOTE}.")
    return tuple(out)


def territory_info(geo: Geography, kind: str, code: str) -> TerritoryInfo | None:
    if kind == "epci":
        rows = geo.epci[geo.epci["siren"] == code]
        if rows.empty:
            return None
        e = rows.iloc[0]
        pop = None if pd.isna(e["population_municipale"]) else int(e["population_municipale"])
        tot = None if pd.isna(e["population_totale"]) else int(e["population_totale"])
        return TerritoryInfo("epci", code, e["name"], tuple(e["members"]), pop, tot, e["type"], obligations("epci", pop))
    if code not in geo.by_code.index:
        return None
    c = geo.by_code.loc[code]
    pop = None if pd.isna(c["population"]) else int(c["population"])
    members = tuple(geo.communes.loc[geo.communes["parent"] == code, "code"]) or (code,)
    return TerritoryInfo("commune", code, c["name"], members, pop, None, None, obligations("commune", pop))


def resolve_territory(territory: Territory, geo: Geography) -> tuple[TerritoryInfo | None, str | None]:
    """The census's territory (Territoire sheet), or why it could not be found."""
    if territory.epci_siren:
        info = territory_info(geo, "epci", territory.epci_siren)
        return (info, None) if info else (None, f"SIREN d'EPCI {territory.epci_siren} inconnu.")
    if territory.commune_insee:
        info = territory_info(geo, "commune", territory.commune_insee)
        return (info, None) if info else (None, f"Code INSEE {territory.commune_insee} inconnu.")
    return None, None


def search_territories(geo: Geography, query: str, limit: int = 30) -> list[tuple[str, str, str]]:
    """(kind, code, label) of EPCI and communes whose name contains the query (accents and case ignored)."""
    key = ref.norm_key(query)
    if len(key) < 2:
        return []
    e = geo.epci[geo.epci["key"].str.contains(key, regex=False)]
    c = geo.communes[(geo.communes["kind"] == "commune") & geo.communes["key"].str.contains(name_key(query), regex=False)]
    out = [("epci", s, f"{nm} — EPCI {t} {s}") for s, nm, t in zip(e["siren"], e["name"], e["type"])]
    out += [("commune", code, f"{nm} — commune {code} ({dep})") for code, nm, dep in zip(c["code"], c["name"], c["dep"])]
    return out[:limit]
