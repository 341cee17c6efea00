"""heartgeo.study, heartgeo.definitions, heartgeo.errors: scenarios as data, typed duty
hours, typed errors and the cache's get-or-build; no Durham data.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import heartgeo
from heartgeo.definitions import area_names, choice_text, city_area, comparison_pair
from heartgeo.errors import (
    HeartgeoError,
    InputError,
    MissingColumnError,
    OutsideAreaError,
    OverLimitError,
)
from heartgeo.io.cache import Cache
from heartgeo.io.hours import DutyHours, parse_hours_option, scenario_hours
from heartgeo.io.staging import check_in_area, read_staging
from heartgeo.settings import Settings
from heartgeo.study.scenarios import Scenario, default_scenarios
from heartgeo.study.stages import check_cell_count


def test_the_bundled_scenarios_come_from_the_data():
    scenarios = default_scenarios()
    assert [s.name for s in scenarios] == ["pilot", "citywide"]
    assert [s.area for s in scenarios] == ["pilot", "citywide"]
    assert city_area() == "citywide" and set(area_names()) == {"pilot", "citywide"}
    assert comparison_pair() == ("pilot", "citywide")


def test_a_run_may_hold_any_scenario(tmp_path):
    staging = tmp_path / "s.csv"
    chosen = default_scenarios({"citywide": staging}, only=("citywide",))
    assert chosen == [Scenario("citywide", "citywide", staging)]
    with pytest.raises(InputError, match="choose pilot or citywide"):
        default_scenarios(only=("district_3",))
    mine = Scenario("evenings", "citywide", hours=DutyHours("Mon-Fri 16:00-24:00", "mine", "me"))
    assert mine.duty_hours({"*": "24/7"}).spec == "Mon-Fri 16:00-24:00"
    assert Scenario("pilot", "pilot").duty_hours({"*": "24/7"}).given


def test_duty_hours_record_where_they_came_from():
    given = scenario_hours("pilot", {"pilot": "daily 08:00-20:00"})
    assumed = scenario_hours("pilot", {})
    other = scenario_hours("district_3", {})
    assert given.given and given.label == "given" and given.source == "--hours"
    assert not assumed.given and assumed.label == "assumed" and "WUNC" in assumed.source
    assert other.spec == "24/7" and other.source == "no default"
    assert set(assumed.as_dict()) == {"hours", "assumption", "source"}


def test_hours_option_names_the_scenarios_of_the_data():
    assert parse_hours_option("citywide=24/7") == ("citywide", "24/7")
    with pytest.raises(InputError, match="give pilot=HOURS, citywide=HOURS"):
        parse_hours_option("district=24/7")


def test_choice_text():
    assert choice_text(["a"]) == "a"
    assert choice_text(["a", "b"]) == "a or b"
    assert choice_text(["a", "b", "c"]) == "a, b or c"


def test_errors_are_typed_and_stay_one_line(tmp_path):
    assert issubclass(InputError, HeartgeoError) and issubclass(InputError, ValueError)
    for cls in (MissingColumnError, OutsideAreaError, OverLimitError):
        assert issubclass(cls, InputError)
    with pytest.raises(OverLimitError, match="max_cells"):
        check_cell_count(Settings(cell_size_m=10.0), 1e9)
    bad = tmp_path / "no_lat.csv"
    bad.write_text("id,lon\na,-78.9\n")
    with pytest.raises(MissingColumnError, match="no_lat.csv") as info:
        read_staging(bad)
    assert "\n" not in str(info.value)
    good = tmp_path / "sites.csv"
    good.write_text("id,lon,lat\na,-78.90,35.99\n")
    units = read_staging(good)
    far = shapely.box(0, 0, 10, 10)
    with pytest.raises(OutsideAreaError, match="outside the city limit"):
        check_in_area(units, far, "city", str(good))
    assert isinstance(units, gpd.GeoDataFrame)


def test_get_or_build_builds_once_and_rebuilds_what_fails_its_check(tmp_path):
    warnings = []
    cache = Cache(folder=tmp_path / "cache", warn=warnings.append)
    built = []

    def build():
        built.append(1)
        return (1, 2)

    assert cache.get_or_build("demand", "k", build, expected=tuple) == (1, 2)
    hits = []
    assert cache.get_or_build("demand", "k", build, expected=tuple, on_hit=hits.append) == (1, 2)
    assert len(built) == 1 and hits == [(1, 2)]
    cache.get_or_build("demand", "k", build, expected=tuple, check=lambda v: len(v) == 3)
    assert len(built) == 2 and "holds something else" in warnings[-1]


def test_the_public_api_is_documented_and_lazy():
    for name in heartgeo.__all__:
        value = getattr(heartgeo, name)
        assert value.__doc__, name
    with pytest.raises(AttributeError):
        heartgeo.no_such_thing  # noqa: B018


def test_the_network_cache_key_covers_every_module_that_shapes_a_network():
    """A change to any module the network loader imports (within heartgeo's network, I/O,
    geometry and configuration) must invalidate cached networks.
    """
    import ast
    import importlib.util
    from pathlib import Path

    from heartgeo.io.cache import BUILDERS

    shaping = ("heartgeo.network.", "heartgeo.io.", "heartgeo.geometry", "heartgeo.config")
    seen, todo = set(), ["heartgeo.network.loading"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(Path(importlib.util.find_spec(name).origin).read_text())
        todo += [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith(shaping)
            and node.module != "heartgeo.network"
        ]
    # RoadNetwork's lazily built parts (blocks, strokes, time grid) are not cached with it
    lazy = {"heartgeo.network.blocks", "heartgeo.network.strokes", "heartgeo.network.timegrid"}
    missing = seen - lazy - {"heartgeo.errors", "heartgeo.progress"} - set(BUILDERS["network"])
    assert not missing, f"add {sorted(missing)} to BUILDERS['network'] in heartgeo/io/cache.py"


def test_partition_gives_each_place_to_the_first_polygon_that_covers_it():
    """Against the definition: each polygon minus the union of all the ones before it."""
    from heartgeo.study.zones import partition

    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 1000, size=(12, 2))
    geoms = np.array(
        [shapely.box(x, y, x + 300, y + 200) for x, y in centres]
        + [shapely.box(2000, 0, 2100, 100), shapely.box(2100, 0, 2200, 100)],  # touching
        dtype=object,
    )
    got = partition(geoms)
    for i, geom in enumerate(geoms):
        want = shapely.difference(geom, shapely.union_all(geoms[:i])) if i else geom
        assert shapely.area(shapely.symmetric_difference(got[i], want)) < 1e-6
    assert got[-1].equals(geoms[-1])  # a neighbour that only touches takes nothing away


def test_a_gap_part_is_labelled_with_the_zone_holding_most_of_it():
    from heartgeo.study.zones import _most_of

    zones = gpd.GeoDataFrame(
        {"beat": ["west", "east"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
    )
    parts = np.array(
        [
            shapely.box(10, 10, 20, 20),  # inside west
            shapely.box(90, 10, 130, 20),  # mostly east
            shapely.box(60, 10, 105, 20),  # mostly west
            shapely.box(200, 10, 210, 20),  # touches east only: in no zone
            shapely.box(300, 0, 310, 10),  # far away
        ],
        dtype=object,
    )
    assert _most_of(parts, zones, "beat") == ["west", "east", "west", "none", "none"]
    assert _most_of(parts[:0], zones, "beat") == []
