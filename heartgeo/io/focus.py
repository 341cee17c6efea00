"""A focus zone: one police district, one or more beats, or a polygon file, studied alone.

``--focus district:D3``, ``--focus beat:324,325`` or ``--focus FILE`` replaces the study
area of every scenario of a run with that zone. The scenarios keep their staging sites
and duty hours: a unit standing outside the zone still serves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from heartgeo.definitions import choice_text
from heartgeo.errors import InputError
from heartgeo.io.boundaries import read_layer
from heartgeo.progress import QUIET, Progress

#: The zone kinds ``--focus KIND:VALUES`` names, with the column of the beat layer that
#: holds their code.
KINDS = ("district", "beat")

#: What the district codes of the Durham Police Department's layers mean (source: the
#: layers' provenance notes, ``../shared/data/provenance/healeyparera-trafficstop.md`` and
#: ``abc11-safetytracker.md``).
CODE_NOTES = {
    "DSO": "Durham County Sheriff's Office: unincorporated islands inside the city, "
    "policed by the sheriff",
    "999": "beat 999: the sheriff's islands (district DSO)",
    "299": "beat 299: special service area (CAD 'SSA') of district D2",
}


@dataclass(frozen=True)
class Focus:
    """A parsed ``--focus``: a kind (``district``, ``beat`` or ``file``) and its codes."""

    kind: str
    values: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def slug(self) -> str:
        """The zone's name in file names: ``district-D3``, ``beat-324-325``, the file's stem."""
        if self.path is not None:
            return re.sub(r"[^A-Za-z0-9_-]+", "-", self.path.stem).strip("-") or "zone"
        return f"{self.kind}-{'-'.join(self.values)}"

    @property
    def title(self) -> str:
        """The zone for a reader: ``District D3``, ``Beats 324, 325``, ``zone.geojson``."""
        if self.path is not None:
            return self.path.name
        kind = self.kind.capitalize() + ("s" if len(self.values) > 1 else "")
        return f"{kind} {', '.join(self.values)}"


def parse_focus(text: str) -> Focus:
    """Parse ``district:D3``, ``beat:324,325`` or a polygon file's path.

    Raises
    ------
    InputError
        An unknown kind, an empty code list, or a path that does not exist.
    """
    kind, sep, rest = text.partition(":")
    if sep and kind.lower() in KINDS:
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if not values:
            raise InputError(
                f"focus {text!r}: give the codes after '{kind}:', e.g. district:D3 or beat:324",
                param="focus",
            )
        return Focus(kind.lower(), values)
    path = Path(text)
    if not path.exists():
        raise InputError(
            f"focus {text!r}: give district:CODE, beat:NUMBER[,NUMBER...] or an existing "
            "polygon file (GeoJSON/GPKG); `heartgeo zones` lists the districts and beats",
            param="focus",
        )
    return Focus("file", path=path)


def focus_geometry(
    focus: Focus,
    beats: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    city: shapely.Geometry,
    progress: Progress = QUIET,
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """The zone clipped to the city limit, and its outline before that clipping.

    A district is its polygon in the districts layer (2025, the current one); beats come
    from the beat layer; a file is the union of its polygons.

    Raises
    ------
    InputError
        A code not in the layers (naming the known ones) or a zone outside the city.
    """
    if focus.path is not None:
        layer = read_layer(focus.path, what="focus zone", progress=progress)
        outline = shapely.union_all(layer.geometry.values)
    else:
        frame = districts if focus.kind == "district" else beats
        column = frame[focus.kind].astype(str)
        known = sorted(set(column), key=lambda v: (len(v), v))
        unknown = [v for v in focus.values if v not in known]
        if unknown:
            raise InputError(
                f"focus {focus.kind} {', '.join(unknown)} is not in the {focus.kind} layer: choose "
                f"{choice_text(known)} (`heartgeo zones` lists them with their residents)",
                param="focus",
            )
        outline = shapely.union_all(frame.geometry[column.isin(focus.values)].to_numpy())
    geometry = shapely.intersection(outline, city)
    if geometry.is_empty or geometry.area < 1.0:
        raise InputError(
            f"focus zone {focus.title} does not overlap the city limit: check its CRS and extent",
            param="focus",
        )
    return geometry, outline
