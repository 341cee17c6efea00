"""Hours, calls and the call simulation on small synthetic inputs (no Durham data).

The simulation is checked against queueing theory: with zero travel times and teams
always on duty it is the M/G/c/c loss system, whose share of lost calls is Erlang-B for
any service distribution with the same mean.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from heartgeo.analysis.simulation import Workload, by_hour, erlang_b, simulate, summarise
from heartgeo.analysis.weekly import DutySets, calls_by_hour, week_shares
from heartgeo.errors import InputError
from heartgeo.io.calls import read_calls
from heartgeo.io.hours import WEEK_MIN, parse_hours, parse_hours_option, scenario_hours
from heartgeo.operations import hours_table, parse_team_counts, unit_duty

MON, FRI, SAT = 0, 4, 5


def minute(day: int, hour: int, minute: int = 0) -> int:
    return day * 1440 + hour * 60 + minute


# --- hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Mon-Fri 09:00-17:00", 40),
        ("daily 08:00-20:00", 84),
        ("08:00-20:00", 84),
        ("24/7", 168),
        ("weekends", 48),
        ("Sat-Mon", 72),
        ("Mon-Fri 9-17; Sat 10:00-14:00", 44),
        ("Mon 22:00-06:00", 8),
        ("daily 06:00-24:00", 126),
    ],
)
def test_hours_count(text, hours):
    assert parse_hours(text).sum() == hours * 60


def test_window_crossing_midnight_ends_the_next_day():
    mask = parse_hours("Fri 20:00-02:00")
    assert mask[minute(FRI, 20)] and mask[minute(FRI, 23, 59)] and mask[minute(SAT, 1, 59)]
    assert not mask[minute(SAT, 2)] and not mask[minute(FRI, 19, 59)]
    # Sunday night wraps to Monday morning
    sunday = parse_hours("Sun 22:00-01:00")
    assert sunday[minute(MON, 0, 30)] and sunday[WEEK_MIN - 1]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mon-Fry 09:00-17:00", "'Mon-Fry' is not a day"),
        ("daily 25:00-03:00", "'25:00' is not a time of day"),
        ("daily 09:00", "is not a time range"),
        ("", "empty"),
        ("Mon 9:75-10", "'9:75' is not a time of day"),
    ],
)
def test_bad_hours_are_one_line_errors_naming_the_part(text, names):
    with pytest.raises(InputError) as err:
        parse_hours(text)
    message = str(err.value)
    assert names in message and "\n" not in message and "Mon-Fri 09:00-17:00" in message


def test_hours_option_names_a_scenario_or_both():
    assert parse_hours_option("citywide=daily 07:00-19:00") == ("citywide", "daily 07:00-19:00")
    assert parse_hours_option("24/7") == ("*", "24/7")
    with pytest.raises(InputError, match="'downtown' is not a scenario"):
        parse_hours_option("downtown=24/7")


def _units(hours: list[str] | None) -> gpd.GeoDataFrame:
    n = 3 if hours is None else len(hours)
    frame = gpd.GeoDataFrame(
        {"id": [f"u{i}" for i in range(n)]}, geometry=[shapely.Point(i, 0) for i in range(n)]
    )
    if hours is not None:
        frame["hours"] = hours
    frame.attrs.update(source="units.csv", row_offset=2)
    return frame


def test_units_take_their_own_hours_else_the_scenario_default():
    masks, info = unit_duty(
        _units(["24/7", "", "Sat 10:00-14:00"]), scenario_hours("pilot", {}), "pilot"
    )
    assert [m.sum() / 60 for m in masks] == [168, 40, 4]
    assert info["units_with_own_hours"] == 2 and info["hours"] == "Mon-Fri 09:00-17:00"
    masks, info = unit_duty(
        _units(None), scenario_hours("citywide", {"*": "daily 07:00-19:00"}), "citywide"
    )
    assert (masks.sum(axis=1) == 84 * 60).all() and info["source"] == "--hours"


def test_malformed_unit_hours_name_the_file_and_row():
    with pytest.raises(InputError) as err:
        unit_duty(
            _units(["24/7", "Mon-Fri 9-17", "Tuesday-ish"]), scenario_hours("pilot", {}), "pilot"
        )
    assert str(err.value).startswith("staging file units.csv, row 4: hours 'Tuesday-ish'")


# --- coverage by hour of the week --------------------------------------------------------


def test_each_distinct_set_of_units_on_duty_is_measured_once():
    duty = np.array(
        [parse_hours("Mon-Fri 09:00-17:00"), parse_hours("daily 08:00-20:00"), parse_hours("24/7")]
    )
    calls = []

    def within(sets):
        calls.append(sets.copy())
        n = sets.sum(axis=1)
        return np.c_[10.0 * n, 20.0 * n]  # more units, more covered

    table, sets = hours_table(duty, within, 100.0, 100.0, (5.0, 10.0))
    assert len(calls) == 1 and len(calls[0]) == len(sets.sets) == 3  # {3}, {2,3}, {1,2,3}
    assert len({tuple(s) for s in calls[0]}) == 3
    assert np.allclose(sets.hour_share.sum(axis=1), 1.0)
    tue10 = table.loc[24 + 10]
    assert tue10["units_on_duty"] == 3 and tue10["population_within_10min"] == 60.0
    sat10, sun3 = table.loc[5 * 24 + 10], table.loc[6 * 24 + 3]
    assert sat10["units_on_duty"] == 2 and sun3["units_on_duty"] == 1
    assert sun3["gap_population"] == 100.0 - 20.0
    week = week_shares(table, (5.0, 10.0))
    expected = (40 * 60 + 44 * 40 + 84 * 20) / (168 * 100)  # hours x people within 10 min
    assert week["person_hours_share"]["10min"] == pytest.approx(expected)


def test_part_hours_count_by_their_minutes():
    duty = np.array([parse_hours("daily 08:30-09:00")])
    table, _ = hours_table(duty, lambda sets: np.full((len(sets), 1), 50.0), 100.0, 100.0, (10.0,))
    assert table.loc[8, "units_on_duty"] == pytest.approx(0.5)
    assert table.loc[8, "population_within_10min"] == pytest.approx(25.0)
    assert table.loc[9, "population_within_10min"] == 0.0


def test_calls_count_in_their_hour_with_the_units_then_on_duty():
    duty = DutySets.from_masks(np.array([parse_hours("Mon-Fri 09:00-17:00")]))
    seconds = np.array([[60.0, 60.0, 60.0, 3000.0, np.nan]])  # one unit, five calls
    when = np.array([minute(MON, 10), minute(SAT, 10), -1, minute(MON, 11), minute(MON, 12)])
    got = calls_by_hour(seconds, duty, np.ones(5), when, (600.0,))
    assert got["calls"].sum() == pytest.approx(5.0)
    assert got["within"][0][10] == pytest.approx(1 + 1 / 168)  # Monday 10:00 + untimed
    assert got["within"][0][5 * 24 + 10] == 0.0  # Saturday: nobody on duty
    assert got["within"][0].sum() == pytest.approx(1 + 40 / 168)  # the untimed one, 40 h
    assert got["unknown"].sum() == pytest.approx(1.0)


# --- call files -----------------------------------------------------------------------


def test_call_file_weights_times_and_offsets(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "lon,lat,weight,time\n"
        "-78.90,36.00,2,2024-03-04T09:30\n"  # a Monday
        "-78.91,36.01,,2024-03-09T23:59:00-05:00\n"  # a Saturday, offset kept as local
        "-78.92,36.00,1,\n"
    )
    calls = read_calls(path)
    assert calls.weight.tolist() == [2.0, 1.0, 1.0]
    assert calls.minute.tolist() == [minute(MON, 9, 30), minute(SAT, 23, 59), -1]
    assert calls.days_spanned == 6 and calls.hour_profile() is None


@pytest.mark.parametrize(
    ("row", "fix"),
    [
        ("-78.9,36.0,-1,2024-03-04T09:30", "row 3: weight '-1' is not a number from 0 to 1e+06"),
        ("-78.9,36.0,1,next tuesday", "row 3: time 'next tuesday' is not an ISO 8601 time"),
        ("-78.9,abc,1,2024-03-04T09:30", "row 3: lat 'abc' is not a finite number"),
    ],
)
def test_bad_call_rows_name_the_row_and_fix(tmp_path, row, fix):
    path = tmp_path / "calls.csv"
    path.write_text(f"lon,lat,weight,time\n-78.9,36.0,1,2024-03-04T09:30\n{row}\n")
    with pytest.raises(InputError) as err:
        read_calls(path)
    assert fix in str(err.value) and str(path) in str(err.value)


def test_hour_profile_from_timed_calls(tmp_path):
    rng = np.random.default_rng(3)
    hours = rng.choice([9, 10, 11], size=400)
    lines = [f"-78.9,36.0,2024-03-0{4 + i % 5}T{h:02d}:15" for i, h in enumerate(hours)]
    path = tmp_path / "calls.csv"
    path.write_text("lon,lat,time\n" + "\n".join(lines) + "\n")
    profile = read_calls(path).hour_profile()
    assert profile.mean() == pytest.approx(1.0)
    assert profile[[9, 10, 11]].sum() > 0 and profile[:9].sum() == 0 and profile[12:24].sum() == 0


def test_team_counts():
    assert parse_team_counts("1..4") == (1, 2, 3, 4)
    assert parse_team_counts("2,5") == (2, 5)
    with pytest.raises(InputError, match="teams '0..3'"):
        parse_team_counts("0..3")


# --- the simulation against theory --------------------------------------------------------


def _loss_system(teams: int, load: float, service: str, weeks: int, seed: int = 1):
    """Zero travel, one zone, teams always on duty, offered load ``load`` Erlangs."""
    mean_min = 30.0
    workload = Workload(
        calls_per_day=load / (mean_min / 60.0) * 24.0,
        minutes_per_call=mean_min,
        service=service,
        service_cv=1.5,  # far from exponential: Erlang-B does not care
    )
    always = np.ones((teams, WEEK_MIN), bool)
    return simulate(
        np.zeros((1, 1)), np.ones(1), np.zeros(teams, int), always, workload, weeks=weeks, seed=seed
    )


@pytest.mark.parametrize("service", ["exponential", "lognormal"])
@pytest.mark.parametrize(("teams", "load"), [(1, 0.5), (2, 1.5), (4, 3.0), (6, 6.0)])
def test_missed_share_is_erlang_b(teams, load, service):
    result = _loss_system(teams, load, service, weeks=12)
    figures = summarise(result)
    expected = erlang_b(teams, load)
    # within twice the 95 % half-width (about four standard errors) of the simulation
    assert abs(figures["missed_share"] - expected) <= 2 * figures["answered_ci95"], (
        figures["missed_share"],
        expected,
        figures["answered_ci95"],
    )
    # carried load per team: a (1 - B) / c
    assert figures["utilisation"] == pytest.approx(load * (1 - expected) / teams, rel=0.06)


@pytest.mark.parametrize(("teams", "load"), [(1, 0.5), (3, 1.0), (6, 6.0)])
def test_the_week_chain_always_on_duty_is_erlang_b(teams, load):
    from heartgeo.analysis.workload import loss_over_week

    rates = np.full(168, load / 0.5)  # calls an hour, 30-min calls
    got = loss_over_week(teams, rates, np.ones(WEEK_MIN, bool), 30.0)
    assert got["missed_busy"] == pytest.approx(erlang_b(teams, load), rel=1e-6)
    assert got["missed_off_duty"] == 0.0


@pytest.mark.parametrize(
    ("teams", "load", "mean_min", "hours"),
    [
        (3, 2.0, 30.0, "daily 08:00-20:00"),
        (2, 1.5, 30.0, "Mon-Fri 09:00-17:00"),
        (2, 3.0, 90.0, "daily 08:00-12:00; daily 14:00-18:00"),  # short shifts, long calls
    ],
)
def test_a_pure_loss_run_with_shifts_matches_the_exact_week_chain(teams, load, mean_min, hours):
    """Zero travel, exponential service, every team on the same shift: the simulated
    answered share is the exact chain's (teams free at each shift's start, busy teams
    finishing after it), which differs from on-duty share x (1 - Erlang-B).
    """
    from heartgeo.analysis.workload import loss_over_week

    workload = Workload(
        calls_per_day=load / (mean_min / 60.0) * 24.0,
        minutes_per_call=mean_min,
        service="exponential",
    )
    duty = np.repeat(parse_hours(hours)[None, :], teams, axis=0)
    result = simulate(
        np.zeros((1, 1)), np.ones(1), np.zeros(teams, int), duty, workload, weeks=60, seed=5
    )
    figures = summarise(result)
    exact = loss_over_week(teams, workload.hourly_rates(), duty[0], mean_min)
    assert abs(figures["answered_share"] - exact["answered"]) <= 2 * figures["answered_ci95"]
    on_duty = duty[0].mean()
    steady = on_duty * (1 - erlang_b(teams, load))
    assert exact["answered"] > steady + 0.001  # the shifts that start free answer more
    if mean_min == 90.0:  # here steady-state Erlang-B is far off: the simulation shows it
        assert figures["answered_share"] - steady > 4 * figures["answered_ci95"]
    assert exact["missed_off_duty"] == pytest.approx(1 - on_duty)


def test_erlang_b_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 3.0) == 1.0


def test_one_team_tiny_load_answers_the_on_duty_share_of_calls():
    duty = parse_hours("Mon-Fri 09:00-17:00")[None, :]
    workload = Workload(calls_per_day=2.0, minutes_per_call=1.0, service="exponential")
    result = simulate(np.zeros((1, 1)), np.ones(1), np.zeros(1, int), duty, workload, weeks=150)
    figures = summarise(result)
    assert figures["answered_share"] == pytest.approx(40 / 168, abs=2 * figures["answered_ci95"])
    table = by_hour(result)
    assert table.loc[table["hour"] < 9, "answered_share"].max() == 0.0
    assert table.loc[5 * 24 + 10, "teams_on_duty"] == 0.0 and table.loc[10, "teams_on_duty"] == 1


def test_same_seed_same_result_other_seed_other_result():
    a = summarise(_loss_system(3, 2.0, "lognormal", weeks=2, seed=7))
    b = summarise(_loss_system(3, 2.0, "lognormal", weeks=2, seed=7))
    c = summarise(_loss_system(3, 2.0, "lognormal", weeks=2, seed=8))
    assert a == b and a != c


def test_nearest_free_team_is_sent_and_drives_back():
    travel = np.array([[300.0, 900.0], [900.0, 300.0]])  # site 0 near point 0, 1 near 1
    workload = Workload(calls_per_day=24.0, minutes_per_call=1.0, service="exponential")
    always = np.ones((2, WEEK_MIN), bool)
    result = simulate(travel, np.array([1.0, 0.0]), np.arange(2), always, workload, weeks=1)
    first = np.argmax(result.answered)
    assert result.travel_s[first] == 300.0  # the nearer team
    assert summarise(result)["travel_p50_min"] == pytest.approx(5.0)  # a busy team is rare


def test_waiting_turns_missed_calls_into_late_ones():
    missed = summarise(_loss_system(1, 2.0, "exponential", weeks=4))
    mean_min = 30.0
    workload = Workload(
        calls_per_day=2.0 / (mean_min / 60.0) * 24.0,
        minutes_per_call=mean_min,
        service="exponential",
        max_wait_min=20.0,
    )
    always = np.ones((1, WEEK_MIN), bool)
    waited = simulate(np.zeros((1, 1)), np.ones(1), np.zeros(1, int), always, workload, weeks=4)
    assert summarise(waited)["answered_share"] > missed["answered_share"]
    assert np.nanmax(waited.wait_s) <= 20 * 60 + 1e-6
    assert (waited.within(10.0) <= waited.answered).all()


def test_bad_workload_names_the_parameter():
    with pytest.raises(InputError, match="minutes_per_call 0"):
        Workload(calls_per_day=10, minutes_per_call=0).validate()
    with pytest.raises(InputError, match="service 'gamma'"):
        Workload(calls_per_day=10, minutes_per_call=5, service="gamma").validate()


def test_bad_hours_option_is_a_one_line_usage_error():
    from click.testing import CliRunner

    from heartgeo.cli import cli

    result = CliRunner().invoke(cli, ["report", "--hours", "pilot=Mon-Fry 09:00-17:00"])
    assert result.exit_code == 2
    assert "'Mon-Fry' is not a day" in result.output and "Traceback" not in result.output


def test_long_hours_are_shortened_on_a_line_of_text():
    from heartgeo.io.hours import brief_hours

    assert brief_hours("Mon-Fri 09:00-17:00") == "Mon-Fri 09:00-17:00"
    many = "; ".join(f"Mon {h:02d}:00-{h:02d}:30" for h in range(20))
    short = brief_hours(many)
    assert len(short) <= 80 and short.startswith("Mon 00:00-00:30; ")
    assert short.endswith("(20 windows in all)")
    parse_hours(many)  # the whole spec stays valid
