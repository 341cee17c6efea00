"""``--call-profile``: the relative call rate per hour of the week (issue 27, part 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.io.hours import DAYS
from heartgeo.io.profile import read_call_profile

from .conftest import DATA


def _write(path, weight=lambda d, h: 1.0, rows=None):
    lines = ["weekday,hour,weight"]
    lines += rows if rows is not None else [
        f"{d},{h},{weight(i, h)}" for i, d in enumerate(DAYS) for h in range(24)
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_profile_reads_as_168_rates_of_mean_one(tmp_path):
    path = _write(tmp_path / "p.csv", lambda d, h: 3.0 if 8 <= h < 20 else 1.0)
    got = read_call_profile(path)
    assert got.shape == (168,) and got.mean() == pytest.approx(1.0)
    assert got[9] == pytest.approx(3 * got[3])  # Monday 09:00 three times Monday 03:00


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        (["Mon,0,1"], "no row for Mon 01:00"),
        (["Mon,0,1", "Mon,0,2"], "row 3: Mon 00:00 comes twice"),
        (["Mo,0,1"], "row 2: weekday 'Mo' is not a day"),
        (["Mon,24,1"], "row 2: hour '24': give a whole hour 0..23"),
        (["Mon,1.5,1"], "row 2: hour '1.5'"),
        (["Mon,0,-1"], "row 2: weight '-1': give a number >= 0"),
        (["Mon,0,nan"], "row 2: weight 'nan'"),
        (["Mon,0,abc"], "row 2: weight 'abc' is not a number"),
    ],
)
def test_bad_profiles_are_refused_with_their_row(tmp_path, rows, needle):
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        read_call_profile(_write(tmp_path / "p.csv", rows=rows))


def test_all_zero_and_missing_columns_are_refused(tmp_path):
    with pytest.raises(InputError, match="every weight is 0"):
        read_call_profile(_write(tmp_path / "z.csv", lambda d, h: 0))
    (tmp_path / "c.csv").write_text("day,hour,weight\nMon,0,1\n")
    with pytest.raises(InputError, match="no column weekday"):
        read_call_profile(tmp_path / "c.csv")


@pytest.mark.integration
def test_calls_only_in_duty_hours_are_never_missed_off_duty(tmp_path):
    """Citywide teams work daily 08:00-20:00: a profile with calls only then leaves no
    call without a team on duty, and the profile is recorded as given.
    """
    path = _write(tmp_path / "p.csv", lambda d, h: 1.0 if 8 <= h < 20 else 0.0)
    args = ["simulate", "--data-dir", str(DATA), "--travel-model", "crowfly", "--quiet"]
    args += ["--cell-size", "500", "--weeks", "2", "--area", "citywide"]
    run = CliRunner().invoke(cli, [*args, "--call-profile", str(path), "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "simulation_summary.json").read_text())
    citywide = summary["scenarios"]["citywide"]
    assert citywide["outcomes"]["shares"]["missed_off_duty"] == 0.0
    assert citywide["workload"]["hourly_profile"].startswith("given (--call-profile")
    assert citywide["figures"]["answered_share"] > 0.6  # flat: about 0.49
    flat = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "flat")])
    flat_summary = json.loads((tmp_path / "flat" / "simulation_summary.json").read_text())
    assert "ASSUMPTION" in flat_summary["scenarios"]["citywide"]["workload"]["hourly_profile"]
    assert flat.exit_code == 0
