"""Placing census actors on the map, offline, and the territory they belong to.

Order of evidence for each actor: coordinates given (checked to be in France, swapped latitude/longitude
flagged) > INSEE code > postal code (centre of its communes, or the one of them whose name is written) > commune
name matched tolerantly. Every actor records how it was placed (``placement``) or why it could not be
(``unplaced_reason``).

A name borne by several communes is settled, once per name for the whole census, by: the territory's communes;
then the census's dominant département (the one holding a strict majority of the actors placed without any
tie-break: by coordinates, codes or a name only one commune bears; computed once, so tie-breaks never feed it);
then population (one homonym at least ``POPULATION_FACTOR`` times as populous as each other one). Each tie-break
is a warning naming the commune chosen and those set aside, and the actor's placement is ``NAME_TIEBREAK``; a name
still ambiguous is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import referential as ref
from .census import Census, Issue, Territory
from .fields import ERROR, WARNING
from .geography import PCAET_THRESHOLD, POPULATION_NOTE, REEN_THRESHOLD, Geography, name_key
from .text import plural, thousands

COORDS, INSEE, POSTCODE, NAME = "coordonnées", "code INSEE", "code postal", "nom de commune"
NAME_TIEBREAK = "nom de commune (homonyme départagé)"
PLACEMENTS = (COORDS, INSEE, POSTCODE, NAME, NAME_TIEBREAK)
PLACEMENT_CODES = {COORDS: "coordinates", INSEE: "insee", POSTCODE: "postcode", NAME: "name",
                   NAME_TIEBREAK: "name-tiebreak"}
POPULATION_FACTOR = 20  # a homonym this many times as populous as each other one is the one meant

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


def _label(geo: Geography, row: int) -> str:
    """'La Rochelle (17)' for a row of the communes table."""
    return f"{geo.arrays['name'][row]} ({geo.arrays['dep'][row]})"


def _commune_label(geo: Geography, code: str) -> str:
    return _label(geo, int(geo.code_index.get_loc(code)))


def _labels(geo: Geography, rows, limit: int = 6) -> str:
    rows = list(rows)
    return ", ".join(_label(geo, r) for r in rows[:limit]) + ("…" if len(rows) > limit else "")


def _filled(values: np.ndarray) -> np.ndarray:
    """True where a text cell holds something (not None, NA or empty)."""
    return pd.notna(values) & (values != "")


def _name_keys(geo: Geography, values: np.ndarray) -> np.ndarray:
    """name_key of each commune name, computed once per distinct spelling (official spellings looked up)."""
    if not len(values):
        return np.array([], dtype=object)
    codes, uniques = pd.factorize(values)
    official = geo.official_keys
    return np.array([official.get(u) or name_key(u) for u in uniques], dtype=object)[codes]


@dataclass(frozen=True)
class _Choice:
    """How the homonyms of one name were settled for the whole census."""
    row: int | None  # the chosen commune's row in geo.communes, None when still ambiguous
    how: str  # why (French, for the warning)
    candidates: tuple[int, ...]  # rows of all the communes bearing the name
    remaining: tuple[int, ...]  # rows still in the running when no choice was made


def _settle_homonyms(geo: Geography, candidates: np.ndarray, territory: set[str] | None, dominant: str | None,
                     dominant_note: str) -> _Choice:
    """Territory, then the census's dominant département, then population dominance; else ambiguous."""
    code, dep, pop = geo.arrays["code"], geo.arrays["dep"], geo.arrays["population"]
    rest = list(candidates)
    if territory:
        inside = [r for r in rest if code[r] in territory]
        if len(inside) == 1:
            return _Choice(inside[0], "celle du territoire", tuple(candidates), ())
        rest = inside or rest
    if dominant:
        in_dep = [r for r in rest if dep[r] == dominant]
        if len(in_dep) == 1:
            return _Choice(in_dep[0], f"celle du département {dominant}, majoritaire dans le recensement "
                                      f"({dominant_note})", tuple(candidates), ())
        rest = in_dep or rest
    pops = pop[rest]
    if not np.isnan(pops).any():
        order = np.argsort(-pops, kind="stable")
        top, second = pops[order[0]], pops[order[1]]
        if top > 0 and top >= POPULATION_FACTOR * second:
            return _Choice(rest[order[0]], f"de loin la plus peuplée ({thousands(int(top))} habitants, au moins "
                                           f"{POPULATION_FACTOR} fois chacune des autres)", tuple(candidates), ())
    return _Choice(None, "", tuple(candidates), tuple(rest))


