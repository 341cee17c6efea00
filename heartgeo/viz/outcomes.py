"""Inline SVG charts of where calls end: a stacked bar per scenario (shares of the city's
eligible calls) and a stacked column per hour of the week (shares of each hour's calls).

Colours are Okabe-Ito (distinct for every colour vision); every segment carries its value
in a tooltip, and the wider ones a label.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from heartgeo.io.hours import DAYS
from heartgeo.numbers import percent
from heartgeo.viz.charts import svg_open

#: outcome -> (legend label, colour)
OUTCOME_STYLE = {
    "answered_in_standard": ("answered within the standard", "#009E73"),
    "answered_late": ("answered later", "#56B4E9"),
    "missed_off_duty": ("missed: no team on duty", "#E69F00"),
    "missed_busy": ("missed: every team busy", "#D55E00"),
    "missed_outside_area": ("outside the scenario's area", "#999999"),
    "not_modelled_no_road_data": ("not modelled (no road data)", "#DDDDDD"),
}


def _legend(x: float, y: float, names: list[str]) -> list[str]:
    parts, step = [], 0.0
    for name in names:
        label, fill = OUTCOME_STYLE[name]
        parts.append(
            f'<rect x="{x + step:.0f}" y="{y - 9:.0f}" width="12" height="12" fill="{fill}"/>'
            f'<text x="{x + step + 16:.0f}" y="{y + 1:.0f}">{escape(label)}</text>'
        )
        step += 22 + 6.2 * len(label)
    return parts


def outcome_bars_svg(shares: dict[str, dict], title: str, width: int = 720) -> str:
    """One horizontal bar per scenario, split by outcome (``shares``: scenario -> outcome
    -> share of the city's eligible calls, summing to 1).
    """
    names = [n for n in OUTCOME_STYLE if any((s.get(n) or 0) > 0 for s in shares.values())]
    left, right, top, bar_h, gap = 90, 10, 28, 26, 10
    plot_w = width - left - right
    legend_rows = [names[:3], names[3:]]
    height = top + len(shares) * (bar_h + gap) + 22 * len([r for r in legend_rows if r]) + 8
    parts = svg_open(width, height, title)
    for i, (scenario, values) in enumerate(shares.items()):
        y, x = top + i * (bar_h + gap), float(left)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_h / 2 + 4:.0f}" text-anchor="end">'
            f"{escape(scenario)}</text>"
        )
        for name in names:
            v = float(values.get(name) or 0.0)
            w = plot_w * v
            label, fill = OUTCOME_STYLE[name]
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}">'
                f"<title>{escape(scenario)}: {escape(label)} {percent(v)}</title></rect>"
            )
            if w > 34:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + bar_h / 2 + 4:.0f}" '
                    f'text-anchor="middle">{100 * v:.0f}%</text>'
                )
            x += w
    y = top + len(shares) * (bar_h + gap) + 12
    for row in legend_rows:
        if row:
            parts += _legend(left, y, row)
            y += 22
    parts.append("</svg>")
    return "".join(parts)


def outcome_hours_svg(hours: pd.DataFrame, title: str, col_w: int = 4) -> str:
    """A stacked column per hour of the week: each outcome's share of that hour's calls
    (``hours``: the per-hour table with ``<outcome>_share`` columns); no calls: empty.
    """
    names = [n for n in list(OUTCOME_STYLE)[:4] if f"{n}_share" in hours.columns]
    left, top, plot_h = 40, 28, 120
    width = left + 168 * col_w + 10
    height = top + plot_h + 60
    parts = svg_open(width, height, title)
    for i in (0, 50, 100):
        y = top + plot_h * (1 - i / 100)
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.0f}" text-anchor="end">{i} %</text>'
            f'<line x1="{left}" x2="{left + 168 * col_w}" y1="{y:.0f}" y2="{y:.0f}" '
            'stroke="#ccc"/>'
        )
    for h in range(168):
        x, base = left + h * col_w, 0.0
        for name in names:
            v = hours[f"{name}_share"].iloc[h]
            v = 0.0 if v is None or not np.isfinite(v) else float(v)
            label, fill = OUTCOME_STYLE[name]
            y = top + plot_h * (1 - base - v)
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{plot_h * v:.1f}" '
                f'fill="{fill}"><title>{DAYS[h // 24]} {h % 24:02d}:00, {escape(label)}: '
                f"{percent(v)}</title></rect>"
            )
            base += v
    for d, day in enumerate(DAYS):
        parts.append(
            f'<text x="{left + (d + 0.5) * 24 * col_w:.0f}" y="{top + plot_h + 14}" '
            f'text-anchor="middle">{day}</text>'
        )
    parts += _legend(left, top + plot_h + 36, names)
    parts.append("</svg>")
    return "".join(parts)
