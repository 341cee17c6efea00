"""What the commands print after a run, on standard output: headlines, result lines,
simulation lines, or with ``--json`` the run's summary file. Progress and warnings go to
standard error (:mod:`heartgeo.progress`), so ``heartgeo report > out.txt`` keeps the
results and ``--quiet`` hides progress only.
"""

from __future__ import annotations

from pathlib import Path

import click


def result(line: str) -> None:
    """Print a result line on standard output."""
    click.echo(line)


def print_summary(out_dir: Path, name: str) -> bool:
    """Print ``out_dir/name`` (a run's JSON summary) on standard output; False if absent."""
    path = Path(out_dir) / name
    if not path.exists():
        return False
    click.echo(path.read_text(encoding="utf-8").rstrip())
    return True


def print_headlines(results, study) -> None:
    """The headline (every scenario, one band), the model's label, then a line per scenario."""
    from heartgeo.report.text import equity_line, headline, hours_line, scenario_line

    results = [r for r in results if r.tables]
    if not results:
        return
    result(headline(study, results))
    if study.model.screening:
        result(f"  {study.model.label}")
    for item in results:
        result(f"  {scenario_line(study, item)}")
    for item in results:
        result(f"  {equity_line(study, item)}")
    result(f"  {hours_line(study, results)}")


def print_simulation(study, runs) -> None:
    """The teams asked for first (``--teams N``: that count's line; a range: the curve),
    the teams needed for ``--target``, then each scenario with its own sites.
    """
    from heartgeo.analysis.coverage import headline_band
    from heartgeo.operations.outcomes import cost_line, outcome_line
    from heartgeo.report.text import curve_line, simulation_line, target_line, team_line

    band = headline_band(study.settings.bands_min)
    for run in runs:
        if len(run.curve) == 1:
            result(f"  simulated {team_line(run, run.curve[0], band)}")
    if any(len(run.curve) > 1 for run in runs):
        result(f"  {curve_line(runs, band)}")
    for run in runs:
        line = target_line(run)
        if line:
            result(f"  {line}")
    for run in runs:
        result(f"  simulated {simulation_line(run, study.model.short_label, band)}")
    for run in runs:
        result(f"  {outcome_line(run.scenario, run.info['outcomes'], run.info['area'])}")
    for run in runs:
        result(f"  {cost_line(run.scenario, run.info['police_and_cost'])}")


def print_checks(checks: list[dict]) -> None:
    """A line per page checked in headless Chromium."""
    for check in checks:
        result(
            f"{check['path']}: {check['bytes'] / 1e6:.2f} MB, ready in {check['ready_ms']} ms "
            f"in headless Chromium; PNG {check['png']}"
        )
