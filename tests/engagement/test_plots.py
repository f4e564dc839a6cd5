"""Server-side SVG charts: pure functions, escaped, no inline style."""

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output
from datetime import date, timedelta

from engagement.plots import Series, _nice_max, line_chart

D = date(2026, 6, 1)
NS = "{http://www.w3.org/2000/svg}"


def days(values):
    return [(D + timedelta(days=i), v) for i, v in enumerate(values)]


def test_line_chart_is_valid_svg_with_one_polyline_per_series():
    svg = line_chart(
        title="Relationships and connections",
        series=[Series("Relationships", days([1, 2, 3])), Series("Connections", days([4, 4, 5]))],
    )
    root = ET.fromstring(svg)  # noqa: S314
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Relationships and connections"
    assert "Connections: 5 on 3 June 2026" in root.find(f"{NS}desc").text
    lines = root.findall(f"{NS}polyline")
    assert [line.get("class") for line in lines] == [
        "plot__line plot__line--0",
        "plot__line plot__line--1",
    ]
    assert "style" not in svg


def test_line_chart_puts_the_largest_value_below_a_round_top():
    svg = line_chart(title="Active", series=[Series("Active", days([0, 7]))])
    root = ET.fromstring(svg)  # noqa: S314
    labels = [t.text for t in root.findall(f"{NS}text")]
    assert labels[:3] == ["0", "5", "10"]
    points = root.find(f"{NS}polyline").get("points").split()
    # 0 sits on the bottom line, 7 of 10 at 70 % of the height above it.
    assert points[0] == "68.0,190.0" and points[1] == "470.0,65.4"


def test_line_chart_breaks_the_line_at_missing_values():
    svg = line_chart(
        title="Turnout", series=[Series("Turnout", days([None, 30, 40, None, 50]))], percent=True
    )
    root = ET.fromstring(svg)  # noqa: S314
    assert len(root.findall(f"{NS}polyline")) == 1
    assert len(root.findall(f"{NS}circle")) == 1
    assert [t.text for t in root.findall(f"{NS}text")][:3] == ["0 %", "50 %", "100 %"]


def test_line_chart_escapes_text():
    svg = line_chart(title='<script>alert("x")</script>', series=[Series("<b>", days([1]))])
    assert "<script>" not in svg and "<b>" not in svg
    ET.fromstring(svg)  # noqa: S314


def test_line_chart_without_data_says_so():
    svg = line_chart(title="Nothing", series=[Series("Nothing", [])])
    assert "No data yet" in svg
    assert not re.search(r"<polyline", svg)
    days_without_values = line_chart(title="Turnout", series=[Series("T", days([None, None]))])
    assert "No data yet" in days_without_values and "1 Jun" in days_without_values


def test_nice_max_rounds_up():
    assert [_nice_max(v) for v in (0, 1, 3, 7, 11, 26, 240)] == [1, 1, 5, 10, 20, 50, 250]
