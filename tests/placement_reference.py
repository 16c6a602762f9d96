"""The row-by-row placement nrdash used before issue 12, kept verbatim as a reference for the vectorised one.

Only the function name changed. Its homonym rule differs from the current one in three ways (the dominant
département was counted from coded actors only and by plurality; the territory step only resolved when exactly one
homonym was inside; no population rule): tests/test_placement_equivalence.py compares on a census where these
differences do not change any result, and normalises the tie-break label and warning wording.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd

from nrdash import referential as ref
from nrdash.census import Census, Issue
from nrdash.fields import ERROR, WARNING
from nrdash.geography import Geography, name_key
from nrdash.placement import COORDS, INSEE, NAME, POSTCODE, in_france


def _commune_label(geo: Geography, code: str) -> str:
    row = geo.by_code.loc[code]
    return f"{row['name']} ({row['dep']})"


def _place_rowwise_reference(census: Census, geo: Geography, territory_codes: set[str] | None = None) -> Census:
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
