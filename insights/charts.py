"""The insights charts as SVG geometry, computed here so the templates only place shapes.

Coordinates are strings ("12.5"): a template would otherwise localise them ("12,5" in Czech), which SVG rejects.
Colours come from CSS classes (static/css/insights.css); nothing here is a style attribute, so the strict CSP holds.
"""

from dataclasses import dataclass, field
from itertools import pairwise
from math import ceil, log10

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from insights.selectors import ANSWER_BUCKET_HOURS, Insights
from leads.models import DeclineReason, LeadType, Status

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
ROW_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 30, 250, 70
TYPE_CLASSES = {value: f"type-{value.replace('_', '-')}" for value in LeadType.values}


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _n(value: float) -> str:
    return f"{value:.1f}"


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at least `value` (at least 1): the top of a value axis."""
    if value <= 1:
        return 1
    magnitude = 10 ** int(log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    css: str
    title: str
    value: int = 0


@dataclass
class Tick:
    y: str
    value: int


@dataclass
class Column:
    """One vertical bar or stack of the column charts, with its label under it."""

    label: object
    label_x: str
    bars: list[Bar] = field(default_factory=list)
    show_label: bool = True


@dataclass
class ColumnChart:
    width: int
    height: int
    left: str
    label_y: str
    plot_bottom: str
    plot_right: str
    ticks: list[Tick]
    columns: list[Column]


@dataclass
class Row:
    label: str
    value: int
    bar: Bar
    label_y: str
    value_x: str


@dataclass
class RowChart:
    height: int
    rows: list[Row]
    label_x: str = str(LABEL_WIDTH - 8)


def _ticks(top: int, plot_height: float) -> list[Tick]:
    # Every tick a whole number: the tops are 1, 2 or 5 × 10^k, so 4 or 5 steps divide all but 1 and 2.
    steps = next(steps for steps in (4, 5, top) if top % steps == 0)
    return [Tick(y=_n(TOP + plot_height - plot_height * i / steps), value=top * i // steps) for i in range(steps + 1)]


def column_chart(
    stacks: list[tuple[object, list[tuple[str, int, str]]]], *, height: int = 240, width: int = WIDTH
) -> ColumnChart:
    """Columns of stacked segments: `stacks` is [(label, [(css class, value, title), ...]), ...]."""
    plot_height = height - TOP - BOTTOM
    plot_width = width - LEFT - RIGHT
    top = nice_ceiling(max((sum(value for _, value, _ in segments) for _, segments in stacks), default=0))
    band = plot_width / max(len(stacks), 1)
    bar_width = min(band * 0.7, 48)
    every = ceil(len(stacks) / 12) if stacks else 1
    columns = []
    for index, (label, segments) in enumerate(stacks):
        x = LEFT + band * index + (band - bar_width) / 2
        base = TOP + plot_height
        column = Column(label=label, label_x=_n(LEFT + band * index + band / 2), show_label=index % every == 0)
        for css, value, title in segments:
            if not value:
                continue
            bar_height = plot_height * value / top
            base -= bar_height
            column.bars.append(
                Bar(x=_n(x), y=_n(base), width=_n(bar_width), height=_n(bar_height), css=css, title=title, value=value)
            )
        columns.append(column)
    return ColumnChart(
        width=width,
        height=height,
        left=str(LEFT),
        label_y=str(height - 8),
        plot_bottom=_n(TOP + plot_height),
        plot_right=_n(width - RIGHT),
        ticks=_ticks(top, plot_height),
        columns=columns,
    )


def row_chart(rows: list[tuple[str, int, str]], *, total: int | None = None) -> RowChart:
    """Horizontal bars, one per (label, value, css class), scaled to `total` (default: the largest value)."""
    scale = total or max((value for _, value, _ in rows), default=0) or 1
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    result = []
    for index, (label, value, css) in enumerate(rows):
        y = index * ROW_HEIGHT + 6
        width = plot_width * value / scale
        result.append(
            Row(
                label=label,
                value=value,
                label_y=_n(y + 13),
                value_x=_n(LABEL_WIDTH + width + 6),
                bar=Bar(
                    x=str(LABEL_WIDTH),
                    y=_n(y),
                    width=_n(width),
                    height="18",
                    css=css,
                    title=f"{label}: {_count(value)}",
                    value=value,
                ),
            )
        )
    return RowChart(height=len(rows) * ROW_HEIGHT + 6, rows=result)


def answer_bucket_labels() -> list[str]:
    def hours(value: int) -> str:
        return _("%(n)s h") % {"n": value} if value < 48 else _("%(n)s d") % {"n": value // 24}

    bounds = [0, *ANSWER_BUCKET_HOURS]
    labels = [f"{hours(low) if low else '0'}–{hours(high)}" for low, high in pairwise(bounds)]
    return [*labels, f"≥ {hours(ANSWER_BUCKET_HOURS[-1])}"]


def insights_charts(insights: Insights) -> dict:
    type_labels = dict(LeadType.choices)
    months = column_chart(
        [
            (
                row.month,
                [
                    (
                        TYPE_CLASSES[lead_type],
                        row.by_type.get(lead_type, 0),
                        f"{type_labels[lead_type]}: {_count(row.by_type.get(lead_type, 0))}",
                    )
                    for lead_type in LeadType.values
                ],
            )
            for row in insights.by_month
        ],
        height=260,
        width=1100,
    )
    by_status = insights.by_status
    outcomes = row_chart(
        [
            (_("Received"), insights.leads, "outcome-received"),
            (_("Accepted"), insights.accepted, "outcome-accepted"),
            (Status.WON.label, by_status[Status.WON], "outcome-won"),
            (Status.LOST.label, by_status[Status.LOST], "outcome-lost"),
            (Status.DECLINED.label, by_status[Status.DECLINED], "outcome-declined"),
            (Status.EXPIRED.label, by_status[Status.EXPIRED], "outcome-expired"),
            (_("Still waiting"), by_status[Status.RECEIVED], "outcome-waiting"),
        ],
        total=insights.leads,
    )
    labels = answer_bucket_labels()
    answers = column_chart(
        [
            (label, [("answer-bucket", count, f"{label}: {_count(count)}")])
            for label, count in zip(labels, insights.answer_histogram)
        ],
        height=200,
    )
    reason_labels = dict(DeclineReason.choices)
    reasons = row_chart(
        [
            (str(reason_labels.get(reason, reason or _("No reason given"))), count, "decline-reason")
            for reason, count in insights.decline_reasons.items()
        ]
    )
    return {
        "months": months,
        "outcomes": outcomes,
        "answers": answers,
        "answer_labels": labels,
        "reasons": reasons,
        "type_labels": [(TYPE_CLASSES[value], label) for value, label in LeadType.choices],
    }
