"""The insights as CSV: the API's figures plus the page's (90th percentile, leads per month by type, the
time-to-answer histogram), one figure per row as `section,key,value`, numbers unlocalised for spreadsheets."""

import csv
import io
from itertools import pairwise

from insights.api import insights_json
from insights.selectors import ANSWER_BUCKET_HOURS, Insights
from leads.models import LeadType


def _number(value) -> str:
    return "" if value is None else str(value)


def _bucket_keys() -> list[str]:
    """Language-neutral names of the histogram's buckets: 0-1h, 1-4h, ..., 168h+."""
    bounds = [0, *ANSWER_BUCKET_HOURS]
    return [f"{low}-{high}h" for low, high in pairwise(bounds)] + [f"{bounds[-1]}h+"]


def insights_csv_rows(insights: Insights) -> str:
    figures = insights_json(insights)
    rows = [
        ("period", "from", insights.period.start.isoformat()),
        ("period", "to", insights.period.end.isoformat()),
        ("period", "partner", insights.partner.slug if insights.partner else "all"),
        ("leads", "", figures["leads"]),
    ]
    rows += [("by_status", status, count) for status, count in figures["by_status"].items()]
    rows += [(name, "", _number(figures[name])) for name in ("acceptance_rate", "win_rate", "median_response_hours")]
    rows.append(("p90_response_hours", "", _number(insights.p90_response_hours)))
    for name in ("pipeline_value", "won_value"):
        rows += [(name, currency, value) for currency, value in figures[name].items()]
    for row in figures["by_month"]:
        rows += [(f"by_month.{figure}", row["month"], row[figure]) for figure in ("received", "accepted", "won")]
    for month in insights.by_month:
        rows += [
            (f"by_month_type.{lead_type}", month.month.strftime("%Y-%m"), month.by_type.get(lead_type, 0))
            for lead_type in LeadType.values
        ]
    rows += [("decline_reasons", reason, count) for reason, count in figures["decline_reasons"].items()]
    rows += [
        ("response_hours_histogram", label, count) for label, count in zip(_bucket_keys(), insights.answer_histogram)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("section", "key", "value"))
    writer.writerows(rows)
    return buffer.getvalue()
