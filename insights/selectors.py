"""A partner's numbers for a period (DESIGN §8), computed from the lead table through the tenant gate.

Definitions, the same for the page, the CSV and the API:
- a lead belongs to the period when it was *received* in it; every figure describes those leads' *current* status;
- "accepted" counts leads the partner said yes to: now accepted, won or lost (so a month's `accepted` in `by_month`
  is the leads received that month that are now accepted, won or lost, and its `won` those now won);
- acceptance rate = accepted / (accepted + declined + expired); win rate = won / (won + lost); None with no
  denominator;
- time to answer = `decided_at - received_at` of the leads now accepted, won, lost or declined (expired leads were
  never answered, leads still received not yet);
- pipeline value = the deal values of the leads now accepted, won value those now won, per currency.

Two queries whatever the period, each an index-only scan of `lead_insights_idx` on PostgreSQL (leads migration
0010): counts and deal values by (month, type, status, currency, reason); the time-to-answer percentiles and
histogram of the answered leads (percentile_cont on PostgreSQL, in Python on SQLite, the development database).
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from math import ceil, floor

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from insights.period import Period
from leads.models import Lead, LeadType, Status
from leads.selectors import lead_queryset_for
from profiles.models import Organisation

ACCEPTED_STATUSES = (Status.ACCEPTED, Status.WON, Status.LOST)
ANSWERED_STATUSES = (*ACCEPTED_STATUSES, Status.DECLINED)
VALUED_STATUSES = (Status.ACCEPTED, Status.WON)  # pipeline value, won value
# Upper bounds (in hours) of the time-to-answer histogram's buckets; the last bucket has none.
ANSWER_BUCKET_HOURS = (1, 4, 8, 24, 48, 72, 168)


def rate(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator / denominator


@dataclass
class Month:
    month: date
    received: int = 0
    accepted: int = 0
    won: int = 0
    by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LeadType.values, 0))


@dataclass
class Insights:
    period: Period
    partner: Organisation | None
    by_status: dict[str, int]
    by_month: list[Month]
    pipeline_value: dict[str, Decimal]
    won_value: dict[str, Decimal]
    decline_reasons: dict[str, int]
    answer_histogram: list[int]
    median_response_hours: float | None
    p90_response_hours: float | None

    @property
    def leads(self) -> int:
        return sum(self.by_status.values())

    @property
    def accepted(self) -> int:
        return sum(self.by_status[status] for status in ACCEPTED_STATUSES)

    @property
    def acceptance_rate(self) -> float | None:
        refused = self.by_status[Status.DECLINED] + self.by_status[Status.EXPIRED]
        return rate(self.accepted, self.accepted + refused)

    @property
    def win_rate(self) -> float | None:
        won, lost = self.by_status[Status.WON], self.by_status[Status.LOST]
        return rate(won, won + lost)


def insights_partner_for(user, slug: str | None) -> Organisation | None:
    """Whose numbers `user` asks for: ops staff any partner by slug (None: all partners), a partner member only
    its own organisation. Any other slug is a 404, whether it exists or not."""
    if getattr(user, "is_staff", False) and user.is_active:
        if not slug:
            return None
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise Http404("No such partner.")
        return organisation
    membership = getattr(user, "membership", None)
    if membership is None or not user.is_active:
        raise PermissionDenied("Insights are for partner members and vendor staff.")
    if slug and slug != membership.organisation.slug:
        raise Http404("No such partner.")
    return membership.organisation


def period_leads(user, period: Period, partner: Organisation | None = None) -> QuerySet[Lead]:
    """The leads `user` may see that were received in `period` (of `partner` only, when given)."""
    leads = lead_queryset_for(user).filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
    if partner is not None:
        leads = leads.filter(partner=partner)
    else:
        # Every lead has a partner, so this changes no figure; it lets PostgreSQL read each partner's range of
        # lead_insights_idx (partner_id, received_at) instead of the whole table.
        leads = leads.filter(partner_id__in=Organisation.objects.values("pk"))
    return leads.order_by()


def insights_for(user, *, period: Period, partner: Organisation | None = None) -> Insights:
    """Every figure of the page, the CSV and the API for the leads `user` may see (of `partner`, or all)."""
    leads = period_leads(user, period, partner)
    months = {month: Month(month=month) for month in period.months()}
    by_status = dict.fromkeys(Status.values, 0)
    starts = list(months)
    # One scan: (month, type, status) for the counts, with currency and reason for the values and the reasons.
    # Plain columns as keys: PostgreSQL knows how many values each has and hashes the groups in memory (with
    # expressions it expects a group per lead and sorts them all on disk instead).
    groups = (
        leads.annotate(month=MonthIndex([period.start_at, *map(_month_start_at, starts[1:])]))
        .values("month", "lead_type", "status", "currency", "reason")
        .annotate(n=Count("*"), value=Sum("deal_value", filter=Q(status__in=VALUED_STATUSES)))
        .values_list("month", "lead_type", "status", "currency", "reason", "n", "value")
    )
    pipeline, won_value, reasons = {}, {}, {}
    for month, lead_type, status, currency, reason, n, value in groups:
        by_status[status] += n
        row = months[starts[month - 1]]
        row.received += n
        row.by_type[lead_type] = row.by_type.get(lead_type, 0) + n
        row.accepted += n if status in ACCEPTED_STATUSES else 0
        row.won += n if status == Status.WON else 0
        if status == Status.DECLINED:
            reasons[reason] = reasons.get(reason, 0) + n
        elif value is not None and status in VALUED_STATUSES:
            totals = pipeline if status == Status.ACCEPTED else won_value
            totals[currency] = totals.get(currency, Decimal(0)) + value
    median, p90, histogram = answer_times(leads)
    return Insights(
        period=period,
        partner=partner,
        by_status=by_status,
        by_month=list(months.values()),
        pipeline_value=dict(sorted(pipeline.items())),
        won_value=dict(sorted(won_value.items())),
        decline_reasons=dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        answer_histogram=histogram,
        median_response_hours=median,
        p90_response_hours=p90,
    )


def _month_start_at(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, time.min), timezone.get_default_timezone())


class MonthIndex(Func):
    """Which month of the period a lead was received in: 1 for the first, given each month's first instant.

    PostgreSQL's width_bucket finds it by a binary search in the array; date_trunc's time zone arithmetic cost
    twice as much per lead. SQLite (development) gets the same from a CASE.
    """

    output_field = IntegerField()

    def __init__(self, starts: list[datetime]):
        super().__init__(F("received_at"))
        self.starts = starts

    def resolve_expression(self, *args, **kwargs):
        resolved = super().resolve_expression(*args, **kwargs)
        whens = [When(received_at__gte=start, then=Value(index)) for index, start in enumerate(self.starts, 1)]
        resolved.case = Case(*reversed(whens), default=Value(0), output_field=IntegerField()).resolve_expression(
            *args, **kwargs
        )
        return resolved

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.case)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"width_bucket({sql}, %s::timestamptz[])", [*params, self.starts]


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


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _answer_times_postgresql(answered: QuerySet[Lead]) -> tuple[list[int], float | None, float | None]:
    """One pass: the percentiles and, per bucket, how many leads were answered in less than its upper bound.

    The seconds are computed once in a subquery (OFFSET 0 keeps PostgreSQL from pulling the expression up into
    each of the nine aggregates), which halves the cost at hundreds of thousands of leads.
    """
    inner, params = answered.values(seconds=answer_seconds()).query.sql_with_params()
    under = ", ".join("count(*) FILTER (WHERE seconds < %s)" for _ in ANSWER_BUCKET_HOURS)
    sql = (
        f"SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds), {under}, count(*) "
        f"FROM ({inner} OFFSET 0) AS answered"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(hours * 3600 for hours in ANSWER_BUCKET_HOURS), *params])
        quantiles, *cumulative = cursor.fetchone()
    p50, p90 = quantiles or (None, None)
    return cumulative, p50, p90


def answer_times(leads: QuerySet[Lead]) -> tuple[float | None, float | None, list[int]]:
    """The median and 90th percentile of the answered leads' time to answer (hours), and its histogram."""
    answered = leads.filter(status__in=ANSWERED_STATUSES, decided_at__isnull=False)
    if connection.vendor == "postgresql":
        cumulative, p50, p90 = _answer_times_postgresql(answered)
    else:
        seconds = sorted(
            (decided - received).total_seconds()
            for received, decided in answered.values_list("received_at", "decided_at")
        )
        cumulative = [bisect_left(seconds, hours * 3600) for hours in ANSWER_BUCKET_HOURS] + [len(seconds)]
        p50, p90 = percentile(seconds, 0.5), percentile(seconds, 0.9)
    histogram = [count - previous for previous, count in zip([0, *cumulative], cumulative)]
    return _hours(p50), _hours(p90), histogram
