import json

import numpy as np
import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.siting.models import Instance, busy_probability, evaluate, heuristic, solve
from heartgeo.testing.brute_force import brute_force

from .conftest import SITE_ARGS


def small_instance(seed, n_c=7, n_d=25, fixed=()):
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 10_000, (n_c, 2))
    cells = rng.uniform(0, 10_000, (n_d, 2))
    cost = np.hypot(*(sites[:, None, :] - cells[None, :, :]).transpose(2, 0, 1)) / 10.0
    cost[rng.random(cost.shape) < 0.05] = np.inf  # a few unreachable pairs
    weights = rng.integers(0, 500, n_d).astype(float)
    return Instance.from_cost_matrix(cost, weights, fixed)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("objective", ["mclp", "pmedian", "pcenter", "mexclp"])
def test_exact_models_equal_brute_force(objective, seed):
    inst = small_instance(seed, fixed=(seed % 3,) if seed % 2 else ())
    k = 3
    sol = solve(objective, inst, units=k, seconds=400.0, q=0.3, exact=True)
    best = brute_force(objective, inst, k, seconds=400.0, q=0.3)
    assert sol.value == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert set(inst.fixed) <= set(sol.sites) and len(sol.sites) == k


@pytest.mark.parametrize("seed", range(6))
def test_lscp_equals_brute_force_and_meets_target(seed):
    inst = small_instance(seed)
    sol = solve("lscp", inst, seconds=450.0, target=0.8, exact=True)
    assert sol.value == brute_force("lscp", inst, None, seconds=450.0, target=0.8)
    assert evaluate("mclp", inst, sol.sites, 450.0) >= 0.8 * inst.weights.sum() - 1e-6


@pytest.mark.parametrize("objective", ["mclp", "pmedian", "pcenter", "mexclp"])
def test_heuristic_close_to_optimum_and_keeps_fixed(objective):
    inst = small_instance(11, n_c=9, n_d=40, fixed=(4,))
    sites = heuristic(objective, inst, 3, 400.0, 0.2)
    assert 4 in sites and len(sites) == 3
    value = evaluate(objective, inst, sites, 400.0, 0.2)
    best = brute_force(objective, inst, 3, 400.0, 0.2)
    assert value == pytest.approx(best, rel=0.1)


def test_mclp_curve_never_decreases():
    inst = small_instance(3, n_c=8, n_d=40)
    values = [solve("mclp", inst, units=k, seconds=350.0).value for k in range(1, 9)]
    assert values == sorted(values)


def test_bad_input():
    inst = small_instance(0)
    with pytest.raises(InputError, match="more than the 7 candidate"):
        solve("mclp", inst, units=8)
    with pytest.raises(InputError, match="time > 0"):
        solve("mclp", inst, units=2, seconds=0)
    with pytest.raises(InputError, match=r"outside \[0, 1\)"):
        busy_probability(1.0, None, None, 3)
    with pytest.raises(InputError, match=r"outside \[0, 1\)"):
        busy_probability(None, 10, 60, 3)
    assert busy_probability(None, 2, 45, 3) == pytest.approx(0.5)


@pytest.mark.integration
def test_site_command_writes_plan(tmp_path):
    import json

    import pandas as pd

    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [*SITE_ARGS, "--units", "3", "--fixed", "city_hall", "--max-units", "5", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    sites = pd.read_csv(out / "sites_mclp.csv")
    assert len(sites) == 3 and "city_hall" in set(sites["id"])
    assert sites.loc[sites["id"] == "city_hall", "fixed"].all()
    assert (sites["marginal_contribution"] >= 0).all()
    curve = pd.read_csv(out / "site_curve.csv")
    assert list(curve["units"]) == [1, 2, 3, 4, 5]
    assert curve["covered"].is_monotonic_increasing
    comparison = pd.read_csv(out / "site_comparison.csv")
    assert list(comparison["staging"]) == ["City Hall alone", "current", "optimised"]
    report = (out / "site_report.html").read_text()
    assert "<svg" in report and "Planner" in report
    summary = json.loads((out / "site_summary.json").read_text())
    assert summary["method"].startswith("exact") and summary["gap"] == pytest.approx(0, abs=1e-6)
    assert (out / "map_sites.html").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--units", "40"], "more than the 19 candidate"),
        (["--minutes", "0"], "--minutes 0"),
        (["--objective", "mexclp", "--busy", "1.2"], "outside [0, 1)"),
        (
            ["--objective", "mexclp", "--calls-per-hour", "20", "--minutes-per-call", "60"],
            "outside [0, 1)",
        ),
    ],
)
@pytest.mark.integration
def test_site_bad_input(tmp_path, args, needle):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*SITE_ARGS, *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.integration
def test_site_no_candidates_inside_area(tmp_path):
    far = tmp_path / "far.csv"
    far.write_text("id,lon,lat\nA,-78.60,35.80\n")
    result = CliRunner().invoke(
        cli,
        [*SITE_ARGS, "--candidates", str(far), "--candidates-outside", "drop"]
        + ["--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2 and "no candidate site lies inside" in result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("policy", ["keep", "drop"])
def test_candidates_outside_the_area_are_listed_and_kept_or_dropped(tmp_path, policy):
    out = tmp_path / "out"
    args = [*SITE_ARGS, "--units", "2", "--max-units", "2", "--candidates-outside", policy]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "site_summary.json").read_text())
    outside = summary["candidates_outside"]
    assert outside["policy"] == policy
    (station,) = [s for s in outside["sites"] if s["id"] == "station_15"]
    assert 100 < station["outside_m"] < 200 and station["kept"] == (policy == "keep")
