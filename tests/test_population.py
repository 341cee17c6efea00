"""Population that reconciles with the census: the control total, tract margins, weights."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from heartgeo.analysis.demand import allocate_population, control_factor
from heartgeo.errors import InputError

CRS = "EPSG:32119"


def _tracts(boxes, pops):
    return gpd.GeoDataFrame(
        {"GEOID": [str(i) for i in range(len(boxes))], "population": pops},
        geometry=[shapely.box(*b) for b in boxes],
        crs=CRS,
    )


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(2, 6),
    seed=st.integers(0, 10_000),
)
def test_both_margins_hold_for_any_feasible_control_total(data, n, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, 3000, n)
    y0 = rng.uniform(0, 3000, n)
    boxes = [
        (x, y, x + rng.uniform(300, 1500), y + rng.uniform(300, 1500))
        for x, y in zip(x0, y0, strict=True)
    ]
    pops = rng.integers(100, 5000, n).astype(float)
    area = shapely.box(*rng.uniform(500, 1500, 2), *rng.uniform(2500, 4000, 2))
    free = allocate_population(_tracts(boxes, pops), area, 200.0)
    share = free.tracts["allocated"] / free.tracts["population"]
    straddle = (share > 1e-9) & (share < 1 - 1e-9)
    low = float(free.tracts["allocated"][~straddle].sum())
    high = low + float(free.tracts["population"][straddle].sum())
    if high - low < 1:
        return
    control = data.draw(st.floats(low + 0.5, high - 0.5))
    fixed = allocate_population(_tracts(boxes, pops), area, 200.0, control_total=control)
    table = fixed.tracts
    # every tract keeps its total; the area's total is the control
    np.testing.assert_allclose(table["allocated"] + table["outside"], pops, atol=1e-6)
    assert fixed.cells["population"].sum() == pytest.approx(control, abs=1e-6)
    # tracts wholly inside or outside are untouched
    np.testing.assert_allclose(table["allocated"][~straddle], free.tracts["allocated"][~straddle])
    assert (table["allocated"] <= table["population"] + 1e-6).all()
    assert (table["allocated"] >= -1e-9).all()


def test_an_infeasible_control_total_is_a_clear_error():
    pop = np.array([1000.0, 500.0, 800.0])
    inside = np.array([1000.0, 250.0, 0.0])  # wholly in, half in, out
    with pytest.raises(InputError, match="between 1,000 and 1,500"):
        control_factor(pop, inside, 2000.0)
    with pytest.raises(InputError, match="cannot be met"):
        control_factor(pop, inside, 900.0)
    k, adjusted = control_factor(pop, inside, 1400.0)
    assert adjusted.sum() == pytest.approx(1400.0) and k > 1


def test_without_a_control_total_the_allocation_is_unchanged():
    boxes = [(0, 0, 1000, 1000), (800, 0, 2000, 1000)]
    tracts = _tracts(boxes, [1000.0, 600.0])
    area = shapely.box(0, 0, 1400, 1000)
    free = allocate_population(tracts, area, 150.0)
    assert free.adjustment["method"] == "none"
    np.testing.assert_allclose(free.tracts["allocated"], free.tracts["inside_unadjusted"])


def test_a_road_that_only_touches_a_tract_does_not_weight_it():
    """The defect of tract 37063001503: a residential road on its boundary drew every
    resident into one cell.
    """
    tract = _tracts([(0, 0, 1000, 1000)], [1846.0])
    touching = np.array([shapely.LineString([(1000, 200), (1000, 200.00001)])], dtype=object)
    demand = allocate_population(
        tract,
        shapely.box(0, 0, 1000, 1000),
        250.0,
        residential_roads=touching,
        known_extent=shapely.box(-10, -10, 1010, 1010),
    )
    assert demand.tracts["method"].iloc[0] == "area"
    assert demand.cells["population"].max() < 0.1 * 1846
    assert demand.dense_cells == []


@pytest.mark.integration
def test_the_default_run_reconciles_with_the_city_count(study):
    demand = study.demand
    assert study.boundaries.population == "census2020"
    assert demand.cells["population"].sum() == pytest.approx(283_506, abs=1)
    table = demand.tracts
    np.testing.assert_allclose(
        table["allocated"] + table["outside"], table["population"], atol=1e-6
    )
    assert demand.adjustment["factor"] > 1  # area weights put too few people in the city
    assert table.loc[table["GEOID"] == "37063001503", "method"].iloc[0] == "area"


@pytest.mark.integration
@pytest.mark.parametrize("area", ["pilot", "citywide"])
def test_zone_rows_add_up_to_the_area(study, area):
    from heartgeo.study import run_scenario, scenario_for_area

    result = run_scenario(study, scenario_for_area(area))
    total = result.tables["area"].iloc[0]
    for kind in ("beats", "districts"):
        table = result.tables[kind]
        assert table["zone"].iloc[-1] == f"not in any {kind[:-1]}"
        for column in ("population", "area_km2", "road_km"):
            assert table[column].sum() == pytest.approx(total[column], rel=1e-6), (kind, column)


def test_equity_groups_treat_missing_and_imputed_values_as_unknown():
    import pandas as pd

    from heartgeo.analysis.demand import equity_groups

    tracts = pd.DataFrame(
        {
            "population": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
            "households_no_vehicle": [5.0, np.nan, 20.0, 0.0, 1.0, 2.0],
            "median_income": [20_000, 79_963, np.nan, 60_000, 80_000, 120_000],
        }
    )
    groups = equity_groups(tracts, imputed_income=79_963)
    assert np.isnan(groups["no_vehicle_households"][1])
    assert groups["no_vehicle_unknown_residents"].tolist() == [0, 200, 0, 0, 0, 0]
    # known incomes: 20k, 60k, 80k, 120k; the lowest fifth is the 20k tract only
    assert groups["low_income_residents"].tolist() == [100, 0, 0, 0, 0, 0]
    assert groups["income_unknown_residents"].tolist() == [0, 200, 300, 0, 0, 0]


@pytest.mark.integration
def test_equity_table_of_the_default_run(study):
    from heartgeo.study import run_scenario, scenario_for_area

    result = run_scenario(study, scenario_for_area("citywide"))
    table = result.tables["equity"].set_index("group")
    assert table.loc["all residents", "total"] == pytest.approx(283_506, abs=1)
    tracts = study.demand.tracts
    expected = (tracts["tract_no_vehicle_households"] * tracts["inside_share"]).sum()
    assert table.loc["no_vehicle_households", "total"] == pytest.approx(expected, rel=1e-9)
    shares = table.filter(like="share_").to_numpy(float)
    assert np.nanmin(shares) >= 0 and np.nanmax(shares) <= 1 + 1e-9
    # three tracts carry the imputed county median: their residents are 'income unknown'
    assert table.loc["income_unknown_residents", "total"] > 0