def dominant_departement(deps: np.ndarray) -> tuple[str | None, str]:
    """The département holding a strict majority of the given actors' départements (None values ignored)."""
    known = deps[pd.notna(deps)]
    if not len(known):
        return None, ""
    values, counts = np.unique(known.astype(str), return_counts=True)
    top = int(np.argmax(counts))
    if 2 * counts[top] <= len(known):
        return None, ""
    return str(values[top]), f"{thousands(int(counts[top]))} des {thousands(len(known))} acteurs placés sans homonyme"


def place_actors(census: Census, geo: Geography, territory_codes: set[str] | None = None) -> Census:
    """A new Census whose actors carry insee, commune, lat, lon, dep, placement and unplaced_reason.

    Vectorised: each kind of evidence is a few array look-ups in tables built once per geography; Python loops
    run only over the rows that get a message, and over the distinct homonym names.
    """
    a = census.actors.copy()
    n = len(a)
    sheet = census.sheet
    h = ref.HEADER_OF
    row_numbers = a["row"].to_numpy()
    has_error = a["has_error"].to_numpy(dtype=bool).copy()
    found: list[tuple[int, int, int, Issue]] = []  # (phase, actor, sequence, issue): sorted at the end

    def issue(phase: int, i: int, severity: str, field_name: str, message: str) -> None:
        found.append((phase, i, len(found), Issue(severity, sheet, int(row_numbers[i]), h[field_name], message)))
        if severity == ERROR:
            has_error[i] = True

    arr = geo.arrays
    lat = a["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = a["lon"].to_numpy(dtype=float, na_value=np.nan)
    insee = a["insee"].to_numpy(dtype=object).copy()
    commune = a["commune"].to_numpy(dtype=object).copy()
    postcode = a["postcode"].to_numpy(dtype=object)
    placement = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    # 1. Coordinates
    has_xy = ~np.isnan(lat) & ~np.isnan(lon)
    ok = in_france(lon, lat)
    swapped = has_xy & ~ok & in_france(lat, lon)
    for i in np.flatnonzero(swapped):
        issue(0, i, ERROR, "lat", f"Latitude {lat[i]} et longitude {lon[i]} semblent inversées (le point inversé tombe "
                                  "en France) : échangez les deux colonnes. L'acteur est placé par sa commune en attendant.")
    for i in np.flatnonzero(has_xy & ~ok & ~swapped):
        issue(1, i, WARNING, "lat", f"Coordonnées ({lat[i]}, {lon[i]}) hors de France : vérifiez-les (degrés décimaux, "
                                    "latitude d'abord).")
    keep_xy = has_xy & ~swapped
    placement[keep_xy] = COORDS
    lat[~keep_xy] = np.nan
    lon[~keep_xy] = np.nan

    has_commune = _filled(commune)
    keys = np.full(n, None, dtype=object)  # name keys, computed only where a name is compared
    by_code = _filled(insee) & ~keep_xy
    by_postcode = ~by_code & _filled(postcode) & ~keep_xy
    by_name = ~by_code & ~by_postcode & has_commune & ~keep_xy

    def put(rows: np.ndarray, where: np.ndarray, how: str, no_contour) -> None:
        """Place actors ``rows`` at communes ``where`` (rows of geo.communes), or say they have no contour."""
        insee[rows], commune[rows] = arr["code"][where], arr["name"][where]
        plat = arr["lat"][where]
        lat[rows], lon[rows] = plat, arr["lon"][where]
        placement[rows] = np.where(np.isnan(plat), None, how)
        for i, r in zip(rows[np.isnan(plat)], where[np.isnan(plat)]):
            reason[i] = no_contour(i, r)

    # 2. INSEE codes (old codes of merged communes mapped to the current one)
    rows = np.flatnonzero(by_code)
    pos = geo.code_index.get_indexer(pd.Index(insee[rows], dtype=object))
    for k in np.flatnonzero(pos < 0):
        i, code = rows[k], insee[rows[k]]
        if code in geo.old_codes:
            new = geo.old_codes[code]
            issue(2, i, WARNING, "insee", f"Code INSEE {code} : ancienne commune, fusionnée dans "
                                          f"{_commune_label(geo, new)} ({new}). Mettez à jour le code.")
            insee[i], pos[k] = new, geo.code_index.get_loc(new)
            continue
        hint = ""
        group = geo.postcode_groups.locate(np.array([code], dtype=object))[0]
        if group >= 0:
            names = ", ".join(_label(geo, r) for r in geo.postcode_groups.members(group)[:3])
            hint = f" C'est un code postal ({names}) : mettez-le dans la colonne « {h['postcode']} »."
        issue(2, i, ERROR, "insee", f"Code INSEE {code} inconnu du code officiel géographique.{hint}")
        reason[i] = f"code INSEE {code} inconnu"
    rows, pos = rows[pos >= 0], pos[pos >= 0]
    named = has_commune[rows]
    if named.any():
        keys[rows[named]] = _name_keys(geo, commune[rows[named]])
    mismatch = named & (keys[rows] != arr["key"][pos])
    for i, r in zip(rows[mismatch], pos[mismatch]):
        issue(2, i, WARNING, "commune", f"La commune « {commune[i]} » ne correspond pas au code INSEE {arr['code'][r]} "
                                        f"({arr['name'][r]}) : le code INSEE est retenu.")
    no_contour = lambda i, r: f"pas de contour pour {arr['name'][r]} ({arr['code'][r]})"  # noqa: E731
    put(rows, pos, INSEE, no_contour)

    # 3. Postal codes: one commune, or the one of its communes whose name is written, or the centre of them all
    rows = np.flatnonzero(by_postcode)
    if len(rows):  # the tables are built on first use only
        pcs = geo.postcode_groups
        group = pcs.locate(postcode[rows])
        for i in rows[group < 0]:
            issue(2, i, ERROR, "postcode", f"Code postal {postcode[i]} inconnu de la base des codes postaux : "
                                           "vérifiez-le.")
            reason[i] = f"code postal {postcode[i]} inconnu"
        rows, group = rows[group >= 0], group[group >= 0]
        size = pcs.count[group]
        chosen = np.where(size == 1, pcs.rows[pcs.start[group]], -1)
        named = (size > 1) & has_commune[rows]
        if named.any():  # the written name picks one of the postal code's communes when exactly one bears it
            nrows, ngroup = rows[named], group[named]
            keys[nrows] = _name_keys(geo, commune[nrows])
            lengths = pcs.count[ngroup]
            owner = np.repeat(np.arange(len(nrows)), lengths)
            members = pcs.rows[np.repeat(pcs.start[ngroup] - np.cumsum(lengths) + lengths, lengths)
                               + np.arange(lengths.sum())]
            match = arr["key"][members] == keys[nrows][owner]
            hits = np.bincount(owner[match], minlength=len(nrows))
            first = np.full(len(nrows), -1)
            first[owner[match]] = members[match]  # used only where there is exactly one match
            chosen[np.flatnonzero(named)[hits == 1]] = first[hits == 1]
        single = chosen >= 0
        put(rows[single], chosen[single], POSTCODE, lambda i, r: f"pas de contour pour le code postal {postcode[i]}")
        for i, g in zip(rows[~single], group[~single]):
            members = pcs.members(g)
            pc = postcode[i]
            listed = ", ".join(arr["name"][members[:6]]) + ("…" if len(members) > 6 else "")
            issue(2, i, WARNING, "postcode", f"Le code postal {pc} couvre {len(members)} communes ({listed}) : acteur "
                                             "placé au centre de ces communes. Précisez le code INSEE.")
            plat = arr["lat"][members]
            if np.isnan(plat).all():
                reason[i] = f"pas de contour pour le code postal {pc}"
                continue
            lat[i], lon[i], placement[i] = np.nanmean(plat), np.nanmean(arr["lon"][members]), POSTCODE

    for i in np.flatnonzero(~keep_xy & ~by_code & ~by_postcode & ~has_commune):
        reason[i] = "aucune localisation (coordonnées, code INSEE, code postal ou commune)"
        issue(2, i, WARNING, "commune", "Acteur sans localisation : il n'apparaîtra pas sur la carte. Renseignez la "
                                        "commune, son code INSEE ou des coordonnées.")

    # 4. Commune names that only one commune bears
    rows = np.flatnonzero(by_name)
    homonym_rows = homonym_groups = np.zeros(0, dtype=np.int64)
    if len(rows):
        names = geo.key_groups
        keys[rows] = _name_keys(geo, commune[rows])
        group = names.locate(keys[rows])
        for i in rows[group < 0]:
            issue(3, i, ERROR, "commune", f"Commune « {commune[i]} » introuvable : vérifiez l'orthographe ou indiquez "
                                          "son code INSEE.")
            reason[i] = f"commune « {commune[i]} » introuvable"
        size = np.where(group >= 0, names.count[np.maximum(group, 0)], 0)
        unique = size == 1
        put(rows[unique], names.rows[names.start[group[unique]]], NAME, no_contour)
        homonym_rows, homonym_groups = rows[size > 1], group[size > 1]

    # 5. Which commune are the actors placed by coordinates in? (one spatial join, only if needed)
    need = np.flatnonzero((placement == COORDS) & ~_filled(insee))
    if len(need):
        _fill_from_points(geo, need, lon, lat, insee, commune)
    dep = _deps(geo, insee)

    # 6. Homonyms, settled once per distinct name: territory, dominant département, population, else an error.
    if len(homonym_rows):
        dominant, note = dominant_departement(dep[pd.notna(placement)])
        choices = {g: _settle_homonyms(geo, geo.key_groups.members(g), territory_codes, dominant, note)
                   for g in np.unique(homonym_groups)}
        for i, g in zip(homonym_rows, homonym_groups):
            choice = choices[g]
            if choice.row is None:
                issue(3, i, ERROR, "commune", f"Commune « {commune[i]} » ambiguë : {_labels(geo, choice.remaining)}. "
                                              "Indiquez le code INSEE ou le code postal.")
                reason[i] = f"commune « {commune[i]} » ambiguë"
                continue
            others = [r for r in choice.candidates if r != choice.row]
            issue(3, i, WARNING, "commune", f"Commune « {commune[i]} » : {len(choice.candidates)} communes portent ce "
                                            f"nom ; retenue : {_label(geo, choice.row)}, {choice.how} ; "
                                            f"{plural(len(others), 'écartée')} : {_labels(geo, others)}. Indiquez le "
                                            "code INSEE pour lever le doute.")
        settled = np.array([choices[g].row is not None for g in homonym_groups], dtype=bool)
        put(homonym_rows[settled], np.array([choices[g].row for g in homonym_groups[settled]], dtype=np.int64),
            NAME_TIEBREAK, no_contour)
        dep = _deps(geo, insee)

    a["insee"], a["commune"], a["dep"] = insee, commune, dep
    a["lat"] = pd.array(lat, dtype="Float64")
    a["lon"] = pd.array(lon, dtype="Float64")
    a.loc[np.isnan(lat), ["lat", "lon"]] = pd.NA
    a["placement"] = placement
    a["unplaced_reason"] = reason
    a["has_error"] = has_error
    found.sort(key=lambda f: f[:3])
    return replace(census, actors=a, issues=census.issues + [f[3] for f in found])


def _deps(geo: Geography, insee: np.ndarray) -> np.ndarray:
    """Each actor's département, from its commune code (None when unknown)."""
    pos = geo.code_index.get_indexer(pd.Index(insee, dtype=object))
    return np.where(pos >= 0, geo.arrays["dep"][pos], None)


def placement_codes(placement: pd.Series) -> pd.Series:
    """The machine-readable placement of ``check --json``: coordinates / insee / postcode / name / name-tiebreak."""
    return placement.map(PLACEMENT_CODES).astype(object).where(placement.notna(), None)


def placement_summary(actors: pd.DataFrame) -> str:
    """'148 acteurs placés sur 150 (129 par coordonnées, 19 par code INSEE)'."""
    placed = actors["placement"].notna()
    counts = ", ".join(f"{thousands(n)} par {how}"
                       for how, n in actors.loc[placed, "placement"].value_counts().items())
    return (f"{thousands(placed.sum())} acteurs placés sur {thousands(len(actors))}"
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
    joined = joined[joined["code"].notna()]
    i, code = joined["i"].to_numpy(dtype=np.int64), joined["code"].to_numpy(dtype=object)
    insee[i] = code
    unnamed = ~_filled(commune[i])
    commune[i[unnamed]] = geo.arrays["name"][geo.code_index.get_indexer(pd.Index(code[unnamed], dtype=object))]


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
    out = []  # the population itself is said once, by indicators.territory_headline, just before these
    if population > REEN_THRESHOLD:
        out.append("Stratégie Numérique responsable obligatoire (loi REEN : communes et EPCI de plus de "
                   "50\u202f000 habitants, depuis le 1er janvier 2025).")
    else:
        out.append("Pas d'obligation de stratégie NR au titre de la loi REEN (seuil : 50\u202f000 habitants) : "
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
