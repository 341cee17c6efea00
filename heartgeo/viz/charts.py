"""Inline SVG charts: the weekday x hour heatmap and a small line chart.

Plain SVG strings (no JavaScript, no CDN): they open offline, print cleanly and embed in
any HTML page. Colours come from a colour-blind-safe sequential scale (viridis stops).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from heartgeo.io.hours import DAYS

#: Viridis at 0, 0.25, 0.5, 0.75, 1 (perceptually uniform, colour-blind safe).
_VIRIDIS = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float
)


#: Okabe-Ito colours (distinct for every colour vision) for the series of a chart.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]


def _finite(series: dict) -> dict:
    """The series' points with a finite value (a share is None without calls); series
    left with no point are dropped.
    """
    out = {}
    for name, (x, y) in series.items():
        x, y = np.asarray(x, float), np.asarray(y, float)
        ok = np.isfinite(y)
        if ok.any():
            out[name] = (x[ok], y[ok])
    return out


def _legend_room(series: dict, right: int, width: int) -> tuple[int, int]:
    """The right margin and width that fit the legend's longest name (about 6.5 px a
    character at 11 px type): the chart grows, the plot keeps its size.
    """
    longest = max((len(str(name)) for name in series), default=0)
    need = int(36 + 6.5 * longest)
    return (need, width + need - right) if need > right else (right, width)


def svg_open(width: int, height: int, title: str) -> list[str]:
    """The opening of an accessible SVG chart: its size, label and title line."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]


def colour(value: float) -> str:
    """Hex colour of a share in [0, 1] on the viridis scale; light grey for missing."""
    if value is None or not np.isfinite(value):
        return "#dddddd"
    x = float(np.clip(value, 0.0, 1.0)) * (len(_VIRIDIS) - 1)
    i = min(int(x), len(_VIRIDIS) - 2)
    rgb = _VIRIDIS[i] + (_VIRIDIS[i + 1] - _VIRIDIS[i]) * (x - i)
    return "#" + "".join(f"{int(round(c)):02x}" for c in rgb)


def week_heatmap_svg(table: pd.DataFrame, column: str, title: str, cell: int = 22) -> str:
    """A weekday x hour heatmap of ``table[column]`` (168 rows, ``hour_of_week`` order),
    shares 0..1 coloured on viridis, each cell with a tooltip, a legend below.
    """
    values = table.sort_values("hour_of_week")[column].to_numpy(float)
    left, top = 40, 34
    width, height = left + 24 * cell + 10, top + 7 * cell + 56
    parts = svg_open(width, height, title)
    for h in range(0, 24, 3):
        parts.append(f'<text x="{left + h * cell + 2}" y="{top - 4}">{h:02d}</text>')
    for d, day in enumerate(DAYS):
        y = top + d * cell
        parts.append(f'<text x="0" y="{y + cell * 0.7:.0f}">{day}</text>')
        for h in range(24):
            v = values[d * 24 + h]
            shown = "no data" if not np.isfinite(v) else f"{100 * v:.1f} %"
            parts.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{colour(v)}"><title>{day} {h:02d}:00-{h + 1:02d}:00: {shown}</title></rect>'
            )
    y = top + 7 * cell + 14
    for i in range(11):
        parts.append(
            f'<rect x="{left + i * 2 * cell}" y="{y}" width="{2 * cell}" height="10" '
            f'fill="{colour(i / 10)}"/>'
        )
        if i % 2 == 0:
            parts.append(f'<text x="{left + i * 2 * cell}" y="{y + 24}">{i * 10} %</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str,
    x_label: str,
    y_label: str,
    width: int = 520,
    height: int = 300,
) -> str:
    """Lines of shares (0..1) against integer x, one per named series, with a legend."""
    series = _finite(series)
    if not series:  # no calls simulated: nothing to draw, said in words
        return f"<p>{escape(title)}: no calls simulated, nothing to draw.</p>"
    left, right, top, bottom = 56, 130, 30, 44
    right, width = _legend_room(series, right, width)
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()]) if series else [0, 1]
    x0, x1 = float(np.min(xs)), float(np.max(xs))
    span = max(x1 - x0, 1.0)

    def px(x: float) -> float:
        return left + (x - x0) / span * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - y) * (height - top - bottom)

    parts = svg_open(width, height, title)
    for i in range(6):
        y = i / 5
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
            'stroke="#ccc"/>'
            f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{100 * y:.0f} %</text>'
        )
    for x in np.unique(xs):
        parts.append(
            f'<text x="{px(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x:g}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2:.0f}" y="{height - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text x="12" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(top + height - bottom) / 2:.0f})">{escape(y_label)}</text>'
    )
    styles = SERIES_COLOURS
    for i, (name, (x, y)) in enumerate(series.items()):
        c = styles[i % len(styles)]
        pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, y, strict=True))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for a, b in zip(x, y, strict=True):
            parts.append(
                f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="3" fill="{c}">'
                f"<title>{escape(name)}: {a:g} \u2192 {100 * b:.1f} %</title></circle>"
            )
        ly = top + 14 + 18 * i
        parts.append(
            f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{ly}" y2="{ly}" '
            f'stroke="{c}" stroke-width="2"/>'
            f'<text x="{width - right + 34}" y="{ly + 4}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def page(title: str, sections: list[tuple[str, str]], notes: list[str]) -> str:
    """A self-contained HTML page: a title, sections (heading, HTML body) and notes."""
    body = "".join(f"<section><h2>{escape(h)}</h2>{html}</section>" for h, html in sections)
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222;padding:0 1em}"
        "section{margin:1.5em 0}svg{max-width:100%;height:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "@media print{section{break-inside:avoid}}"
        f"</style></head><body><h1>{escape(title)}</h1>{body}<ul>{items}</ul></body></html>"
    )


def bar_chart_svg(
    categories: list[str],
    series: dict[str, list[float]],
    title: str,
    y_label: str,
    width: int = 560,
    height: int = 300,
) -> str:
    """Grouped bars of shares (0..1): one group per category, one bar per series, each bar
    labelled with its value; a legend on the right.
    """
    left, right, top, bottom = 56, 120, 30, 40
    right, width = _legend_room(series, right, width)
    plot_w, plot_h = width - left - right, height - top - bottom
    n_series = max(len(series), 1)
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / n_series
    colours = SERIES_COLOURS
    parts = svg_open(width, height, title)
    for i in range(6):
        y = top + plot_h * (1 - i / 5)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{20 * i} %</text>'
        )
    for g, cat in enumerate(categories):
        x0 = left + g * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series.items()):
            v = values[g]
            v = 0.0 if v is None or not np.isfinite(v) else float(v)
            h = plot_h * min(max(v, 0.0), 1.0)
            x = x0 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{colours[s % len(colours)]}">'
                f"<title>{escape(name)}, {escape(cat)}: {100 * v:.1f} %</title></rect>"
                f'<text x="{x + bar_w / 2 - 1:.1f}" y="{top + plot_h - h - 3:.1f}" '
                f'text-anchor="middle">{100 * v:.0f}%</text>'
            )
        parts.append(
            f'<text x="{left + (g + 0.5) * group_w:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(cat)}</text>'
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.0f})">{escape(y_label)}</text>'
    )
    for s, name in enumerate(series):
        y = top + 10 + 18 * s
        parts.append(
            f'<rect x="{width - right + 12}" y="{y - 9}" width="12" height="12" '
            f'fill="{colours[s % len(colours)]}"/>'
            f'<text x="{width - right + 30}" y="{y + 1}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
