"""The HEART pilot area: a list of police beats, or a polygon file.

The default beat list (``data/boundaries/pilot_beats.json``) is an approximation of
the unpublished list of 12 pilot beats; see its ``notes`` and ``sources``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from heartgeo.config import load_defs
from heartgeo.errors import InputError
from heartgeo.io.boundaries import read_layer
from heartgeo.progress import QUIET, Progress


@dataclass
class PilotArea:
    """The pilot study area (EPSG:32119), clipped to the city limit.

    ``outline`` is the same area before that clipping (the beats' union, or the polygon
    file's): simpler to cut with where everything measured already lies in the city.
    """

    geometry: shapely.Geometry
    beats: tuple[int, ...] | None
    definition: str
    approximation: bool
    outline: shapely.Geometry | None = None

    @property
    def simple(self) -> shapely.Geometry:
        """The outline when known, else the clipped geometry."""
        return self.outline if self.outline is not None else self.geometry


def parse_beats(text: str) -> tuple[int, ...]:
    """Parse ``"111,112"`` into beat numbers.

    Raises
    ------
    InputError
        Naming the bad value (parameter ``pilot_beats``).
    """
    beats = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            beats.append(int(part))
        except ValueError:
            raise InputError(
                f"pilot_beats: {part!r} is not a beat number; give e.g. 111,112,511 (to "
                f"study a district give --focus district:{part}; `heartgeo zones` lists the "
                "beats of each district)",
                param="pilot_beats",
            ) from None
    if not beats:
        raise InputError(
            "pilot_beats is empty; give beat numbers, e.g. 111,112,511", param="pilot_beats"
        )
    return tuple(beats)


def pilot_area(
    beats: gpd.GeoDataFrame,
    city: shapely.Geometry,
    *,
    beat_list: tuple[int, ...] | None = None,
    polygon_file: str | Path | None = None,
    progress: Progress = QUIET,
) -> PilotArea:
    """Build the pilot area from a beat list (default: the bundled one) or a polygon file.

    Raises
    ------
    InputError
        A beat not in the beat layer, both options given, or a polygon file outside the city.
    """
    if beat_list is not None and polygon_file is not None:
        raise InputError(
            "give either pilot_beats or pilot_area, not both", param=("pilot_beats", "pilot_area")
        )
    if polygon_file is not None:
        layer = read_layer(polygon_file, what="pilot area", progress=progress)
        outline = shapely.union_all(layer.geometry.values)
        geom = shapely.intersection(outline, city)
        if geom.is_empty:
            raise InputError(
                f"pilot area file {polygon_file} does not overlap the city limit: "
                "check its CRS and extent"
            )
        return PilotArea(geom, None, f"polygon file {polygon_file}", False, outline)
    defs = load_defs("pilot_beats.json")
    chosen = tuple(beat_list) if beat_list is not None else tuple(defs["beats"])
    known = {int(b) for b in beats["beat"]}
    unknown = [b for b in chosen if b not in known]
    if unknown:
        raise InputError(
            f"pilot_beats: beat {', '.join(map(str, unknown))} is not in the beat layer "
            f"(known beats: {', '.join(map(str, sorted(known)))})",
            param="pilot_beats",
        )
    outline = shapely.union_all(beats.loc[beats["beat"].isin(chosen), "geometry"].values)
    geom = shapely.intersection(outline, city)
    if beat_list is None:
        return PilotArea(geom, chosen, "default beat list (approximation)", True, outline)
    return PilotArea(geom, chosen, "beats given with --pilot-beats", False, outline)
