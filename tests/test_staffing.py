"""``heartgeo staff``: shifts and sites under a budget of team-hours (issue 27, part 4).

The optimiser is a heuristic: it is checked against exhaustive search on small instances;
its estimate is checked against the simulation; the command is checked end to end on the
bundled data with a non-flat call profile.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heartgeo.analysis.simulation import outcome_flags, simulate
from heartgeo.analysis.workload import Workload
from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.io.hours import DAYS
from heartgeo.io.shifts import Shift, read_shifts, shift_menu
from heartgeo.operations.staff import curve_budgets
from heartgeo.operations.staffing import Schedule, StaffProblem, exhaustive, optimise

from .conftest import DATA


def _problem(rng, sites=3, points=60, calls_per_day=30.0, profile=None, minutes=40.0):
    """A random small city: sites and points in a 6 km square, drive at 30 km/h."""
    site_xy = rng.uniform(0, 6000, (sites, 2))
    point_xy = rng.uniform(0, 6000, (points, 2))
    dist = np.hypot(*(site_xy[:, None, :] - point_xy[None, :, :]).transpose(2, 0, 1))
    travel_s = dist / (30 / 3.6)
    workload = Workload(calls_per_day, minutes, service="exponential", profile=profile,
                        dispatch_min=2.0)  # fmt: skip
    return StaffProblem.from_cost_matrix(travel_s, rng.uniform(1, 5, points), workload, 10.0)


def _profile(rng):
    """A random non-flat hour-of-week profile: a daily wave with a random peak."""
    peak = rng.uniform(0, 24)
    hours = np.arange(168) % 24
    return 1 + 0.8 * np.cos(2 * np.pi * (hours - peak) / 24)


SMALL_MENU = ["daily 08:00-16:00", "daily 16:00-24:00", "Mon-Fri 06:00-18:00",
              "Sat,Sun 00:00-12:00", "daily 20:00-06:00"]  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_the_heuristic_matches_exhaustive_search_on_small_instances(seed):
    rng = np.random.default_rng(seed)
    problem = _problem(rng, sites=int(rng.integers(2, 4)), profile=_profile(rng))
    menu = [Shift.parse(h) for h in SMALL_MENU]
    budget = float(rng.choice([96, 120, 150]))
    best = exhaustive(problem, menu, budget)
    got = optimise(problem, menu, budget)
    assert got.team_hours <= budget + 1e-9
    # the estimate of the heuristic's schedule is recomputed, not taken from it
    again = problem.value(got.duty(problem.sites))
    assert again == pytest.approx(got.estimate)
    assert again >= 0.98 * best.estimate, (seed, again, best.estimate)


def test_the_comparison_has_teeth_a_greedy_alone_falls_short():
    """The check above can fail: on instance 3 the greedy by gain per team-hour alone (no
    local search, one start) reaches 81 % of the exhaustive optimum.
    """
    from heartgeo.operations import staffing

    rng = np.random.default_rng(3)
    problem = _problem(rng, sites=int(rng.integers(2, 4)), profile=_profile(rng))
    menu = [Shift.parse(h) for h in SMALL_MENU]
    budget = float(rng.choice([96, 120, 150]))
    chosen = staffing._Search(problem, menu, budget).fill([], "ratio, longer")
    greedy = problem.value(Schedule([(s, menu[c]) for s, c in chosen]).duty(problem.sites))
    assert greedy < 0.9 * exhaustive(problem, menu, budget).estimate


@pytest.mark.parametrize("seed", range(3))
def test_the_estimate_is_close_to_the_simulation(seed):
    rng = np.random.default_rng(100 + seed)
    profile = _profile(rng)
    problem = _problem(rng, sites=3, points=80, profile=profile)
    workload = Workload(30.0, 40.0, service="exponential", profile=profile, dispatch_min=2.0)
    schedule = optimise(problem, shift_menu(), 252.0)
    sites, masks = schedule.masks()
    travel_s = problem.travel_min * 60.0
    result = simulate(travel_s, problem.weights, sites, masks, workload, weeks=104, seed=seed)
    simulated = outcome_flags(result, 10.0)["answered_in_standard"].mean()
    estimated = schedule.estimate / problem.calls_per_hour.sum()
    assert estimated == pytest.approx(simulated, abs=0.03)


def test_a_shift_menu_covers_lengths_starts_and_days():
    menu = shift_menu()
    assert len(menu) == 3 * 12 * 5
    hours = {s.team_hours for s in menu}
    assert {8 * 7, 10 * 5, 12 * 2, 10 * 4} <= hours
    night = Shift.parse("daily 20:00-06:00")
    assert night.team_hours == 70 and night.by_hour[23] and night.by_hour[24 + 5]
    assert not night.by_hour[6]


def test_a_budget_too_small_for_any_shift_gives_an_empty_schedule():
    problem = _problem(np.random.default_rng(0))
    got = optimise(problem, [Shift.parse("daily 08:00-20:00")], 50.0)
    assert got.teams == [] and got.estimate == 0.0
    with pytest.raises(InputError, match="team_hours -1"):
        optimise(problem, [Shift.parse("24/7")], -1.0)


def test_more_budget_never_lowers_the_estimate():
    rng = np.random.default_rng(5)
    problem = _problem(rng, profile=_profile(rng))
    values = [optimise(problem, shift_menu(), b).estimate for b in (84, 168, 252, 336)]
    assert values == sorted(values) and values[0] > 0


def test_curve_budgets_hold_the_budget_and_are_few():
    assert list(curve_budgets(252)) == [84, 168, 252, 336, 420, 504]
    many = curve_budgets(2000)
    assert len(many) <= 13 and 2000 in many


def test_bad_shift_files_are_refused_with_their_row(tmp_path):
    good = tmp_path / "s.csv"
    good.write_text("hours\nMon-Fri 08:00-16:00\ndaily 20:00-06:00\n")
    assert [s.team_hours for s in read_shifts(good)] == [40, 70]
    bad = tmp_path / "b.csv"
    bad.write_text("hours\nMon-Fri 08:00-16:00\nsometimes\n")
    with pytest.raises(InputError, match=r"shifts file .*b.csv, row 3: hours 'sometimes'"):
        read_shifts(bad)
    none = tmp_path / "n.csv"
    none.write_text("shift\nMon 08:00-16:00\n")
    with pytest.raises(InputError, match="give a column hours"):
        read_shifts(none)
    short = tmp_path / "t.csv"
    short.write_text("hours\nMon 08:00-08:20\n")
    with pytest.raises(InputError, match="row 2: .*cover no half hour"):
        read_shifts(short)


def _evening_profile(path):
    """An illustrative profile peaking at 17:00 (not data: the issue asks for a non-flat
    one, and no published hour-of-week profile is bundled).
    """
    rows = ["weekday,hour,weight"] + [
        f"{d},{h},{1 + 0.8 * np.cos(2 * np.pi * (h - 17) / 24):.4f}" for d in DAYS for h in range(24)
    ]  # fmt: skip
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.integration
def test_staff_252_beats_daily_08_20_with_three_teams(tmp_path):
    """Done when: with a non-flat profile, 252 team-hours chosen by ``staff`` answer at
    least as many calls within the standard as 3 teams daily 08:00-20:00 (their best
    sites), simulated in the same run with the same calls; the staging file it writes
    reproduces its figures in ``heartgeo simulate``.
    """
    profile = _evening_profile(tmp_path / "evening.csv")
    out = tmp_path / "out"
    args = ["--data-dir", str(DATA), "--call-profile", str(profile), "--out", str(out), "--quiet"]
    res = CliRunner().invoke(cli, ["staff", "--team-hours", "252", *args])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "staffing_summary.json").read_text())
    within = {
        k: s["outcomes"]["shares_of_area_calls"]["answered_in_standard"]
        for k, s in summary["schedules"].items()
    }
    assert summary["schedules"]["daily 08:00-20:00"]["teams"] == 3
    assert summary["schedules"]["optimised"]["team_hours"] <= 252
    assert within["optimised"] >= within["daily 08:00-20:00"], within
    assert "optimised" in res.output and "24/7 teams need" in res.output
    curve = pd.read_csv(out / "staffing_curve.csv")
    assert set(curve["schedule"]) == {"optimised", "daily 08:00-20:00", "24/7"}
    page = (out / "staffing.html").read_text()
    assert "<svg" in page and "screening" in page and "http" not in page.split("<svg")[0]
    # the optimised schedule as a staging file: simulate gives the same figures
    sim_out = tmp_path / "sim"
    staging = str(out / "staffing_staging.csv")
    res = CliRunner().invoke(cli, ["simulate", "--area", "citywide", "--citywide-staging",
                                   staging, *args[:-3], "--out", str(sim_out), "--quiet"])  # fmt: skip
    assert res.exit_code == 0, res.output
    sim = json.loads((sim_out / "simulation_summary.json").read_text())
    got = sim["scenarios"]["citywide"]["outcomes"]["shares_of_area_calls"]
    assert got["answered_in_standard"] == pytest.approx(within["optimised"])


@pytest.mark.integration
def test_staff_refuses_a_bad_shifts_file_in_one_line(tmp_path):
    bad = tmp_path / "b.csv"
    bad.write_text("hours\nnever\n")
    res = CliRunner().invoke(cli, ["staff", "--team-hours", "100", "--shifts", str(bad),
                                   "--data-dir", str(DATA), "--out", str(tmp_path / "o")])  # fmt: skip
    assert res.exit_code == 2
    assert "row 2" in res.output and "Traceback" not in res.output
