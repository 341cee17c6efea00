"""The planner's report: current against optimised staging, the planner's curve as a
self-contained SVG chart, and notes, on one HTML page.
"""

from __future__ import annotations

import html

import pandas as pd


def curve_svg(curve: pd.DataFrame, minutes: float, target: float) -> str:
    """A small self-contained SVG line chart of coverage against the number of units."""
    w, h, pad = 560, 300, 45
    ks = curve["units"].to_numpy()
    share = curve["covered_share"].to_numpy(dtype=float)
    x = pad + (ks - ks.min()) / max(ks.max() - ks.min(), 1) * (w - 2 * pad)
    y = h - pad - share * (h - 2 * pad)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    ty = h - pad - target * (h - 2 * pad)
    ticks = "".join(
        f'<text x="{a:.1f}" y="{h - pad + 16}" font-size="11" text-anchor="middle">{k}</text>'
        for a, k in zip(x, ks, strict=True)
    )
    yticks = "".join(
        f'<text x="{pad - 6}" y="{h - pad - v * (h - 2 * pad) + 4:.1f}" font-size="11" '
        f'text-anchor="end">{int(v * 100)} %</text>'
        for v in (0, 0.25, 0.5, 0.75, 1.0)
    )
    dots = "".join(
        f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="#253494"/>'
        for a, b in zip(x, y, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="population within {minutes:g} minutes against number of units">'
        f'<rect width="{w}" height="{h}" fill="white"/>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{ty:.1f}" x2="{w - pad}" y2="{ty:.1f}" stroke="#d95f02" stroke-dasharray="5 4"/>'
        f'<text x="{w - pad}" y="{ty - 5:.1f}" font-size="11" text-anchor="end" fill="#d95f02">'
        f"target {target:.0%}</text>"
        f'<polyline points="{points}" fill="none" stroke="#253494" stroke-width="2"/>{dots}{ticks}{yticks}'
        f'<text x="{w / 2}" y="{h - 8}" font-size="12" text-anchor="middle">units (K)</text>'
        f'<text x="12" y="{pad - 14}" font-size="12">population within {minutes:g} min</text></svg>'
    )


#: The comparison's and the curve's columns as a reader's headers (others are left out).
HEADERS = {
    "staging": "Staging",
    "units": "Sites",
    "names": "Site names",
    "population": "Residents",
    "covered": "Residents within {T} min",
    "covered_within_{T}min": "Residents within {T} min",
    "covered_share": "Share within {T} min",
    "expected_covered_busy_q": "Expected to find a free unit (busy q)",
    "mean_minutes": "Mean drive (min)",
    "worst_minutes": "Worst drive (min)",
    "optimal": "Proven optimal",
}


def readable(table: pd.DataFrame, minutes: float, people: str = "Residents") -> pd.DataFrame:
    """A table with readable headers and values: people whole, shares in per cent, times
    to 0.1 min; columns without a header (site ids, methods) left out.
    """
    out = pd.DataFrame()
    for column in table.columns:
        header = HEADERS.get(column.replace(f"{minutes:g}min", "{T}min"))
        if header is None:
            continue
        values = table[column]
        if "share" in column:
            values = values.map(lambda v: f"{100 * v:.1f} %" if v == v else "n/a")
        elif "minutes" in column:
            values = values.map(lambda v: f"{v:.1f}")
        elif column in ("population", "covered") or column.startswith(("covered", "expected")):
            values = values.map(lambda v: f"{v:,.0f}")
        name = header.replace("{T}", f"{minutes:g}").replace("Residents", people)
        out[name] = values.to_numpy()
    return out


def site_report_html(
    title: str,
    comparison: pd.DataFrame,
    curve: pd.DataFrame,
    svg: str,
    notes: list[str],
    minutes: float = 10.0,
    people: str = "Residents",
) -> str:
    """A self-contained HTML page: the comparison table, the planner's curve and notes,
    with readable headers (:func:`readable`).
    """
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:14px sans-serif;margin:24px;max-width:980px}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
        "td:first-child{text-align:left}th{background:#eee}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<h2>The chosen sites against the baseline and the current sites</h2>"
        f"{readable(comparison, minutes, people).to_html(index=False)}"
        "<h2>Planner's curve</h2>"
        f"{svg}{readable(curve, minutes, people).to_html(index=False)}"
        f"<h2>Notes</h2><ul>{items}</ul></body></html>\n"
    )
