"""``heartgeo expand``: the order in which to add zones to the pilot area (issue 27, part 5).

Small built cities whose right order is plain check the greedy's rule; the Erlang-B loss
of the estimate is checked against the formula; the command runs end to end on the bundled
data, and its last step reproduces ``heartgeo simulate`` on the same teams.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heartgeo.analysis.workload import Workload, erlang_b
from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.io.shifts import Shift
from heartgeo.operations.expansion import ExpansionProblem, expansion_order
from heartgeo.operations.staffing import StaffProblem

from .conftest import DATA

DAILY = Shift.parse("daily 08:00-20:00")


def _line_city(calls_per_day=20.0, max_busy=0.05):
    """Sites at 0 km and 12 km on a line; the start area at 0-1 km; zone ``near_big``
    (1-2 km, many calls) and ``near_small`` (2-3 km, few) reached from site 0, zone
    ``far`` (11-13 km) only from site 1, which starts with no team. Drive at 36 km/h.
    """
    xs = np.r_[np.linspace(0, 1, 10), np.linspace(1, 2, 10), np.linspace(2, 3, 10),
               np.linspace(11, 13, 10)] * 1000.0  # fmt: skip
    zones = ["start"] * 10 + ["near_big"] * 10 + ["near_small"] * 10 + ["far"] * 10
    weights = np.r_[np.full(10, 3.0), np.full(10, 2.0), np.full(10, 0.5), np.full(10, 2.0)]
    sites = np.array([0.0, 12000.0])
    travel_s = np.abs(sites[:, None] - xs[None, :]) / 10.0
    workload = Workload(calls_per_day, 40.0, service="exponential", dispatch_min=2.0)
    start = np.array([z == "start" for z in zones])
    labels = [None if z == "start" else z for z in zones]
    return ExpansionProblem.from_cost_matrix(
        travel_s, weights, labels, start, workload, 10.0, DAILY, max_busy
    )


def test_zones_the_teams_absorb_come_first_larger_gain_first_then_a_team_for_the_far_one():
    problem = _line_city(10.0, 0.3)  # one team serves the near zones at this grade
    steps = expansion_order(problem)
    assert [s.zone for s in steps] == [None, "near_big", "near_small", "far"]
    assert steps[2].teams.tolist() == steps[0].teams.tolist() == [1, 0]  # absorbed
    assert steps[-1].teams.tolist() == [1, 1]  # a team placed for "far", at its site
    # the estimate grows with every zone, and the served area ends as every zone
    assert all(b.within > a.within for a, b in zip(steps, steps[1:], strict=False))
    assert steps[-1].served.all()


def test_every_step_keeps_the_busy_share_and_a_stricter_share_needs_more_teams():
    loose, strict = _line_city(60.0, 0.2), _line_city(60.0, 0.02)
    for problem in (loose, strict):
        for step in expansion_order(problem):
            assert step.busy_share <= problem.max_busy + 1e-12
    assert expansion_order(strict)[-1].teams.sum() > expansion_order(loose)[-1].teams.sum()


def test_the_busy_share_is_erlang_b_for_teams_at_the_calls():
    """All points at the site (no drive): each on-duty hour's loss is B(N, a) with
    a = rate x (dispatch + on scene) / 60; off-duty hours do not count.
    """
    workload = Workload(48.0, 58.0, service="exponential", dispatch_min=2.0)
    problem = StaffProblem.from_cost_matrix(np.zeros((1, 5)), np.ones(5), workload, 10.0)
    for teams in (1, 2, 4):
        duty = np.outer(DAILY.by_hour, [teams])
        assert problem.busy_share(duty) == pytest.approx(erlang_b(teams, 2.0 * 60 / 60))
        assert problem.answered(duty) == pytest.approx(84 * 2.0 * (1 - erlang_b(teams, 2.0)))


def test_bad_expansion_inputs_are_refused():
    with pytest.raises(InputError, match="max_busy 0"):
        _line_city(max_busy=0.0)
    workload = Workload(20.0, 40.0)
    with pytest.raises(InputError, match="start area holds no demand"):
        ExpansionProblem.from_cost_matrix(
            np.zeros((1, 2)), np.ones(2), ["a", "b"], np.zeros(2, bool), workload, 10.0,
            DAILY, 0.05,
        )  # fmt: skip


@pytest.mark.integration
def test_expand_orders_every_beat_outside_the_pilot_and_ends_as_simulate(tmp_path):
    """Done when: every beat outside the pilot once, a sequence, a curve and a numbered
    map; the last step's teams simulated as ``heartgeo simulate`` would.
    """
    out = tmp_path / "out"
    args = ["--data-dir", str(DATA), "--quiet"]
    res = CliRunner().invoke(cli, ["expand", *args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    seq = pd.read_csv(out / "expansion_sequence.csv", dtype={"zone": str})
    pilot = set(json.loads((DATA / "boundaries" / "pilot_beats.json").read_text())["beats"])
    added = list(seq["zone"].iloc[1:])
    assert len(added) == len(set(added)) and not {int(z) for z in added} & pilot
    assert (np.diff(seq["team_hours"]) >= 0).all()
    assert (seq["estimated_busy_share"] <= 0.05 + 1e-9).all()
    # the estimate follows the simulation along the sequence
    gap = (seq["estimated_within_standard_share"] - seq["simulated_within_standard_share"]).abs()
    assert gap.max() < 0.015, gap.max()
    page = (out / "map_expansion.html").read_text()
    assert all(f"\\u003e{k}\\u003c/div" in page for k in range(1, len(seq)))  # numbered discs
    assert "SCREENING" in page
    assert "<svg" in (out / "expansion.html").read_text()
    summary = json.loads((out / "expansion_summary.json").read_text())
    assert summary["order"] == added and summary["by"] == "beat"
    # one team per citywide site at the end: the default citywide staging, as simulate runs it
    assert seq["teams_by_site"].iloc[-1].count(" x1") == seq["teams"].iloc[-1] == 7
    res = CliRunner().invoke(cli, ["simulate", "--area", "citywide", *args,
                                   "--out", str(tmp_path / "sim")])  # fmt: skip
    assert res.exit_code == 0, res.output
    sim = json.loads((tmp_path / "sim" / "simulation_summary.json").read_text())
    shares = sim["scenarios"]["citywide"]["outcomes"]["shares"]
    end = summary["end_step"]  # the summary's figures have 6 decimals, as simulate's
    assert end["simulated_within_standard_share"] == pytest.approx(
        shares["answered_in_standard"], abs=2e-6
    )
    answered = shares["answered_in_standard"] + shares["answered_late"]
    assert end["simulated_answered_share"] == pytest.approx(answered, abs=2e-6)
