"""Study preparation as named stages: areas -> network -> travel model -> demand.

Each stage is a function with typed inputs and outputs; the slow ones (network, the
network model's blocks, demand) are cached through :meth:`heartgeo.io.cache.Cache.get_or_build`
under a key of their inputs. :func:`prepare` runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from heartgeo.analysis.coverage import MeasureGrid
from heartgeo.analysis.demand import Demand, allocate_population
from heartgeo.config import data_search_path, manifest
from heartgeo.errors import InputError, OverLimitError
from heartgeo.geometry import share_within
from heartgeo.io.boundaries import Boundaries, load_boundaries
from heartgeo.io.cache import Cache, make_key
from heartgeo.io.calls import Calls, read_calls
from heartgeo.io.outputs import sha256
from heartgeo.io.pilot import PilotArea, pilot_area
from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.loading import load_network, recorded_extent
from heartgeo.parallel import Background, Workers, worker_count
from heartgeo.progress import QUIET, Progress
from heartgeo.settings import Settings
from heartgeo.study.prepared import Study
from heartgeo.study.scenarios import StudyArea, build_areas, pick_area
from heartgeo.travel.choice import build_model, choose_travel_model, model_line


@dataclass(frozen=True)
class Areas:
    """Stage 1: the boundary layers, the pilot area and the study areas by name."""

    boundaries: Boundaries
    pilot: PilotArea
    areas: dict[str, StudyArea]

    def union(self, names: tuple[str, ...]) -> shapely.Geometry:
        """The union of the named areas (what ``auto`` chooses the model on).

        Raises
        ------
        InputError
            For a name that is not a study area, naming the choices.
        """
        for name in sorted(set(names)):  # the first unknown name in sorted order is named
            pick_area(self.areas, name)
        return shapely.union_all([self.areas[n].geometry for n in names])


@dataclass
class LoadedNetwork:
    """Stage 2: the prepared road network, its cache key and file, and the model choice."""

    net: RoadNetwork
    key: str
    path: Path
    #: the travel model's name and the reason it was chosen
    choice: tuple[str, str]


def find_network(data_dir: Path | None) -> Path:
    """The network file to use by default: a fetched GraphML anywhere on the data search
    path (:func:`heartgeo.config.data_search_path`), else the OSM extract.

    Raises
    ------
    InputError
        When no network file is found, naming the folders searched.
    """
    dirs = data_search_path(data_dir)
    for rel in manifest()["networks"]["default_search"]:
        for d in dirs:
            if (d / rel).exists():
                return d / rel
    raise InputError(
        f"no road network in {', '.join(str(d / 'roads') for d in dirs)}: run heartgeo fetch, "
        "or pass --network FILE (.osm or .graphml)"
    )


def check_cell_count(settings: Settings, area_m2: float) -> int:
    """The number of demand cells ``settings`` would make over ``area_m2`` (estimated, before
    any work); refused when over ``settings.max_cells``.

    Raises
    ------
    InputError
        Naming ``cell_size_m`` and ``max_cells``, with the smallest cell size that fits.
    """
    hexagon = settings.cell_size_m**2 * np.sqrt(3.0) / 2.0
    estimate = int(area_m2 / hexagon) + 1
    if estimate > settings.max_cells:
        smallest = float(np.sqrt(area_m2 / settings.max_cells / (np.sqrt(3.0) / 2.0)))
        raise OverLimitError(
            f"cell_size_m {settings.cell_size_m:g} m makes about {estimate:,} demand cells over "
            f"the city, more than max_cells {settings.max_cells:,} (memory and time grow with "
            f"them): give a cell_size_m of at least {np.ceil(smallest):.0f} m, or raise max_cells",
            param=("cell_size_m", "max_cells"),
        )
    return estimate


def load_areas(settings: Settings, progress: Progress = QUIET) -> Areas:
    """Stage 1: boundaries, the pilot area and the study areas; the cell count checked."""
    bounds = load_boundaries(settings.data_dir, progress, settings.population)
    pilot = pilot_area(
        bounds.beats,
        bounds.city,
        beat_list=settings.pilot_beats,
        polygon_file=settings.pilot_area,
        progress=progress,
    )
    check_cell_count(settings, bounds.city.area)
    return Areas(bounds, pilot, build_areas(bounds, pilot, settings.focus, progress))


def road_network_arrays(
    settings: Settings, progress: Progress = QUIET, cache: Cache | None = None
) -> tuple[RoadNetwork, str]:
    """Stage 2a: the road network's arrays (from the cache when its inputs are unchanged)
    and their cache key.
    """
    cache = cache or Cache(enabled=False)
    net_path = Path(settings.network or find_network(settings.data_dir))
    key = make_key(
        "network",
        network=sha256(net_path) if net_path.exists() else str(net_path),
        extent=sha256(settings.network_extent) if settings.network_extent else None,
        speeds=settings.road_speeds_kmh,
    )
    net = cache.get_or_build(
        "network",
        key,
        lambda: load_network(
            net_path,
            settings.road_speeds_kmh,
            extent_file=settings.network_extent,
            progress=progress,
        ),
        expected=RoadNetwork,
        on_hit=lambda _: progress.info(
            f"Road network {net_path.name}: prepared arrays from the cache"
        ),
    )
    net.source = str(net_path)
    return net, key


def load_road_network(
    settings: Settings,
    study_area: shapely.Geometry,
    progress: Progress = QUIET,
    cache: Cache | None = None,
    arrays: Background | None = None,
) -> LoadedNetwork:
    """Stage 2: the road network (:func:`road_network_arrays`, or ``arrays`` when they
    are loading on another thread) and the travel model chosen on ``study_area``. The
    model's line is released as soon as it is known: from the extent recorded beside a
    fetched network, before the network loads.
    """
    net_path = Path(settings.network or find_network(settings.data_dir))
    choice = None
    early = None
    if settings.network_extent is None and settings.travel_model == "auto":
        early = recorded_extent(net_path)
    if settings.travel_model != "auto" or early is not None:
        share = share_within(study_area, early[0]) if early else 1.0
        choice = choose_travel_model(settings.travel_model, share)
        progress.release(model_line(*choice))
    if arrays is None:
        net, key = road_network_arrays(settings, progress, cache)
    else:
        net, key = arrays.result(progress)
    if choice is None:
        choice = choose_travel_model(settings.travel_model, share_within(study_area, net.extent))
        progress.release(model_line(*choice))
    return LoadedNetwork(net, key, net_path, choice)


def build_demand(
    settings: Settings,
    areas: Areas,
    loaded: LoadedNetwork,
    progress: Progress = QUIET,
    cache: Cache | None = None,
    workers: Workers = None,
) -> tuple[Demand, MeasureGrid]:
    """Stage 4: the demand cells (tract population spread over hexagonal cells) and their
    measuring grid, cached under the network, the tracts, the counts and the cell size;
    built on ``workers`` threads (default ``settings.workers``; a function is asked at
    each step, see :data:`heartgeo.parallel.Workers`).
    """
    workers = workers or settings.workers
    cache = cache or Cache(enabled=False)
    bounds, net = areas.boundaries, loaded.net
    sums = {name: sha256(path) for name, path in bounds.sources.items()}
    key = make_key(
        "demand",
        network=loaded.key,
        tracts=sums["tracts"],
        counts=sums.get("tracts_2020_counts"),
        control=bounds.city_count,
        city=sums["city_limits"],
        cell_size_m=settings.cell_size_m,
    )

    def build() -> tuple[Demand, MeasureGrid]:
        with progress.step(f"Allocating population to {settings.cell_size_m:g} m hexagonal cells"):
            demand = allocate_population(
                bounds.tracts,
                bounds.city,
                settings.cell_size_m,
                residential_roads=net.residential_roads(),
                known_extent=net.extent,
                control_total=bounds.city_count,
                imputed_income=manifest()["layers"]["tracts"].get("imputed_median_income"),
                workers=workers,
            )
            return demand, MeasureGrid.build(demand, net.roads(), workers)

    demand, grid = cache.get_or_build(
        "demand",
        key,
        build,
        expected=tuple,
        check=lambda v: len(v) == 2 and isinstance(v[0], Demand) and isinstance(v[1], MeasureGrid),
        on_hit=lambda _: progress.info("Demand cells: from the cache"),
    )
    _report_population(settings, bounds, demand, progress)
    return demand, grid


def _report_population(
    settings: Settings, bounds: Boundaries, demand: Demand, progress: Progress
) -> None:
    people = demand.cells["population"].sum()
    if bounds.city_count is not None:
        progress.info(
            f"  population: 2020 census, {people:,.0f} residents in the "
            f"city (its census count {bounds.city_count:,.0f}; the tracts straddling the city "
            f"limit scaled by one odds factor, {demand.adjustment['factor']:.3f})"
        )
    else:
        progress.info(
            f"  population: {'2020 census' if settings.population == 'census2020' else 'ACS 2020-2024'}"
            f", {people:,.0f} residents in the city (no known city "
            "total here: area and road weights, not reconciled)"
        )
    for i, n, density in demand.dense_cells[:3]:
        progress.warn(
            f"demand cell {i} holds {n:,.0f} people ({density:,.0f} per km2, over the "
            "plausible ceiling): check the tract weights"
        )


def read_call_file(settings: Settings, progress: Progress = QUIET) -> Calls | None:
    """The call file's calls (``settings.calls``), or None without one."""
    if settings.calls is None:
        return None
    with progress.step(f"Reading calls from {settings.calls}"):
        calls = read_calls(settings.calls, progress)
    progress.info(
        f"  calls: {len(calls):,} rows, weight {calls.weight.sum():,.0f}; "
        f"{calls.timed.sum():,} with a time"
        + ("" if calls.hour_profile() is not None else " (too few for an hourly profile)")
    )
    return calls


