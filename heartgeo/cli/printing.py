"""What the commands print after a run: headlines, result lines, simulation lines."""

from __future__ import annotations

from heartgeo.progress import Progress


def print_headlines(results, study, progress: Progress) -> None:
    """The headline (every scenario, one band), the model's label, then a line per scenario."""
    from heartgeo.report.text import equity_line, headline, hours_line, scenario_line

    results = [r for r in results if r.tables]
    if not results:
        return
    progress.info(headline(study, results))
    if study.model.screening:
        progress.info(f"  {study.model.label}")
    for result in results:
        progress.info(f"  {scenario_line(study, result)}")
    for result in results:
        progress.info(f"  {equity_line(study, result)}")
    progress.info(f"  {hours_line(study, results)}")


def print_simulation(study, runs, progress: Progress) -> None:
    """A line per simulated scenario and the teams curve."""
    from heartgeo.analysis.coverage import headline_band
    from heartgeo.report.text import curve_line, simulation_line

    band = headline_band(study.settings.bands_min)
    for run in runs:
        progress.info(f"  simulated {simulation_line(run, study.model.short_label, band)}")
    if any(run.curve for run in runs):
        progress.info(f"  {curve_line(runs, band)}")


def print_checks(checks: list[dict], progress: Progress) -> None:
    """A line per page checked in headless Chromium."""
    for check in checks:
        progress.info(
            f"{check['path']}: {check['bytes'] / 1e6:.2f} MB, ready in {check['ready_ms']} ms "
            f"in headless Chromium; PNG {check['png']}"
        )
