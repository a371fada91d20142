"""Horizontal bar charts laid out on the server, drawn as SVG that needs no JavaScript.

Each bar sits under its own line of text (label left, value right), so that the chart stays
readable when a phone shrinks it, and every chart carries a title, a summary and the numbers.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 400
ROW_HEIGHT = 38
TEXT_BASELINE = 15
BAR_TOP = 21
BAR_HEIGHT = 11
MIN_VISIBLE = 2


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: Decimal
    value_text: str
    url: str = ""


@dataclass(frozen=True)
class Bar:
    row: ChartRow
    text_y: int
    bar_y: int
    width: float
    label: str  # the row's label, shortened to fit beside its value


# Average advance of a 14px system-font character, to keep a label clear of its value.
CHAR_WIDTH = 8.2
LABEL_GAP = 14


def fit_label(label: str, value_text: str) -> str:
    room = int((WIDTH - len(value_text) * CHAR_WIDTH - LABEL_GAP) / CHAR_WIDTH)
    if len(label) <= room:
        return label
    return label[: max(room - 1, 1)].rstrip() + "…"


@dataclass(frozen=True)
class BarChart:
    slug: str
    title: str
    summary: str
    bars: list[Bar]
    width: int
    height: int
    bar_height: int = BAR_HEIGHT

    @property
    def is_empty(self) -> bool:
        return not self.bars


def bar_chart(slug: str, title: str, rows: Iterable[ChartRow], unit: str = "") -> BarChart:
    """Lay out one bar per row, scaled to the largest value; zero stays zero."""
    rows = list(rows)
    largest = max((row.value for row in rows), default=Decimal(0))
    bars = []
    for index, row in enumerate(rows):
        top = index * ROW_HEIGHT
        width = float(row.value / largest * WIDTH) if largest > 0 else 0.0
        if row.value > 0:
            width = max(width, MIN_VISIBLE)
        label = fit_label(row.label, row.value_text)
        bars.append(Bar(row, top + TEXT_BASELINE, top + BAR_TOP, round(width, 1), label))
    if rows and largest > 0:
        top_row = max(rows, key=lambda row: row.value)
        summary = (
            f"{len(rows)} bars{f' ({unit})' if unit else ''}. "
            f"Largest: {top_row.label}, {top_row.value_text}."
        )
    elif rows:
        summary = f"{len(rows)} bars, all zero."
    else:
        summary = "No data."
    return BarChart(slug, title, summary, bars, WIDTH, max(len(rows) * ROW_HEIGHT, 1))
