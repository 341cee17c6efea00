"""Coverage, gaps and the unknown area, per study area, beat and district.

Measurement is decomposed on the demand cells, which tile the study area exactly:
each layer (the known extent, each band polygon) is clipped to every cell once, and a
zone's area, population and road length inside a layer are sums over its cells (whole
cells inside the zone, cells on its edge cut by it). Population inside a cell is spread
evenly over the cell.

For every zone:

- *known*: inside the road network's extent (the whole zone for the crow-fly model);
- *unknown*: outside it -- never counted as covered nor as gap;
- *band T*: inside the T-minute polygon;
- *gap*: known but beyond the largest band.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.analysis.demand import Demand
from heartgeo.geometry import clip_to_area, polygonal
from heartgeo.parallel import SharedMemo, Workers, chunked


def headline_band(bands_min) -> float:
    """The band of the one-line headline: 10 minutes if it is a band, else the middle one."""
    return 10.0 if 10.0 in bands_min else bands_min[len(bands_min) // 2]


def band_label(minutes: float) -> str:
    """Column suffix of a band: ``5min``, ``7.5min``."""
    return f"{minutes:g}min"


#: Zone cuts a grid keeps (:meth:`MeasureGrid.zone`): a run cuts about 60 zones.
ZONES_KEPT = 256

#: Vertices per piece when a zone cuts the cells (:func:`heartgeo.geometry.clip_to_area`):
#: the 44 citywide zones of the city grid (beats, districts, the rest) took 0.88 s at 256
#: against 1.38 s at 1,024 (median of three; 0.95 s at 128, 1.28 s at 64).
ZONE_PIECE = 256


@dataclass
class MeasureGrid:
    """Cells, their population and the road pieces inside each cell."""

    cells: np.ndarray
    cell_area: np.ndarray
    population: np.ndarray
    road_pieces: np.ndarray
    road_cell: np.ndarray

    #: spatial index of the cells and length of each road piece, built with the grid (and
    #: again after unpickling), so that threads can share the grid as it is; the zones
    #: already cut (:meth:`zone`)
    tree: shapely.STRtree = field(init=False, repr=False)
    road_len: np.ndarray = field(init=False, repr=False)
    _zones: SharedMemo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tree = shapely.STRtree(self.cells)
        self.road_len = shapely.length(self.road_pieces)
        self._zones = SharedMemo(ZONES_KEPT)

    def __getstate__(self):  # the STRtree is rebuilt after unpickling
        state = dict(self.__dict__)
        for name in ("tree", "road_len", "_zones"):
            state.pop(name, None)
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @classmethod
    def build(cls, demand: Demand, roads: np.ndarray, workers: Workers = None) -> MeasureGrid:
        """The grid of the demand cells, with the road pieces cut by the cells (on
        ``workers`` threads).
        """
        cells = demand.cells.geometry.to_numpy()
        ri, ci = shapely.STRtree(cells).query(roads, predicate="intersects")
        pieces = chunked(shapely.intersection, roads[ri], cells[ci], workers=workers)
        keep = shapely.length(pieces) > 0
        return cls(
            cells=cells,
            cell_area=shapely.area(cells),
            population=demand.cells["population"].to_numpy(float),
            road_pieces=pieces[keep],
            road_cell=ci[keep],
        )

    @property
    def full(self) -> LayerCut:
        """The layer that is the whole study area."""
        return LayerCut(
            parts=self.cells,
            roads=self.road_pieces,
            area=self.cell_area,
            road_len=self.road_len,
            state=np.full(len(self.cells), WHOLE, dtype=np.int8),
        )

    def cells_touching(self, geom: shapely.Geometry | None) -> np.ndarray | None:
        """Indexes of the cells that touch ``geom`` (``None``: all cells)."""
        return None if geom is None else self.tree.query(geom, predicate="intersects")

    def layer(self, geom: shapely.Geometry, only: np.ndarray | None = None) -> LayerCut:
        """Clip every cell and road piece to ``geom``; with ``only`` (cell indexes, see
        :meth:`cells_touching`), just those cells: the others count as empty.
        """
        parts = np.full(len(self.cells), shapely.Polygon(), dtype=object)
        if geom is not None and not geom.is_empty:
            if only is None:
                parts = clip_to_area(self.cells, geom, tree=self.tree)
            else:
                parts[only] = clip_to_area(self.cells[only], geom)
        area = shapely.area(parts)
        state = _cell_state(area, self.cell_area)
        # road pieces of whole cells are inside, of empty cells outside: cut the rest
        road_state = state[self.road_cell]
        roads = np.where(road_state == WHOLE, self.road_pieces, shapely.LineString())
        cut = road_state == PARTIAL
        roads[cut] = shapely.intersection(self.road_pieces[cut], parts[self.road_cell[cut]])
        road_len = np.where(road_state == WHOLE, self.road_len, 0.0)
        road_len[cut] = shapely.length(roads[cut])
        return LayerCut(parts=parts, roads=roads, area=area, road_len=road_len, state=state)

    def residents_in(self, geom: shapely.Geometry) -> float:
        """Residents inside ``geom`` (spread evenly over each cell): :meth:`measure`'s
        population of ``layer(geom)`` in the whole grid, without cutting the roads.
        """
        if geom is None or geom.is_empty:
            return 0.0
        share = self.share(shapely.area(clip_to_area(self.cells, geom, tree=self.tree)))
        return float((self.population * share).sum())

    def zone(self, geom: shapely.Geometry | None, max_vertices: int = ZONE_PIECE) -> ZoneCut:
        """Which cells lie in the zone, wholly or partly (with their part).

        Only the zone's part in the cells matters, so it need not be clipped to the
        study area first; ``None`` is the whole study area. ``max_vertices``: see
        :func:`heartgeo.geometry.clip_to_area`.

        A zone is cut once per geometry object: the same object asked again (by another
        scenario, the planner's page, the maps, on any thread) gets the same cut.
        """
        return self._zones.of(geom, max_vertices, lambda: self._cut_zone(geom, max_vertices))

    def _cut_zone(self, geom: shapely.Geometry | None, max_vertices: int) -> ZoneCut:
        parts = self._zone_parts(geom, max_vertices)
        area = shapely.area(parts)
        state = _cell_state(area, self.cell_area)
        edge = np.flatnonzero(state == PARTIAL)
        pos = np.full(len(self.cells), -1)
        pos[edge] = np.arange(len(edge))
        edge_road = np.flatnonzero(pos[self.road_cell] >= 0)
        edge_road_parts = shapely.intersection(
            self.road_pieces[edge_road], parts[edge][pos[self.road_cell[edge_road]]]
        )
        return ZoneCut(
            whole=np.flatnonzero(state == WHOLE),
            edge=edge,
            edge_parts=parts[edge],
            edge_area=area[edge],
            weight=self.share(area),
            road_whole=state[self.road_cell] == WHOLE,
            edge_road=edge_road,
            edge_road_cell_pos=pos[self.road_cell[edge_road]],
            edge_road_len=shapely.length(edge_road_parts),
        )

    def zone_parts(self, zone: ZoneCut, cells: np.ndarray) -> np.ndarray:
        """The parts of ``cells`` (indexes) in ``zone``: the cell, its edge part, or empty."""
        out = np.where(zone.weight[cells] > 0, self.cells[cells], shapely.Polygon())
        pos = np.searchsorted(zone.edge, cells)
        on_edge = pos < len(zone.edge)
        on_edge[on_edge] = zone.edge[pos[on_edge]] == cells[on_edge]
        out[on_edge] = zone.edge_parts[pos[on_edge]]
        return out

    def _zone_parts(self, geom: shapely.Geometry | None, max_vertices: int) -> np.ndarray:
        if geom is None:
            return self.cells
        return clip_to_area(self.cells, geom, tree=self.tree, max_vertices=max_vertices)

    def share(self, area: np.ndarray) -> np.ndarray:
        """Each cell's share (0 to 1) of ``area`` (m2 per cell); 0 in a cell of no area."""
        return np.where(
            self.cell_area > 0, area / np.where(self.cell_area > 0, self.cell_area, 1), 0
        )

    def measure(self, layer: LayerCut, zone: ZoneCut) -> tuple[float, float, float]:
        """(area m2, population, road m) of ``layer`` inside ``zone``.

        Whole cells of the zone take the layer's part as it is; on the zone's edge a
        cell wholly inside the layer takes the zone's part, an empty one nothing, and
        only cells that both the layer and the zone cut need an intersection.
        """
        whole = zone.whole
        area = layer.area[whole].sum()
        pop = (self.population[whole] * layer.area[whole] / self.cell_area[whole]).sum()
        road = layer.road_len[zone.road_whole].sum()
        if len(zone.edge):
            a_cut = self._edge_area(layer, zone)
            area += a_cut.sum()
            pop += (self.population[zone.edge] * a_cut / self.cell_area[zone.edge]).sum()
            road_state = layer.state[self.road_cell[zone.edge_road]]
            r_len = np.where(road_state == WHOLE, zone.edge_road_len, 0.0)
            cut = road_state == PARTIAL
            if cut.any():
                r_len[cut] = shapely.length(
                    shapely.intersection(
                        layer.roads[zone.edge_road[cut]],
                        zone.edge_parts[zone.edge_road_cell_pos[cut]],
                    )
                )
            road += r_len.sum()
        return float(area), float(pop), float(road)

    def _edge_area(self, layer: LayerCut, zone: ZoneCut) -> np.ndarray:
        """Area of ``layer`` in each edge cell's part of ``zone``."""
        state = layer.state[zone.edge]
        a_cut = np.where(state == WHOLE, zone.edge_area, 0.0)
        cut = state == PARTIAL
        a_cut[cut] = shapely.area(
            shapely.intersection(layer.parts[zone.edge[cut]], zone.edge_parts[cut])
        )
        return a_cut

    def measure_values(self, layer: LayerCut, zone: ZoneCut, values: np.ndarray) -> np.ndarray:
        """Sums of per-cell ``values`` (shape (G, cells), spread evenly over each cell) that
        lie in ``layer`` inside ``zone``: one sum per row (for example population groups).
        """
        values = np.atleast_2d(values)
        whole = zone.whole
        out = (values[:, whole] * (layer.area[whole] / self.cell_area[whole])).sum(axis=1)
        if len(zone.edge):
            frac = self._edge_area(layer, zone) / self.cell_area[zone.edge]
            out += (values[:, zone.edge] * frac).sum(axis=1)
        return out


#: Cell states in a layer or zone.
EMPTY, PARTIAL, WHOLE = 0, 1, 2


def _cell_state(area: np.ndarray, cell_area: np.ndarray) -> np.ndarray:
    state = np.where(area > 0, PARTIAL, EMPTY).astype(np.int8)
    state[area >= cell_area * (1 - 1e-9)] = WHOLE
    return state


@dataclass
class LayerCut:
    """A layer (a polygon) cut by the cells: each cell's part, area and state, and the
    road pieces inside with their length.
    """

    parts: np.ndarray
    roads: np.ndarray
    area: np.ndarray
    road_len: np.ndarray
    state: np.ndarray


@dataclass
class ZoneCut:
    """A zone cut by the cells: whole cells, edge cells with their part, and the road
    pieces of edge cells inside the zone.
    """

    whole: np.ndarray
    edge: np.ndarray
    edge_parts: np.ndarray
    edge_area: np.ndarray
    weight: np.ndarray
    road_whole: np.ndarray
    edge_road: np.ndarray
    edge_road_cell_pos: np.ndarray
    edge_road_len: np.ndarray

    def __post_init__(self) -> None:  # one cut serves every caller (MeasureGrid.zone)
        for value in vars(self).values():
            value.setflags(write=False)


def gap_and_unknown(
    area: shapely.Geometry, known: shapely.Geometry, largest_band: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(gap, unknown) polygons: known but beyond the largest band; outside the known extent."""
    known_area = shapely.intersection(area, known)
    gap = shapely.difference(known_area, largest_band)
    unknown = shapely.difference(area, known)
    return tuple(polygonal(np.array([gap, unknown], dtype=object)))


def layers_frame(named: dict[str, shapely.Geometry], crs) -> gpd.GeoDataFrame:
    """A GeoDataFrame of named polygons (``layer`` column)."""
    return gpd.GeoDataFrame({"layer": list(named)}, geometry=list(named.values()), crs=crs)
