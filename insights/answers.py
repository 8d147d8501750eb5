"""Time to answer: the median and 90th percentile of the answered leads of a period, exactly.

Percentiles need every answer time, not counts: on PostgreSQL each day's rollup row keeps its answered leads'
seconds (`PartnerDay.answer_seconds`), and percentile_cont runs over those of the period's days; on SQLite (the
development database) the same interpolation runs in Python over the leads themselves. Both use the leads' own
`decided_at - received_at`, so both give what the lead table says.
"""

from math import ceil, floor

from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func, Q, QuerySet

from insights.models import PartnerDay
from insights.period import Period
from insights.scope import period_days, period_leads
from leads.models import Status

ACCEPTED_STATUSES = (Status.ACCEPTED, Status.WON, Status.LOST)
ANSWERED_STATUSES = (*ACCEPTED_STATUSES, Status.DECLINED)
ANSWERED = Q(status__in=ANSWERED_STATUSES, decided_at__isnull=False)


class _EpochSeconds(Func):
    """An interval in seconds as double precision (EXTRACT(EPOCH ...) gives numeric, many times slower to sort)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the `fraction` quantile, interpolated between the two nearest values."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def answer_seconds() -> _EpochSeconds:
    return _EpochSeconds(F("decided_at") - F("received_at"))


def percentile(ordered: list[float], fraction: float) -> float | None:
    """percentile_cont over an ascending list, for databases without it (SQLite)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = floor(position), ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _seconds_of(pairs) -> list[float]:
    return sorted((decided - received).total_seconds() for received, decided in pairs)


def _unnested(days: QuerySet, *columns: str) -> tuple[str, list]:
    """FROM … for the answer seconds of `days` (rollup rows), one row per answered lead as `seconds`."""
    inner, params = days.values(*columns, "answer_seconds").query.sql_with_params()
    return f"FROM ({inner}) AS days, unnest(days.answer_seconds) AS seconds", list(params)


def answer_times(user, period: Period, partner=None) -> tuple[float | None, float | None]:
    """The median and 90th percentile (hours) of the time to answer of the answered leads `user` may see that were
    received in `period` (of `partner`, or all)."""
    if connection.vendor != "postgresql":
        answered = period_leads(user, period, partner).filter(ANSWERED)
        seconds = _seconds_of(answered.values_list("received_at", "decided_at"))
        return hours(percentile(seconds, 0.5)), hours(percentile(seconds, 0.9))
    days = period_days(PartnerDay, user, period, partner)
    if days.query.is_empty():  # nobody's leads (the tenant gate): nothing to compile
        return None, None
    source, params = _unnested(days)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) {source}", params)
        quantiles = cursor.fetchone()[0]
    p50, p90 = quantiles or (None, None)
    return hours(p50), hours(p90)


def median_answer_seconds_by_partner(user, period: Period) -> tuple[str, list] | dict[int, float]:
    """Each partner's median time to answer (seconds) in `period`: on PostgreSQL the SQL (and its parameters) of
    rows (partner_id, median), to join; elsewhere worked out as {partner id: median}."""
    if connection.vendor == "postgresql":
        source, params = _unnested(period_days(PartnerDay, user, period), "partner_id")
        sql = f"SELECT days.partner_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median {source}"
        return f"{sql} GROUP BY days.partner_id", params
    pairs: dict[int, list[tuple]] = {}
    answered = period_leads(user, period).filter(ANSWERED)
    for partner_id, received, decided in answered.values_list("partner_id", "received_at", "decided_at"):
        pairs.setdefault(partner_id, []).append((received, decided))
    return {partner_id: percentile(_seconds_of(answers), 0.5) for partner_id, answers in pairs.items()}
