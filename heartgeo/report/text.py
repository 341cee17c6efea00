"""The text of results: the headline, a line per scenario, equity, hours and simulation
lines, as the terminal, the pages and ``summary.json`` show them.
"""

from __future__ import annotations

from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.analysis.weekly import week_shares
from heartgeo.geometry import share_within
from heartgeo.io.hours import brief_hours
from heartgeo.numbers import percent, points
from heartgeo.operations import SimulationRun
from heartgeo.study import ScenarioResult, Study, comparison_results


def headline(study: Study, results: list[ScenarioResult]) -> str:
    """One line with counts and bases, e.g. ``Within 10 min (crow-fly screening): pilot
    47,339 of 52,156 residents (90.8 %); citywide 231,356 of 283,506 (81.6 %); 184,017 more
    residents within 10 min citywide``.

    Each share states its own base (the scenario's area); the last clause compares the
    people (or calls) reached by the two scenarios drawn side by side.
    """
    band = headline_band(study.settings.bands_min)
    lab = band_label(band)
    calls = study.calls is not None
    what = "calls" if calls else "residents"
    parts, reached = [], {}
    for result in (r for r in results if r.tables):
        row = result.tables["area"].iloc[0]
        within = row[f"calls_within_{lab}"] if calls else row[f"population_{lab}"]
        total = row["calls"] if calls else row["population"]
        share = row[f"{'calls' if calls else 'population'}_share_{lab}"]
        value = percent(share)
        noun = f" {what}" if not parts else ""
        parts.append(f"{result.label} {within:,.0f} of {total:,.0f}{noun} ({value})")
        reached[result.name] = float(within)
    text = f"Within {band:g} min ({study.model.short_label}): " + "; ".join(parts)
    pair = comparison_results([r for r in results if r.tables])
    if pair is not None:
        before, after = pair
        more = reached[after.name] - reached[before.name]
        how = after.name if after.base == after.name else f"with the {after.base} staging"
        text += (
            f"; {abs(more):,.0f} {'more' if more >= 0 else 'fewer'} {what} within {band:g} "
            f"min {how}"
        )
    return text


def hours_line(study: Study, results: list[ScenarioResult]) -> str:
    """Coverage over the week: person-hours (or calls at their time) within the headline
    band of a unit on duty, per scenario, with the hours used and whether assumed.
    """
    band = headline_band(study.settings.bands_min)
    lab = band_label(band)
    parts = []
    for result in (r for r in results if r.tables):
        week = week_shares(result.tables["hours"], study.settings.bands_min)
        info = result.hours_info or {}
        how = result.hours.label if result.hours is not None else "assumed"
        own = info.get("units_with_own_hours", 0)
        hours = f"{brief_hours(str(info.get('hours')))}, {how}" + (
            f"; {own} unit(s) with own hours" if own else ""
        )
        value = week["person_hours_share"][lab]
        text = f"{result.label} {100 * value:.1f} %" if value is not None else f"{result.label} n/a"
        if "calls_share" in week and week["calls_share"][lab] is not None:
            text += f" (calls at their time: {100 * week['calls_share'][lab]:.1f} %)"
        parts.append(f"{text} [{hours}]")
    return f"person-hours within {band:g} min of a unit on duty: " + "; ".join(parts)


def scenario_line(study: Study, result: ScenarioResult) -> str:
    """One line of a scenario's coverage: every band, the gap, the unknown part and why."""
    row = result.tables["area"].iloc[0]
    parts = []
    for m in study.settings.bands_min:
        share = row[f"population_share_{band_label(m)}"]
        parts.append(f"{m:g} min {100 * share:.1f} %" if share is not None else f"{m:g} min n/a")
    extent = 100 * share_within(result.area, study.net.extent)
    tail = study.model.area_note(extent)
    return (
        f"{result.label} ({study.model.short_label}): population within "
        + ", ".join(parts)
        + f"; gap {100 * (row['gap_population_share'] or 0):.1f} %; unknown (no road data) "
        f"{100 * (1 - (row['known_population_share'] or 0)):.1f} % of {row['population']:,.0f} "
        f"people{_share_of_city(study, row['population'], result.area_name)}; {tail}"
    )