def _areas_and_network(
    settings: Settings, progress: Progress, cache: Cache, areas: tuple[str, ...] | None
) -> tuple[Areas, LoadedNetwork]:
    """Stages 1 and 2, the network's arrays loading on a thread beside the boundaries."""
    progress.hold()  # the first line names the model, known once the network's extent is
    try:
        arrays = Background(
            lambda p: road_network_arrays(settings, p, cache),
            progress,
            settings.workers,
        )
        stage1 = load_areas(settings, progress)
        names = tuple(areas) if areas is not None else tuple(stage1.areas)
        return stage1, load_road_network(settings, stage1.union(names), progress, cache, arrays)
    finally:
        progress.release()


def _split_workers(workers: int | None) -> tuple[int, int]:
    """Threads for two stages run side by side: between them, no more than ``workers``
    (default: the CPUs available); ``(1, 1)`` for one worker, where they run in turn.
    """
    n = worker_count(workers)
    return max(1, n // 2), max(1, n - n // 2)


def _inputs(settings: Settings, areas: Areas, loaded: LoadedNetwork) -> dict[str, Path]:
    inputs = dict(areas.boundaries.sources)
    inputs["network"] = Path(loaded.path)
    for role in ("network_extent", "pilot_area", "calls"):
        if getattr(settings, role):
            inputs[role] = Path(getattr(settings, role))
    return inputs


def prepare(
    settings: Settings, progress: Progress = QUIET, areas: tuple[str, ...] | None = None
) -> Study:
    """Prepare a study: areas, road network, travel model and demand cells, once.

    Parameters
    ----------
    settings
        The run's parameters (:class:`heartgeo.settings.Settings`).
    progress
        Progress reporter; its first line names the travel model chosen.
    areas
        The study areas the run will measure (default: every area of ``scenarios.json``):
        with ``travel_model="auto"`` the model is chosen on their union, once for all.

    Returns
    -------
    Study
        What every scenario of the run needs.

    Examples
    --------
    >>> study = prepare(Settings(), areas=("citywide",))  # doctest: +SKIP
    """
    settings.validate()
    cache = Cache(enabled=settings.use_cache, warn=progress.warn)
    # independent stages side by side: the network loads beside the boundaries, the
    # travel model (the network's blocks) is built beside the demand cells
    stage1, loaded = _areas_and_network(settings, progress, cache, areas)
    city_share = share_within(stage1.boundaries.city, loaded.net.extent)
    split = _split_workers(settings.workers)
    model_job = Background(
        lambda p: build_model(loaded.choice, loaded.net, loaded.key, settings, p, cache, split[0]),
        progress,
        settings.workers,
    )
    # the cells take every thread once the blocks beside them are built
    demand, grid = build_demand(
        settings, stage1, loaded, progress, cache,
        lambda: settings.workers if model_job.done() else split[1],
    )  # fmt: skip
    model = model_job.result(progress)
    progress.info(
        f"  network extent ({loaded.net.extent_method}) covers {city_share:.1%} of the city "
        f"limit; {model.extent_note()}"
    )
    calls = read_call_file(settings, progress)
    return Study(
        settings,
        stage1.boundaries,
        stage1.pilot,
        stage1.areas,
        loaded.net,
        model,
        demand,
        grid,
        _inputs(settings, stage1, loaded),
        calls,
    )
