"""``index.html``: the one page to open first after ``heartgeo report``.

A single self-contained HTML page (inline CSS, inline SVG charts, a few lines of inline
JavaScript to sort tables; nothing fetched): the headline comparison of the pilot and
citywide scenarios, coverage by band as a bar chart, per-beat tables sortable by gap, the
hour-of-week heatmaps, the simulation where it ran, links to every map and data file with
a copy-paste ``<iframe>`` snippet per map, and the inputs and assumptions. A print
stylesheet makes "print to PDF" give clean pages.

The page is built from plain data (:class:`ReportData`) that :mod:`heartgeo.report.pages` assembles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.analysis.weekly import week_shares
from heartgeo.io.hours import brief_hours
from heartgeo.numbers import percent, points
from heartgeo.viz.charts import bar_chart_svg, line_chart_svg, week_heatmap_svg
from heartgeo.viz.outcomes import outcome_bars_svg

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#fff;
  max-width:1150px;margin:0 auto;padding:0 16px 40px;line-height:1.45}
h1{font-size:26px;margin:18px 0 4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:2px solid #ddd}
h3{font-size:16px;margin:18px 0 6px}
a{color:#0645ad}
.meta{color:#555;font-size:13px}
.screening{background:#fff3cd;border:1px solid #b38600;color:#222;padding:8px 12px;border-radius:4px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#eee}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}
table.sortable th:after{content:" \\2195";color:#555}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ccc;border-radius:6px;padding:10px 14px;min-width:260px;flex:1}
.card .big{font-size:28px;font-weight:bold}
pre{background:#f6f6f6;border:1px solid #ddd;padding:6px 8px;white-space:pre-wrap;font-size:12px}
.scroll{max-height:480px;overflow:auto}
svg{max-width:100%;height:auto}
@media print{
  body{max-width:none;padding:0}
  h2{break-after:avoid}
  section,table,svg,.card{break-inside:avoid}
  .scroll{max-height:none;overflow:visible}
  table.sortable th:after{content:""}
  a[href^="map_"]:after,a[href$=".csv"]:after{content:" (" attr(href) ")";color:#555;font-size:11px}
  @page{margin:14mm}
}
"""

SORT_JS = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var dir = th.getAttribute('data-dir') === 'desc' ? 1 : -1;
      th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
        var nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) { return dir * (nx - ny); }
        return dir * String(x).localeCompare(String(y));
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


@dataclass
class ReportData:
    """Everything the report page shows, as plain data.

    Attributes
    ----------
    title, created, version
        Page title, creation time and heartgeo version.
    model_label, screening, model_because
        The travel model's label, whether it is a screening estimate, and why it runs.
    headline, week_line
        The printed headline and the week's person-hours line.
    bands_min
        The bands (minutes).
    scenarios
        Per scenario: ``name``, ``area`` (the area table's row as a dict), ``beats``
        (DataFrame), ``hours`` (DataFrame), ``hours_info`` (dict) and ``units``.
    maps
        (file name, description) of each map.
    files
        (file name, description) of every other output.
    assumptions
        (topic, text) rows of the inputs and assumptions.
    simulation
        Per scenario its simulation figures and per-hour table, or None.
    """

    title: str
    created: str
    version: str
    model_label: str
    screening: bool
    model_because: str
    headline: str
    week_line: str
    bands_min: tuple[float, ...]
    scenarios: list[dict]
    maps: list[tuple[str, str]]
    files: list[tuple[str, str]]
    assumptions: list[tuple[str, str]]
    simulation: list[dict] | None = None
    teams_curve: dict = field(default_factory=dict)


def _num(v) -> str:
    return "n/a" if v is None or v != v else f"{v:,.0f}"


def _cell(v, text: str | None = None) -> str:
    value = "" if v is None or (isinstance(v, float) and v != v) else v
    return f'<td class="num" data-v="{escape(str(value))}">{escape(text if text is not None else str(v))}</td>'


