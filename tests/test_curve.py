"""The planner's curve solver (heartgeo.siting.curve) against brute force and HiGHS."""

import numpy as np
import pytest

from heartgeo.siting import curve
from heartgeo.siting.curve import CoverProblem, mclp_curve, merge_cells, undominated
from heartgeo.siting.milp import mclp_milp
from heartgeo.siting.models import Instance, evaluate
from heartgeo.testing.brute_force import brute_force


def disc_instance(seed, n_c, n_d, radius_s=400.0):
    """Sites and cells over a 10 km square; cost = metres / 10 (seconds)."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 10_000, (n_c, 2))
    cells = rng.uniform(0, 10_000, (n_d, 2))
    cost = np.hypot(*(sites[:, None, :] - cells[None, :, :]).transpose(2, 0, 1)) / 10.0
    cost[rng.random(cost.shape) < 0.05] = np.inf
    weights = rng.integers(0, 500, n_d).astype(float)
    return cost, weights, radius_s


def test_merge_and_dominance_keep_the_problem():
    a = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 1], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0]], bool)
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    merged, mw = merge_cells(a, w)
    assert merged.shape == (4, 3) and sorted(mw) == [2.0, 6.0, 7.0]  # cells 0 and 4 merge
    keep = undominated(a)
    # site 1 is inside site 0; sites 2 and 3 are equal, one of them stays
    assert keep.tolist() == [True, False, True, False]


@pytest.mark.parametrize("seed", range(8))
def test_curve_equals_brute_force(seed, monkeypatch):
    # tiny leaves force the branch-and-bound path, not only HiGHS
    monkeypatch.setattr(curve, "LEAF_SITES", 2 if seed % 2 else 40)
    cost, w, t = disc_instance(seed, n_c=10, n_d=40)
    fixed = (seed % 3,) if seed % 3 == 1 else ()
    inst = Instance.from_cost_matrix(cost, w, fixed)
    points = mclp_curve(CoverProblem.from_cost_matrix(cost, w, t, fixed), range(1, 7))
    for p in points:
        if p.units < len(fixed):
            continue
        best = brute_force("mclp", inst, p.units, seconds=t)
        assert p.optimal
        assert p.value == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert len(p.sites) == p.units and set(fixed) <= set(p.sites.tolist())
        assert evaluate("mclp", inst, p.sites, t) == pytest.approx(p.value, rel=1e-12)


@pytest.mark.slow
def test_curve_equals_highs_on_a_larger_instance():
    cost, w, t = disc_instance(3, n_c=60, n_d=700, radius_s=250.0)
    inst = Instance.from_cost_matrix(cost, w)
    points = mclp_curve(CoverProblem.from_cost_matrix(cost, w, 250.0), range(1, 9))
    for p in points:
        sites, _, optimal = mclp_milp(inst, p.units, 250.0)
        assert p.optimal and optimal
        assert p.value == pytest.approx(evaluate("mclp", inst, sites, 250.0), rel=1e-7)


def test_a_bad_bound_would_be_caught(monkeypatch):
    """The tests can fail: a solver that trusts a too-low bound returns a worse set."""
    cost, w, t = disc_instance(5, n_c=10, n_d=40)
    inst = Instance.from_cost_matrix(cost, w)

    def too_low(a, w, k, target, *args, **kw):
        return 0.0, np.zeros(len(w)), np.zeros(a.shape[0])

    monkeypatch.setattr(curve, "lagrangian", too_low)
    monkeypatch.setattr(curve, "local_search", lambda af, a, w, start, k: (list(range(k)), 0.0))
    values = [p.value for p in mclp_curve(CoverProblem.from_cost_matrix(cost, w, t), [3])]
    assert values[0] < brute_force("mclp", inst, 3, seconds=t)


def test_saturation_and_more_units_than_sites():
    cost = np.array([[0.0, 9.0, 9.0], [9.0, 0.0, 9.0], [0.0, 9.0, 9.0]])
    w = np.array([5.0, 7.0, 0.0])
    problem = CoverProblem.from_cost_matrix(cost, w, 1.0)
    points = mclp_curve(problem, [1, 2, 3])
    assert [p.value for p in points] == [7.0, 12.0, 12.0]
    assert all(p.optimal for p in points)
    assert points[2].sites.tolist() == [0, 1, 2]  # the constraint: exactly K sites
    with pytest.raises(ValueError, match="units 4"):
        mclp_curve(problem, [4])
