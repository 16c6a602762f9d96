"""Open data: a published version's public files, built by pure functions (no Streamlit, no store, no HTTP).

For a territory open to anonymous reading, nrdash.web.opendata_routes serves them at stable addresses
(``/donnees/CODE/…``, docs/utilisation.md « Données ouvertes »):

- ``acteurs.csv``: one line per actor of the public families (« Citoyens » never: they are individual people),
  public fields only (never Référent or Contact), the rows in error left out as on the dashboard;
- ``acteurs.geojson``: the same actors that are placed, one Point each, flat French properties (uMap's remote data);
- ``plan.csv``: the action plan (sheet « Actions »);
- ``citoyens-par-commune.csv``: how many « Citoyens » actors per commune (INSEE code, commune, count), unless the
  territory leaves them out entirely;
- ``datapackage.json``: a Frictionless Data Package naming the files, their Table Schemas (``schema/acteurs.json``,
  ``schema/plan.json``, in the repository and served beside the files), the licence and the version;
- ``index.html``: a small French page listing them with the licence, the version, its date and SHA-256.

CSV: UTF-8 without BOM, ``,`` between cells, ``;`` between the values of a multi-valued cell, ISO dates, CRLF. A text
cell a spreadsheet would run as a formula is made inert with a leading apostrophe (nrdash.export.neutralise, as the
exports do); control characters (which no XML or spreadsheet keeps) become U+FFFD (nrdash.export.xml_safe).
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from . import referential as ref
from .export import neutralise, xml_safe
from .placement import PLACEMENTS
from .text import count_noun

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"


# ---------------------------------------------------------------------------------------------
# Licences a territory may choose (the two of the décret n° 2017-638 for public data that nrdash offers)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Licence:
    name: str  # Data Package identifier (lower case)
    title: str
    url: str


LICENCES: dict[str, Licence] = {
    "etalab-2.0": Licence("etalab-2.0", "Licence Ouverte / Open Licence version 2.0",
                          "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    "odbl-1.0": Licence("odbl-1.0", "Open Database License (ODbL) version 1.0",
                        "https://opendatacommons.org/licenses/odbl/1-0/"),
}
DEFAULT_LICENCE = "etalab-2.0"


def licence(name: str | None) -> Licence:
    return LICENCES.get(name or "", LICENCES[DEFAULT_LICENCE])


# ---------------------------------------------------------------------------------------------
# Columns and their Table Schema
# ---------------------------------------------------------------------------------------------
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression matching only itself, escaping only what XML Schema, JavaScript and Python
    regular expressions all read as special (Table Schema's ``pattern`` is read by all three)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def multi_pattern(values: Iterable[str]) -> str:
    """The ``pattern`` of a cell holding one or more of ``values`` separated by « ; » (Table Schema anchors it)."""
    one = "(" + "|".join(regex_literal(v) for v in values) + ")"
    return f"{one}(;{one})*"


@dataclass(frozen=True)
class OpenColumn:
    name: str
    title: str
    description: str
    type: str = "string"
    constraints: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # format, trueValues…

    def schema(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "title": self.title, "description": self.description,
                             "type": self.type, **self.extra}
        if self.constraints:
            d["constraints"] = dict(self.constraints)
        return d


YES, NO = "oui", "non"
_BOOLEAN = {"trueValues": [YES], "falseValues": [NO]}
PUBLIC_FAMILIES: tuple[str, ...] = tuple(f for f in ref.FAMILIES if f != ref.CITIZENS)
PUBLIC_TYPES: tuple[str, ...] = tuple(t for f in PUBLIC_FAMILIES for t in ref.TYPES_BY_FAMILY[f]) + (ref.OTHER_TYPE,)
INSEE_PATTERN = r"[0-9]{5}|2[AB][0-9]{3}"

ACTOR_ID_PATTERN = "[0-9]{14}|nr-[0-9a-hjkmnp-tv-z]{10}"  # nrdash.store.identity: a valid SIRET or a drawn one

ACTOR_COLUMNS: tuple[OpenColumn, ...] = (
    OpenColumn("identifiant", "Identifiant de l'acteur", "Identifiant stable de l'acteur dans ce territoire : le "
               "même d'une version publiée à l'autre, même quand son nom change (son SIRET valide, ou « nr- » suivi "
               "de 10 caractères tirés par nrdash).", "string", {"pattern": ACTOR_ID_PATTERN}),
    OpenColumn("nom", "Nom de l'acteur", "Nom de la structure, tel que le recensement l'écrit.", "string",
               {"required": True}),
    OpenColumn("siret", "SIRET", "Numéro SIRET de l'établissement (14 chiffres, clé de Luhn vérifiée) ; vide quand "
               "il n'est pas connu ou pas valide.", "string", {"pattern": "[0-9]{14}"}),
    OpenColumn("famille", "Famille d'acteurs", "Famille de la typologie du kit de l'ANCT (la famille « Citoyens », "
               "des personnes, n'est jamais publiée acteur par acteur).", "string",
               {"required": True, "enum": list(PUBLIC_FAMILIES)}),
    OpenColumn("type", "Type d'acteur", "Type de la typologie du kit ; « Autre » pour un type hors de la liste.",
               "string", {"required": True, "enum": list(PUBLIC_TYPES)}),
    OpenColumn("local", "Acteur local", "« oui » si l'acteur est implanté sur le territoire, « non » sinon ; vide "
               "si le recensement ne le dit pas.", "boolean", extra=_BOOLEAN),
    OpenColumn("commune", "Commune", "Nom de la commune de l'acteur (code officiel géographique).", "string"),
    OpenColumn("code_insee", "Code INSEE de la commune", "Code officiel géographique de la commune (5 caractères).",
               "string", {"pattern": INSEE_PATTERN}),
    OpenColumn("code_postal", "Code postal", "Code postal de l'adresse (5 chiffres).", "string",
               {"pattern": "[0-9]{5}"}),
    OpenColumn("adresse", "Adresse", "Adresse de la structure.", "string"),
    OpenColumn("latitude", "Latitude", "Latitude du point de l'acteur (degrés décimaux, WGS 84).", "number",
               {"minimum": -90, "maximum": 90}),
    OpenColumn("longitude", "Longitude", "Longitude du point de l'acteur (degrés décimaux, WGS 84).", "number",
               {"minimum": -180, "maximum": 180}),
    OpenColumn("localisation", "Mode de localisation", "Ce qui a placé l'acteur : ses coordonnées, le code INSEE, "
               "le code postal ou le nom de sa commune (alors au centre de la commune) ; vide s'il n'est pas placé.",
               "string", {"enum": list(PLACEMENTS)}),
    OpenColumn("hors_territoire", "Placé hors du territoire", "« oui » si le point de l'acteur est hors du contour "
               "du territoire, « non » s'il est dedans ; vide s'il n'est pas placé ou si le contour n'est pas "
               "connu.", "boolean", extra=_BOOLEAN),
    OpenColumn("types_action", "Types d'action Numérique responsable", "Types d'action de la liste du kit, séparés "
               "par « ; ».", "string", {"pattern": multi_pattern(ref.ACTION_TYPES)}),
    OpenColumn("dimensions", "Dimensions du Numérique responsable", "Dimensions de la liste du kit, séparées par "
               "« ; ».", "string", {"pattern": multi_pattern(ref.NR_DIMENSIONS)}),
    OpenColumn("autres_categories", "Autres catégories", "Catégories écrites hors des listes du kit, séparées par "
               "« ; ».", "string"),
    OpenColumn("description", "Description des actions", "Description des actions Numérique responsable "
               "identifiées.", "string"),
    OpenColumn("niveau", "Niveau d'engagement", "Niveau d'engagement estimé : 0 (non impliqué) à 3 (leader du "
               "Numérique responsable).", "integer", {"required": True, "enum": list(ref.LEVELS)}),
    OpenColumn("niveau_libelle", "Libellé du niveau d'engagement", "Le niveau en mots, selon le kit.", "string",
               {"enum": list(ref.LEVELS.values())}),
    OpenColumn("cercle", "Cercle de mobilisation", "Cercle du kit (1 : administration, partenaires et financeurs ; "
               "2 : structures motrices et engagées ; 3 : tous les acteurs), celui du recensement ou, à défaut, "
               "celui que la règle du kit donne.", "integer", {"enum": list(ref.CIRCLES)}),
    OpenColumn("source", "Source d'identification", "Comment les actions ont été identifiées.", "string",
               {"enum": list(ref.SOURCES)}),
    OpenColumn("date_mise_a_jour", "Date de mise à jour", "Date de la dernière mise à jour de la ligne (AAAA-MM-JJ).",
               "date"),
)

PLAN_COLUMNS: tuple[OpenColumn, ...] = (
    OpenColumn("action", "Action", "Intitulé de l'action prévue.", "string", {"required": True}),
    OpenColumn("axe", "Axe", "Axe de la matrice d'actions du kit.", "string",
               {"required": True, "enum": list(ref.AXES)}),
    OpenColumn("cibles", "Cibles", "Cibles de la matrice du kit, séparées par « ; ».", "string",
               {"required": True, "pattern": multi_pattern(ref.TARGETS)}),
    OpenColumn("statut", "Statut", "Avancement de l'action.", "string", {"enum": list(ref.STATUSES)}),
    OpenColumn("porteur", "Porteur", "Structure qui porte l'action (jamais une personne du recensement).", "string"),
    OpenColumn("echeance", "Échéance", "Date prévue (AAAA-MM-JJ).", "date"),
    OpenColumn("gain_rapide", "Gain rapide", "« oui » pour un gain rapide (quick win) du kit.", "boolean",
               extra=_BOOLEAN),
    OpenColumn("description", "Description", "Description de l'action.", "string"),
)

CITIZEN_COLUMNS: tuple[OpenColumn, ...] = (
    OpenColumn("code_insee", "Code INSEE de la commune", "Code officiel géographique ; vide pour les citoyens "
               "recensés sans commune.", "string", {"pattern": INSEE_PATTERN}),
    OpenColumn("commune", "Commune", "Nom de la commune ; « Commune non renseignée » pour les citoyens recensés sans "
               "commune.", "string", {"required": True}),
    OpenColumn("nombre", "Nombre de citoyens recensés", "Nombre d'acteurs de la famille « Citoyens » (habitants, "
               "non-résidents) recensés dans la commune.", "integer", {"required": True, "minimum": 1}),
)

SCHEMA_TITLES = {
    "acteurs": ("Acteurs du Numérique responsable d'un territoire",
                "Les acteurs recensés par une collectivité selon le kit « Approche territoriale du Numérique "
                "responsable » de l'ANCT : typologie, localisation, actions, niveau d'engagement, cercle de "
                "mobilisation. Ni référent ni contact (données personnelles), ni acteur de la famille « Citoyens »."),
    "plan": ("Plan d'actions Numérique responsable d'un territoire",
             "Les actions prévues par la collectivité dans la matrice du kit de l'ANCT (axes × cibles), leur statut, "
             "leur porteur et leur échéance."),
}


def table_schema(columns: Iterable[OpenColumn], title: str | None = None, description: str | None = None,
                 primary_key: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if title:
        d.update(title=title, description=description or "")
    d["fields"] = [c.schema() for c in columns]
    d["missingValues"] = [""]
    if primary_key:
        d["primaryKey"] = primary_key
    return d


def schemas() -> dict[str, dict[str, Any]]:
    """The Table Schemas of ``schema/`` (acteurs.json, plan.json), as written there (tests/test_opendata.py checks
    the files say the same)."""
    return {"acteurs": table_schema(ACTOR_COLUMNS, *SCHEMA_TITLES["acteurs"]),
            "plan": table_schema(PLAN_COLUMNS, *SCHEMA_TITLES["plan"])}


def schema_bytes(name: str) -> bytes:
    return (json.dumps(schemas()[name], ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The public rows
# ---------------------------------------------------------------------------------------------
def _missing(values: list) -> np.ndarray:
    return np.fromiter((v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)
                        for v in values), dtype=bool, count=len(values))


def _texts(series: pd.Series) -> list[str | None]:
    """Text cells: control characters made visible (U+FFFD), blanks as None."""
    values = series.tolist()
    miss = _missing(values)
    return [None if m else xml_safe(v if type(v) is str else str(v)) or None for v, m in zip(values, miss)]


def _joined(series: pd.Series) -> list[str | None]:
    return [";".join(xml_safe(str(x)) for x in v) or None if v is not None and len(v) else None
            for v in series.tolist()]


def _dates(series: pd.Series) -> list[str | None]:
    out = []
    for v in series.tolist():
        if isinstance(v, dt.datetime):
            v = v.date()
        out.append(v.isoformat() if isinstance(v, dt.date) else None)
    return out


def _ints(series: pd.Series) -> list[int | None]:
    return [None if m else int(v) for v, m in zip(series.tolist(), _missing(series.tolist()))]


def _bools(series: pd.Series) -> list[bool | None]:
    return [None if m else bool(v) for v, m in zip(series.tolist(), _missing(series.tolist()))]


def _floats(series: pd.Series) -> list[float | None]:
    return [None if m else round(float(v), 6) for v, m in zip(series.tolist(), _missing(series.tolist()))]


def _valid(actors: pd.DataFrame) -> pd.DataFrame:
    return actors[~actors["has_error"].to_numpy(dtype=bool)] if "has_error" in actors else actors


def inside(lon: list[float | None], lat: list[float | None], contour) -> list[bool | None]:
    """Whether each point lies inside the territory's contour (a shapely geometry); None without a point or a
    contour."""
    if contour is None:
        return [None] * len(lon)
    import shapely

    x = np.array([np.nan if v is None else v for v in lon], dtype=float)
    y = np.array([np.nan if v is None else v for v in lat], dtype=float)
    known = ~np.isnan(x) & ~np.isnan(y)
    result = np.zeros(len(x), dtype=bool)
    if known.any():
        shapely.prepare(contour)
        result[known] = shapely.contains_xy(contour, x[known], y[known])
    return [bool(r) if k else None for r, k in zip(result, known)]


def public_actors(actors: pd.DataFrame, contour=None) -> dict[str, list]:
    """The open data's actors, column by column (ACTOR_COLUMNS' names): the rows without errors of the public
    families, public fields only."""
    a = _valid(actors)
    a = a[a["family"].isin(PUBLIC_FAMILIES).to_numpy()]
    lat, lon = _floats(a["lat"]), _floats(a["lon"])
    levels = _ints(a["level"])
    placement = [p if p in PLACEMENTS else None for p in a["placement"].tolist()] if "placement" in a \
        else [None] * len(a)
    outside = [None if i is None else not i for i in inside(lon, lat, contour)]
    postcodes = [p if p is not None and re.fullmatch(r"[0-9]{5}", p) else None for p in _texts(a["postcode"])]
    out = {
        "identifiant": _texts(a["actor_id"]) if "actor_id" in a else [None] * len(a),
        "nom": _texts(a["name"]),
        "siret": [s if s is not None and re.fullmatch(r"[0-9]{14}", s) else None for s in _texts(a["siret"])],
        "famille": a["family"].tolist(),
        "type": [t if t in PUBLIC_TYPES else ref.OTHER_TYPE for t in a["type"].tolist()],
        "local": _bools(a["is_local"]),
        "commune": _texts(a["commune"]),
        "code_insee": _texts(a["insee"]),
        "code_postal": postcodes,
        "adresse": _texts(a["address"]),
        "latitude": lat, "longitude": lon,
        "localisation": placement,
        "hors_territoire": outside,
        "types_action": _joined(a["action_types"]),
        "dimensions": _joined(a["dimensions"]),
        "autres_categories": _joined(a["other_categories"]) if "other_categories" in a else [None] * len(a),
        "description": _texts(a["description"]),
        "niveau": levels,
        "niveau_libelle": [None if v is None else ref.LEVELS.get(v) for v in levels],
        "cercle": _ints(a["circle"]),
        "source": [s if s in ref.SOURCES else None for s in a["source"].tolist()],
        "date_mise_a_jour": _dates(a["updated"]),
    }
    assert list(out) == [c.name for c in ACTOR_COLUMNS]
    return out


def citizen_counts(actors: pd.DataFrame) -> dict[str, list]:
    """How many « Citoyens » actors (rows without errors) per commune: INSEE code, name, count, sorted by name."""
    from .filters import UNKNOWN_COMMUNE

    a = _valid(actors)
    a = a[(a["family"] == ref.CITIZENS).to_numpy()]
    codes, names = _texts(a["insee"]), _texts(a["commune"])
    counts: dict[tuple[str | None, str], int] = {}
    for code, name in zip(codes, names):
        key = (code, name or code or UNKNOWN_COMMUNE)
        counts[key] = counts.get(key, 0) + 1
    keys = sorted(counts, key=lambda k: (k[0] is None, ref.norm_key(k[1]), k[0] or ""))
    return {"code_insee": [k[0] for k in keys], "commune": [k[1] for k in keys], "nombre": [counts[k] for k in keys]}


def citizen_names(actors: pd.DataFrame) -> set[str]:
    """The normalised names of the census's « Citoyens » actors (people): never written as an action's lead."""
    names = actors.loc[(actors["family"] == ref.CITIZENS).to_numpy(), "name"].dropna().tolist()
    return {ref.norm_key(n) for n in names if ref.norm_key(n)}


def public_plan(actions: pd.DataFrame, people: set[str] = frozenset()) -> dict[str, list]:
    """The open data's action plan (PLAN_COLUMNS' names): the actions without errors; a lead that names one of
    ``people`` (the census's « Citoyens », see citizen_names) is left blank."""
    p = _valid(actions)
    leads = _texts(p["lead"])
    out = {
        "action": _texts(p["action"]),
        "axe": [v if v in ref.AXES else None for v in p["axis"].tolist()],
        "cibles": [";".join(t for t in ref.TARGETS if t in (v or ())) or None for v in p["targets"].tolist()],
        "statut": [v if v in ref.STATUSES else None for v in p["status"].tolist()],
        "porteur": [None if v is None or ref.norm_key(v) in people else v for v in leads],
        "echeance": _dates(p["due"]),
        "gain_rapide": _bools(p["quick_win"]),
        "description": _texts(p["description"]),
    }
    assert list(out) == [c.name for c in PLAN_COLUMNS]
    return out


# ---------------------------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return YES
    if value is False:
        return NO
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def csv_bytes(columns: dict[str, list]) -> bytes:
    """UTF-8 (no BOM), ``,`` separated, CRLF, a header line of the columns' names; text a spreadsheet would run as
    a formula made inert."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(list(columns))
    cells = [[_cell(v) for v in values] for values in columns.values()]
    writer.writerows(zip(*cells))
    return buf.getvalue().encode("utf-8")


def geojson_bytes(columns: dict[str, list]) -> bytes:
    """One Point feature per placed actor, its other columns as flat properties (JSON types, text as typed)."""
    names = [n for n in columns if n not in ("latitude", "longitude")]
    features = []
    for i, (lat, lon) in enumerate(zip(columns["latitude"], columns["longitude"])):
        if lat is None or lon is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {n: columns[n][i] for n in names}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Release:
    """What the open data says of a version: the territory, the version, the settings it is published under."""

    code: str
    territory: str  # the territory's name
    number: int
    created_at: dt.datetime  # aware
    sha256: str  # the published file's SHA-256 (the version's)
    file_name: str
    licence: str = DEFAULT_LICENCE  # a key of LICENCES
    citizens: bool = True  # the count of « Citoyens » per commune is published
    latest: bool = True
    versions: tuple[tuple[int, dt.datetime], ...] = ()  # every published version (number, date), oldest first

    @property
    def day(self) -> dt.date:
        return self.created_at.astimezone().date()

    def download_name(self, what: str, extension: str) -> str:
        """AAAAMMJJ_CODE_what.extension (the « lieux de médiation numérique » naming convention)."""
        return f"{self.day:%Y%m%d}_{self.code}_{what}.{extension}"

    @property
    def settings_key(self) -> tuple:
        return (self.licence, self.citizens)


@dataclass(frozen=True)
class OpenFile:
    name: str  # its address under /donnees/CODE/
    title: str
    media_type: str
    download: str | None  # AAAAMMJJ_CODE_… for an attachment; None: shown in the browser


FILES: dict[str, OpenFile] = {f.name: f for f in (
    OpenFile("acteurs.csv", "Acteurs (CSV)", "text/csv; charset=utf-8", "acteurs-numerique-responsable.csv"),
    OpenFile("acteurs.geojson", "Acteurs placés sur la carte (GeoJSON, pour uMap)", "application/geo+json",
             "acteurs-numerique-responsable.geojson"),
    OpenFile("plan.csv", "Plan d'actions (CSV)", "text/csv; charset=utf-8", "plan-actions-numerique-responsable.csv"),
    OpenFile("citoyens-par-commune.csv", "Citoyens recensés par commune (CSV)", "text/csv; charset=utf-8",
             "citoyens-par-commune.csv"),
    OpenFile("datapackage.json", "Description des fichiers (Data Package)", "application/json", None),
)}
SCHEMA_FILES = {"schema/acteurs.json": "acteurs", "schema/plan.json": "plan"}
SCHEMA_LINKS = {"schema/acteurs.json": "Schéma des acteurs (Table Schema)",
                "schema/plan.json": "Schéma du plan d'actions (Table Schema)"}


def available(release: Release) -> list[str]:
    """The files published for this release (the citizens' counts only when the territory publishes them)."""
    return [n for n in FILES if n != "citoyens-par-commune.csv" or release.citizens]


def version_query(release: Release) -> str:
    return f"?version={release.number}"


def datapackage(release: Release, resources: dict[str, bytes]) -> dict[str, Any]:
    """The Data Package of a release: its tabular files pinned to this version (``?version=N``), each with its
    schema, size and SHA-256; the GeoJSON as a plain resource."""
    lic = licence(release.licence)
    q = version_query(release)
    items = []
    for name, body in resources.items():
        stem = name.rsplit(".", 1)[0]
        item: dict[str, Any] = {"name": stem if name != "acteurs.geojson" else "acteurs-geojson",
                                "title": FILES[name].title, "path": name + q,
                                "mediatype": FILES[name].media_type.split(";")[0],
                                "encoding": "utf-8", "bytes": len(body),
                                "hash": "sha256:" + hashlib.sha256(body).hexdigest()}
        if name.endswith(".csv"):
            item.update(profile="tabular-data-resource", format="csv")
            item["schema"] = (f"schema/{stem}.json" if stem in SCHEMA_TITLES
                              else table_schema(CITIZEN_COLUMNS))
            item["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n"}
        else:
            item.update(profile="data-resource", format="geojson")
        items.append(item)
    return {
        "profile": "data-package",
        "name": f"numerique-responsable-{release.code.lower()}",
        "title": f"Acteurs et plan d'actions Numérique responsable — {release.territory}",
        "description": (f"Recensement des acteurs du Numérique responsable de {release.territory} (kit de l'ANCT), "
                        f"version {release.number} publiée le {release.day:%d/%m/%Y}. Ni référent ni contact, ni "
                        "acteur de la famille « Citoyens » (comptés par commune)."),
        "version": str(release.number),
        "created": release.created_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [{"name": lic.name, "title": lic.title, "path": lic.url}],
        "sources": [{"title": f"Recensement publié dans nrdash : version {release.number}, fichier "
                              f"« {release.file_name} », SHA-256 {release.sha256}"}],
        "keywords": ["numérique responsable", "sobriété numérique", "REEN", "ANCT", release.code],
        "resources": items,
    }


def build(name: str, release: Release, actors: pd.DataFrame, actions: pd.DataFrame, contour=None,
          built: Callable[[str], bytes] | None = None) -> bytes:
    """The bytes of one file of a release. ``built(other)`` gives the bytes of another file of the same release
    (datapackage.json needs its resources'); by default they are built again."""
    if name == "acteurs.csv":
        return csv_bytes(public_actors(actors, contour))
    if name == "acteurs.geojson":
        return geojson_bytes(public_actors(actors, contour))
    if name == "plan.csv":
        return csv_bytes(public_plan(actions, citizen_names(actors)))
    if name == "citoyens-par-commune.csv":
        return csv_bytes(citizen_counts(actors))
    if name == "datapackage.json":
        other = built or (lambda n: build(n, release, actors, actions, contour))
        resources = {n: other(n) for n in available(release) if n != "datapackage.json"}
        return (json.dumps(datapackage(release, resources), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    raise KeyError(name)


# ---------------------------------------------------------------------------------------------
# The listing page (French, accessible, nothing external)
# ---------------------------------------------------------------------------------------------
STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1e1e1e;background:#f6f6f6;
line-height:1.5}
main{max-width:48rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #929292}
footer{max-width:48rem;margin:0 auto 2rem;padding:0 2rem}
h1{font-size:1.6rem;margin-top:0}
h2{font-size:1.2rem;margin-top:1.5rem}
a{color:#000091}
:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
code{font-size:.9rem;overflow-wrap:anywhere}
li{margin:.25rem 0}
""".strip()
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
PAGE_CSP = f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'"


def listing_html(release: Release, counts: dict[str, int] | None = None, dashboard: str = "/",
                 statement: str | None = None) -> str:
    """The page of ``/donnees/CODE/``: the files of this version, the licence, the version, its date and
    SHA-256, what is never published, and the other versions. ``statement``: the address of the accessibility
    statement, linked at the foot of the page as on every page (« Déclaration d'accessibilité », issue 29)."""
    e = html.escape
    q = "" if release.latest else version_query(release)
    lic = licence(release.licence)
    counts = counts or {}
    items = []
    for name in available(release):
        f = FILES[name]
        note = ""
        if name in counts:
            unit = "commune" if name == "citoyens-par-commune.csv" else (
                "action" if name == "plan.csv" else "acteur")
            note = f" — {e(count_noun(counts[name], unit))}"
        items.append(f'<li><a href="{e(name + q)}">{e(f.title)}</a> <code>{e(name)}</code>{note}</li>')
    for path, title in SCHEMA_LINKS.items():
        items.append(f'<li><a href="{e(path)}">{e(title)}</a> <code>{e(path)}</code></li>')
    others = "".join(
        f'<li><a href="./?version={n}">Version {n}</a> du {d.astimezone():%d/%m/%Y}'
        + (" (dernière)" if n == release.versions[-1][0] else "") + "</li>"
        for n, d in reversed(release.versions) if n != release.number)
    citizens = ("leur nombre par commune est dans <code>citoyens-par-commune.csv</code>" if release.citizens
                else "ce territoire ne les publie pas, même comptés par commune")
    body = (
        f"<h1>Données ouvertes — {e(release.territory)}</h1>"
        f"<p>Recensement des acteurs du Numérique responsable du territoire {e(release.code)}, selon le kit de "
        f"l'ANCT : <strong>version {release.number}</strong>"
        + (" (la dernière publiée)" if release.latest else "")
        + f", publiée le {release.created_at.astimezone():%d/%m/%Y à %H:%M}.</p>"
        f"<p>Licence : <a href=\"{e(lic.url)}\">{e(lic.title)}</a>.</p>"
        f"<p>Empreinte SHA-256 du fichier publié : <code>{e(release.sha256)}</code></p>"
        "<h2>Fichiers</h2><ul>" + "".join(items) + "</ul>"
        + ("<p>Ces adresses donnent toujours la dernière version publiée ; ajoutez <code>?version=N</code> pour une "
           "version précise.</p>" if release.latest else
           "<p>Cette page et ses liens donnent cette version précise ; sans <code>?version=</code>, les adresses "
           "donnent la dernière.</p>")
        + "<h2>Ce qui n'est jamais publié</h2><ul>"
        "<li>Les référents et contacts (données personnelles).</li>"
        f"<li>Les acteurs de la famille « Citoyens » (des personnes) : {citizens}.</li>"
        "<li>Les lignes en erreur du recensement.</li></ul>"
        + (f"<h2>Autres versions</h2><ul>{others}</ul>" if others else "")
        + f'<p><a href="{e(dashboard)}">Voir le tableau de bord</a></p>')
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Données ouvertes — {e(release.territory)} – nrdash</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main>"
            + (f'<footer><a href="{e(statement)}">Déclaration d\'accessibilité</a></footer>' if statement else "")
            + "</body></html>")


def counts_of(actors: pd.DataFrame, actions: pd.DataFrame) -> dict[str, int]:
    """How many lines each file has (said on the listing page)."""
    a = _valid(actors)
    family = a["family"]
    placed = a["lat"].notna() & a["lon"].notna() & family.isin(PUBLIC_FAMILIES)
    return {"acteurs.csv": int(family.isin(PUBLIC_FAMILIES).sum()), "acteurs.geojson": int(placed.sum()),
            "plan.csv": int(len(_valid(actions))),
            "citoyens-par-commune.csv": len(citizen_counts(actors)["nombre"])}