def _share_of_city(study: Study, people: float, area_name: str) -> str:
    if study.study_area(area_name).whole_city:
        return ""
    city = float(study.demand.cells["population"].sum())
    return f" ({100 * people / city:.1f} % of the city's)" if city > 0 else ""


def equity_line(study: Study, result: ScenarioResult) -> str:
    """``no-vehicle households within 10 min: NN % vs all residents NN %`` for a scenario."""
    table = result.tables["equity"].set_index("group")
    band = band_label(headline_band(study.settings.bands_min))
    nov, everyone = table.loc["no_vehicle_households"], table.loc["all residents"]

    def pct(v: float) -> str:
        return "missing" if v != v else f"{100 * v:.1f} %"

    low = table.loc["low_income_residents"]
    return (
        f"{result.label}: no-vehicle households within {headline_band(study.settings.bands_min):g} "
        f"min: {pct(nov[f'share_{band}'])} vs all residents {pct(everyone[f'share_{band}'])}; "
        f"lowest-income fifth of tracts: {pct(low[f'share_{band}'])}"
    )


def simulation_line(run: SimulationRun, model_label: str, band: float) -> str:
    """One printed line of a scenario's simulation."""
    f = run.main.figures
    lab = f"within_{band:g}min"
    hours = run.info["hours"]
    assumed = run.hours.label if run.hours is not None else "assumed"
    when = f"{brief_hours(hours['hours'])} {assumed}"
    own = hours.get("units_with_own_hours", 0)
    if own:  # the staging file's own hours win over the default
        total = len(hours.get("unit_hours_per_week", ())) or f["teams"]
        when = f"{own} of {total} site(s) with their own hours" + (
            f", the rest {when}" if own < total else ""
        )
    return (
        f"{run.scenario} ({model_label}; {f['teams']} team(s), {when}; "
        f"{run.info['calls_per_day_area']:.1f} calls a day): "
        + (
            "no calls simulated; "
            if not f["calls"]
            else f"answered {percent(f['answered_share'])} \u00b1 {points(f['answered_ci95'])}, "
            f"within {band:g} min {percent(f[lab + '_share'])} \u00b1 {points(f[lab + '_ci95'])}; "
        )
        + "drive median "
        + (f"{f['travel_p50_min']:.1f} min" if f["travel_p50_min"] is not None else "n/a")
        + (
            f", team utilisation {100 * f['utilisation']:.0f} %"
            if f["utilisation"] is not None
            else ""
        )
    )


def team_line(run: SimulationRun, row: dict, band: float) -> str:
    """One count of the teams curve: ``citywide with 3 team(s) on duty: answered 38.1 %,
    within 10 min 27.0 %``.
    """
    lab = f"within_{band:g}min_share"
    return (
        f"{run.scenario} with {row['teams']} team(s) on duty (placed on its staging sites in "
        f"turn): answered {percent(row['answered_share'])} of calls, within {band:g} min "
        f"{percent(row[lab])}"
    )


def curve_line(runs: list[SimulationRun], band: float) -> str:
    """``teams on duty -> calls answered / answered within 10 min`` per scenario, one line."""
    lab = f"within_{band:g}min_share"
    parts = []
    for run in runs:
        if run.curve:
            values = ", ".join(
                f"{r['teams']}: {percent(r['answered_share'])} / {percent(r[lab])}"
                for r in run.curve
            )
            parts.append(f"{run.scenario} {values}")
    return f"teams on duty \u2192 calls answered / within {band:g} min: " + "; ".join(parts)


def target_line(run: SimulationRun) -> str | None:
    """The teams needed to answer ``--target`` of the calls, or None without a target."""
    target = run.info.get("answered_target")
    if target is None:
        return None
    needed = run.info.get("teams_needed_for_target")
    tried = max(r["teams"] for r in run.curve) if run.curve else 0
    best = max((r["answered_share"] or 0.0 for r in run.curve), default=0.0)
    what = (
        f"{needed} team(s) on duty"
        if needed
        else f"not reached with up to {tried} teams (at most {100 * best:.1f} %: calls outside "
        "the duty hours find no team; give more teams with --teams or longer --hours)"
    )
    return f"{run.scenario}: to answer {100 * target:.0f} % of calls: {what}"