def headline_cards(data: ReportData) -> str:
    """One card per scenario: the share within the headline band, large, and the rest."""
    band = headline_band(data.bands_min)
    cards = []
    for sc in data.scenarios:
        row = sc["area"]
        lines = [f"{_num(row['population'])} residents, {len(sc['units'])} unit(s)"]
        for m in data.bands_min:
            lab = band_label(m)
            lines.append(
                f"within {m:g} min: {_num(row[f'population_{lab}'])} "
                f"({percent(row[f'population_share_{lab}'])})"
            )
        lines.append(
            f"gap beyond {data.bands_min[-1]:g} min: {percent(row['gap_population_share'])}"
        )
        known = row["known_population_share"]
        lines.append(f"unknown (no road data): {percent(None if known != known else 1 - known)}")
        if f"calls_share_{band_label(band)}" in row:
            lines.append(
                f"calls within {band:g} min: {percent(row[f'calls_share_{band_label(band)}'])}"
            )
        share = week_shares(sc["hours"], data.bands_min)["person_hours_share"][band_label(band)]
        lines.append(
            f"person-hours within {band:g} min of a unit on duty: {percent(share)} "
            f"({brief_hours(str(sc['hours_info'].get('hours')))})"
        )
        items = "".join(f"<div>{escape(t)}</div>" for t in lines)
        cards.append(
            f'<div class="card"><div>{escape(sc["name"])}: residents within {band:g} min</div>'
            f'<div class="big">{percent(row[f"population_share_{band_label(band)}"])}</div>{items}</div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def beats_table(frame: pd.DataFrame, bands_min: tuple[float, ...]) -> str:
    """A beat table sortable by any column, sorted by the gap (residents) first."""
    frame = frame.sort_values("gap_population", ascending=False)
    heads = ["Beat", "District", "Residents"]
    heads += [f"within {m:g} min" for m in bands_min]
    heads += [f"gap residents (beyond {bands_min[-1]:g} min)", "gap share", "unknown share"]
    head = "".join(
        f'<th class="{"" if i < 2 else "num"}" scope="col">{escape(h)}</th>'
        for i, h in enumerate(heads)
    )
    rows = []
    for _, r in frame.iterrows():
        cells = [
            f'<td data-v="{escape(str(r["zone"]))}">{escape(str(r["zone"]))}</td>',
            f'<td data-v="{escape(str(r["district"]))}">{escape(str(r["district"]))}</td>',
            _cell(r["population"], _num(r["population"])),
        ]
        for m in bands_min:
            v = r[f"population_share_{band_label(m)}"]
            cells.append(_cell(v, percent(v)))
        known = r["known_population_share"]
        cells += [
            _cell(r["gap_population"], _num(r["gap_population"])),
            _cell(r["gap_population_share"], percent(r["gap_population_share"])),
            _cell(
                None if known != known else 1 - known,
                percent(None if known != known else 1 - known),
            ),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _simulation_section(data: ReportData) -> str:
    if not data.simulation:
        return ""
    band = headline_band(data.bands_min)
    head = (
        "<tr><th>scenario</th><th class='num'>teams</th><th class='num'>calls a day</th>"
        "<th class='num'>answered</th>"
        + "".join(f"<th class='num'>within {m:g} min</th>" for m in data.bands_min)
        + "<th class='num'>drive, median</th><th class='num'>team utilisation</th></tr>"
    )
    rows = [_simulation_row(sim, data.bands_min) for sim in data.simulation]
    lab = f"within_{band:g}min_share"
    maps = [
        week_heatmap_svg(
            sim["hours"].fillna({lab: 0.0}),
            lab,
            f"{sim['scenario']}: simulated calls answered within {band:g} min, by hour",
        )
        for sim in data.simulation
    ]
    curve = _teams_curve(data.teams_curve, band)
    ends = outcome_bars_svg(
        {
            sim["scenario"]: sim["outcomes"]["shares"]
            for sim in data.simulation
            if "outcomes" in sim
        },
        "Where the city's eligible calls end (simulated)",
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in data.simulation[0].get("notes", []))
    return (
        "<section><h2>Calls and busy teams (simulation)</h2>"
        "<p>Calls arrive at random from the demand; the nearest free team on duty drives there, "
        "serves the call and drives back; a call that finds no free team is missed (it goes to "
        "police). Shares are of all eligible calls, at every hour; &plusmn; is the 95 % "
        "confidence half-width over the simulated weeks.</p>"
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        f"{ends}{curve}{''.join(maps)}<ul>{notes}</ul></section>"
    )


def _simulation_row(sim: dict, bands_min) -> str:
    """A scenario's row of the simulation table."""
    f = sim["figures"]
    cells = [
        f"<td>{escape(sim['scenario'])}</td>",
        f"<td class='num'>{f['teams']}</td>",
        f"<td class='num'>{sim['calls_per_day']:.1f}</td>",
        f"<td class='num'>{percent(f['answered_share'])} &plusmn; {points(f['answered_ci95'])}</td>",
    ]
    cells += [f"<td class='num'>{percent(f[f'within_{m:g}min_share'])}</td>" for m in bands_min]
    drive = f.get("travel_p50_min")
    cells += [
        f"<td class='num'>{'n/a' if drive is None else f'{drive:.1f} min'}</td>",
        f"<td class='num'>{percent(f.get('utilisation'))}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _teams_curve(teams_curve: dict, band: float) -> str:
    """The teams curve chart (empty without a curve)."""
    if not teams_curve:
        return ""
    series = {
        name: (
            np.array([r["teams"] for r in rows]),
            np.array([r[f"within_{band:g}min_share"] for r in rows]),
        )
        for name, rows in teams_curve.items()
    }
    return line_chart_svg(
        series,
        f"Teams on duty and calls answered within {band:g} min",
        "teams on duty",
        "share of calls",
    )


def iframe_snippet(name: str, description: str) -> str:
    """The copy-paste ``<iframe>`` that embeds a map in another page."""
    return (
        f'<iframe src="{name}" title="{description}" width="100%" height="600" '
        'style="border:0" loading="lazy"></iframe>'
    )


def _lists(data: ReportData) -> tuple[str, str, str, str]:
    """The report's beat tables, map list, file list and assumptions table, as HTML."""
    beats = "".join(
        f"<h3>{escape(sc['name'])}</h3>{beats_table(sc['beats'], data.bands_min)}"
        for sc in data.scenarios
        if len(sc["beats"])
    )
    maps = "".join(
        f'<li><a href="{escape(name)}">{escape(name)}</a>: {escape(desc)}'
        f"<pre>{escape(iframe_snippet(name, desc))}</pre></li>"
        for name, desc in data.maps
    )
    files = "".join(
        f'<li><a href="{escape(name)}">{escape(name)}</a>: {escape(desc)}</li>'
        for name, desc in data.files
    )
    assumptions = "".join(
        f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in data.assumptions
    )
    return beats, maps, files, assumptions


def report_page(data: ReportData) -> str:
    """The whole ``index.html`` page."""
    band_names = [f"{m:g} min" for m in data.bands_min]
    chart = bar_chart_svg(
        band_names,
        {
            sc["name"]: [sc["area"][f"population_share_{band_label(m)}"] for m in data.bands_min]
            for sc in data.scenarios
        },
        f"Residents within each drive time of a unit ({'screening estimate' if data.screening else 'network drive times'})",
        "share of the area's residents",
    )
    band = headline_band(data.bands_min)
    heatmaps = "".join(
        week_heatmap_svg(
            sc["hours"],
            f"population_share_{band_label(band)}",
            f"{sc['name']}: residents within {band:g} min of a unit on duty ({sc['hours_info'].get('hours')})",
        )
        for sc in data.scenarios
    )
    beats, maps, files, assumptions = _lists(data)
    banner = (
        f'<p class="screening"><b>{escape(data.model_label[0].upper() + data.model_label[1:])}</b></p>'
        if data.screening
        else f'<p class="meta">{escape(data.model_label)}</p>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(data.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(data.title)}</h1>"
        f'<p class="meta">heartgeo {escape(data.version)} (when and from which inputs: '
        '<a href="summary.json">summary.json</a>); travel model: '
        f"{escape(data.model_because)}</p>{banner}"
        f"<section><h2>Headline</h2><p><b>{escape(data.headline)}</b><br>{escape(data.week_line)}</p>"
        f"{headline_cards(data)}</section>"
        f"<section><h2>Coverage by drive time</h2>{chart}</section>"
        f"<section><h2>Coverage by hour of the week</h2>{heatmaps}</section>"
        f"{_simulation_section(data)}"
        "<section><h2>Police beats, largest gap first</h2><p>Click a column to sort. Gap: "
        "residents beyond the largest band of every unit (known area only); unknown: no "
        f"road data.</p>{beats}</section>"
        f"<section><h2>Maps</h2><p>Open a map, or paste its snippet into a web page (keep the "
        f"map file next to that page).</p><ul>{maps}</ul></section>"
        f"<section><h2>Data files</h2><ul>{files}</ul></section>"
        f"<section><h2>Inputs and assumptions</h2><table>{assumptions}</table></section>"
        f"<script>{SORT_JS}</script></body></html>"
    )
