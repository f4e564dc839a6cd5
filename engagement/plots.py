"""Small line charts drawn on the server as SVG: no JavaScript, no inline styles.

Pure functions from lists of ``(date, value)`` to SVG markup. Every piece of text is
escaped here; colours come from CSS classes (``static/css/health.css``: ``plot__line--0``,
``--1``), so the charts follow the light and dark themes. A value of ``None`` is a gap
(a day with nothing to measure, such as turnout before any vote), drawn as a break in the
line rather than as zero.

Each chart is a labelled image (``role="img"`` with a ``<title>`` and a ``<desc>`` naming
the latest values); the page puts the same numbers in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 480
HEIGHT = 220
# Room for the axis labels: left for the values, bottom for the dates.
LEFT, RIGHT, TOP, BOTTOM = 68, 10, 12, 30

Point = tuple[date, float | None]


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]


def _nice_max(value: float) -> float:
    """A round upper bound for the y axis: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _number(value: float, percent: bool) -> str:
    text = f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"
    return f"{text} %" if percent else text


def _segments(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known values (None breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    percent: bool = False,
    y_max: float | None = None,
    chart_id: str = "chart",
) -> SafeString:
    """An SVG line chart of one or more series over the same days.

    ``percent`` fixes the y axis at 0-100 % unless ``y_max`` says otherwise; otherwise
    the axis runs from 0 to a round number above the largest value."""
    days = sorted({day for s in series for day, _value in s.points})
    values = [v for s in series for _day, v in s.points if v is not None]
    top = y_max if y_max is not None else (100 if percent else _nice_max(max(values, default=0)))
    top = top or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = (days[0], days[-1]) if days else (None, None)
    span = max((last - first).days, 1) if days else 1

    def x_of(day: date) -> float:
        return LEFT + plot_w * ((day - first).days / span if len(days) > 1 else 0.5)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    latest = []
    for s in series:
        known = [(d, v) for d, v in s.points if v is not None]
        if known:
            day, value = known[-1]
            latest.append(f"{s.name}: {_number(value, percent)} on {day:%-d %B %Y}")
        else:
            latest.append(f"{s.name}: no data")
    desc = "; ".join(latest)
    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line class="plot__grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="plot__label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(top * fraction, percent))}</text>"
        )
    if not values:
        parts.append(
            f'<text class="plot__label plot__empty" x="{LEFT + plot_w / 2:.1f}" '
            f'y="{TOP + plot_h / 2:.1f}" text-anchor="middle">No data yet</text>'
        )
    if days:
        parts.append(
            f'<text class="plot__label" x="{LEFT}" y="{HEIGHT - 6}" text-anchor="start">'
            f"{escape(f'{first:%-d %b}')}</text>"
        )
        if len(days) > 1:
            parts.append(
                f'<text class="plot__label" x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" '
                f'text-anchor="end">{escape(f"{last:%-d %b}")}</text>'
            )
    for index, s in enumerate(series):
        css = f"plot__line plot__line--{index % 4}"
        points = [(x_of(d), None if v is None else y_of(v)) for d, v in sorted(s.points)]
        for run in _segments(points):
            if len(run) == 1:
                x, y = run[0]
                parts.append(f'<circle class="{css} plot__dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>')
            else:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline class="{css}" fill="none" points="{coords}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
