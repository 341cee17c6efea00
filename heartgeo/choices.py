"""The choices of ``heartgeo site`` and ``heartgeo simulate``, declared once.

Like :class:`heartgeo.settings.Settings`, each field carries its command-line option in
its metadata (``flag``, ``help``, option keywords): the CLI builds its options from these
fields, and the library classes that use them
(:class:`heartgeo.siting.workflow.SiteOptions`,
:class:`heartgeo.operations.SimulateOptions`) extend these dataclasses with their checks.
The call workload (calls a day, minutes per call) is declared once for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from heartgeo.definitions import city_area
from heartgeo.errors import InputError, shown
from heartgeo.settings import param

#: The siting models of ``heartgeo site``.
OBJECTIVES = ("mclp", "lscp", "pmedian", "pcenter", "mexclp")


def parse_team_counts(text: str) -> tuple[int, ...]:
    """``--teams`` text: ``N``, ``A..B`` or ``A,B,C`` (team counts, each 1 to 500).

    Raises
    ------
    InputError
        For text that is none of these, naming ``teams``.
    """
    try:
        if ".." in text:
            a, b = (int(v) for v in text.split(".."))
            counts = tuple(range(a, b + 1))
        else:
            counts = tuple(int(v) for v in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1 or max(counts) > 500:
        raise InputError(
            f"teams {shown(text)}: give a count, a range like 1..8, or a list like 1,2,4 "
            "(each 1 to 500)",
            param="teams",
        )
    return counts


def _calls_per_day():
    return param(
        None,
        flag="--calls-per-day",
        help="Eligible calls a day in the whole city, all hours (a scenario gets its area's "
        "share of the demand). Default: from --calls times when they span a week, else 60 "
        "(2024: 11,612 responses at 50-55 % of eligible calls answered; "
        "data/boundaries/hours_default.json).",
    )


def _minutes_per_call():
    return param(
        None,
        flag="--minutes-per-call",
        help="Mean minutes a team spends on scene per call (default 45, an assumption: no "
        "published figure); the drives there and back come on top in the simulation.",
    )


@dataclass
class SimulationChoices:
    """The choices of the call simulation (``simulate``, and ``report``); None: the
    bundled default (``data/boundaries/hours_default.json``, with its source).
    """

    calls_per_day: float | None = _calls_per_day()
    minutes_per_call: float | None = _minutes_per_call()
    service: str | None = param(
        None,
        flag="--service",
        help="Service-time distribution (default lognormal).",
        kind="choice",
        choices=("lognormal", "exponential"),
    )
    service_cv: float | None = param(
        None,
        flag="--service-cv",
        help="Lognormal service time: standard deviation / mean (default 0.67).",
    )
    max_wait_min: float = param(
        0.0,
        flag="--max-wait",
        help="Minutes a call may wait for a free team; 0: a call that finds none free is "
        "missed (it goes to police, as HEART's dispatch works).",
    )
    weeks: int = param(52, flag="--weeks", help="Weeks to simulate (1 to 520).")
    seed: int = param(0, flag="--seed", help="Random seed (0 to 4294967295).")
    max_events: int = param(
        5_000_000,
        flag="--max-events",
        help="Refuse a simulation run that would draw more calls than this (calls a day x 7 "
        "x weeks; each costs about 100 bytes).",
    )
    teams: tuple[int, ...] | None = param(
        None,
        flag="--teams",
        help="Teams curve: simulate each of these numbers of teams on duty (placed on the "
        "staging sites in turn), e.g. --teams 1..8.",
        kind="teams",
    )
    call_profile: str | None = param(
        None,
        flag="--call-profile",
        help="CSV of the relative call rate per hour of the week: columns weekday (Mon..Sun), "
        "hour (0..23), weight; 168 rows (default: from --calls times when there are at "
        "least 168, else flat, an assumption).",
    )
    dispatch_min: float | None = param(
        None,
        flag="--dispatch-minutes",
        help="Minutes from a call to the team rolling (call handling and turnout), added to "
        "every response and to the team's busy time (default 2: an assumption, HEART "
        "publishes none).",
    )
    police_minutes_per_call: float | None = param(
        None,
        flag="--police-minutes-per-call",
        help="Police minutes saved per call a team answers (default 28.4: an assumption "
        "from HEART's reported 5,500 police hours freed over 11,612 responses).",
    )
    team_cost_per_hour: float | None = param(
        None,
        flag="--team-cost-per-hour",
        help="Dollars per team-hour on duty (default 131: an assumption from a $4M, 44-staff "
        "costing of a 24/7 service, teams of three).",
    )
    police_cost_per_call: float | None = param(
        None,
        flag="--police-cost-per-call",
        help="Dollars per call answered by police instead (default 646: Denver STAR's "
        "figure, an assumption for Durham).",
    )
    standard_min: float = param(
        10.0,
        flag="--standard",
        help="Response standard: minutes from a call to a team's arrival; calls answered "
        "within it are 'answered in standard' (default 10: an assumption, heartgeo's headline "
        "band; HEART publishes no response standard).",
    )
    answered_target: float | None = param(
        None,
        flag="--target",
        help="Report the teams on duty needed to answer this share (0-1] of the eligible "
        "calls (HEART answered 0.50-0.55 in 2025); without --teams, 1..20 teams are tried.",
    )


@dataclass
class SiteChoices:
    """The choices of a siting run (``heartgeo site``)."""

    area: str = field(
        default_factory=city_area,
        metadata={
            "flag": "--area",
            "help": "Study area whose population is to be served.",
            "option": {"kind": "area"},
        },
    )
    objective: str = param(
        "mclp",
        flag="--objective",
        help="mclp: most people within --minutes with --units sites; lscp: fewest sites "
        "covering --target of the people; pmedian: lowest mean time; pcenter: lowest worst "
        "time; mexclp: most people expected to find a free unit (busy probability q).",
        kind="choice",
        choices=OBJECTIVES,
    )
    units: int = param(4, flag="--units", help="Number of sites K.")
    minutes: float = param(
        10.0,
        flag="--minutes",
        help="Coverage time T (minutes) for mclp, lscp, mexclp and the planner's curve.",
    )
    candidates: str = param(
        "fire",
        flag="--candidates",
        help="Candidate sites: 'fire' (fire-station layer), 'nodes' (road nodes every "
        "--candidate-spacing metres) or a CSV/GeoJSON file of points.",
    )
    candidate_spacing_m: float = param(
        1000.0, flag="--candidate-spacing", help="Spacing (metres) of the road-node candidates."
    )
    fixed: str | None = param(
        None,
        flag="--fixed",
        help="Sites kept open: a CSV/GeoJSON file, 'city_hall' (HEART's base), or 'default' "
        "(the default staging of the area).",
    )
    staging: str | None = param(
        None,
        flag="--staging",
        help="Today's staging sites, compared with the chosen ones: a CSV/GeoJSON file of "
        "points (default: the default staging of --area).",
    )
    baseline: str | None = param(
        None,
        flag="--baseline",
        help="Staging to compare the chosen sites with: a CSV/GeoJSON file of points "
        "(default: City Hall alone, HEART's base); the current sites are always compared too.",
    )
    target: float = param(
        0.9,
        flag="--target",
        help="Share of the population (0-1] to cover within --minutes: lscp's goal, and the "
        "units needed that the planner's curve reports.",
    )
    busy_q: float | None = param(
        None, flag="--busy", help="mexclp: probability q in [0, 1) that a unit is busy on a call."
    )
    calls_per_hour: float | None = param(
        None,
        flag="--calls-per-hour",
        help="mexclp: calls per hour in the area, to derive q with --minutes-per-call "
        "(default: from --calls-per-day, as in heartgeo simulate).",
    )
    calls_per_day: float | None = _calls_per_day()
    minutes_per_call: float | None = _minutes_per_call()
    max_units: int = param(
        12, flag="--max-units", help="Planner's curve: coverage for K = 1 .. this."
    )
    time_limit_s: float = param(
        120.0, flag="--time-limit", help="Seconds the MILP solver may use per model."
    )
    candidates_outside: str = param(
        "keep",
        flag="--candidates-outside",
        help="Candidate sites outside the study area: keep them (a unit there can serve the "
        "area from outside) or drop them; either way they are listed in site_summary.json.",
        kind="choice",
        choices=("keep", "drop"),
    )


#: Python name -> command-line option of the siting and simulation choices, for messages.
CHOICE_FLAGS = {
    f.name: f.metadata["flag"] for cls in (SiteChoices, SimulationChoices) for f in fields(cls)
}
