"""The offline geography for ``check`` and ``diff``: a census placed on the map as the dashboard places it, or the
note that says why it is not (geography not installed)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..census import Census


def offline_geography(warm: bool = False):
    """The offline geography, or the note that says why there is none. ``warm``: with its look-up tables built."""
    from ..geography import GeographyUnavailable, load_geography

    try:
        geo = load_geography()
    except GeographyUnavailable as exc:
        return None, f"Placement géographique non effectué : {exc}"
    return (geo.warm() if warm else geo), None


def place(census: Census, geography=None) -> tuple[Census, str | None]:
    """Place actors on the map when the offline geography is installed; otherwise say so. ``geography``: the
    result of offline_geography() when already loaded."""
    from ..placement import place_actors, resolve_territory

    geo, note = geography or offline_geography()
    if geo is None:
        return census, note
    info, _ = resolve_territory(census.territory, geo)
    return place_actors(census, geo, set(info.members) if info else None), None
