"""A partner's numbers for a period (DESIGN §8), added up from the daily rollups (insights.models).

Definitions, the same for the page, the CSV and the API:
- a lead belongs to the period when it was *received* in it; every figure describes those leads' *current* status;
- "accepted" counts leads the partner said yes to: now accepted, won or lost (so a month's `accepted` in `by_month`
  is the leads received that month that are now accepted, won or lost, and its `won` those now won);
- acceptance rate = accepted / (accepted + declined + expired); win rate = won / (won + lost); None with no
  denominator;
- time to answer = `decided_at - received_at` of the leads now accepted, won, lost or declined (expired leads were
  never answered, leads still received not yet);
- pipeline value = the deal values of the leads now accepted, won value those now won, per currency.

Three queries whatever the period: the day rows summed per day (at most 1,827 rows), the totals per currency and
reason, and the time-to-answer percentiles (insights.answers).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404

from insights.answers import ACCEPTED_STATUSES, answer_times, percentile
from insights.models import (
    ANSWER_BUCKET_HOURS,
    ANSWER_COLUMNS,
    STATUS_COLUMNS,
    TYPE_COLUMNS,
    PartnerDay,
    PartnerDayTotal,
    Total,
)
from insights.period import Period
from insights.scope import period_days, period_leads
from leads.models import LeadType, Status
from profiles.models import Organisation

__all__ = [
    "ANSWER_BUCKET_HOURS",
    "Insights",
    "insights_for",
    "insights_partner_for",
    "percentile",
    "period_days",
    "period_leads",
]


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


def insights_for(user, *, period: Period, partner: Organisation | None = None) -> Insights:
    """Every figure of the page, the CSV and the API for the leads `user` may see (of `partner`, or all)."""
    months = {month: Month(month=month) for month in period.months()}
    by_status = dict.fromkeys(Status.values, 0)
    histogram = [0] * len(ANSWER_COLUMNS)
    columns = (*STATUS_COLUMNS, *TYPE_COLUMNS, *ANSWER_COLUMNS)
    per_day = (
        period_days(PartnerDay, user, period, partner)
        .values("day")
        .annotate(**{f"{column}_sum": Sum(column) for column in columns})
        .values_list("day", *(f"{column}_sum" for column in columns))
    )
    types, answers = len(STATUS_COLUMNS), len(STATUS_COLUMNS) + len(TYPE_COLUMNS)
    for day, *counts in per_day:
        statuses = dict(zip(STATUS_COLUMNS, counts[:types]))
        row = months[day.replace(day=1)]
        for status, n in statuses.items():
            by_status[status] += n
        row.received += sum(statuses.values())
        row.accepted += sum(statuses[status] for status in ACCEPTED_STATUSES)
        row.won += statuses[Status.WON]
        for lead_type, n in zip(TYPE_COLUMNS, counts[types:answers]):
            row.by_type[lead_type] += n
        histogram = [total + n for total, n in zip(histogram, counts[answers:])]
    totals: dict[str, dict] = {kind: {} for kind in Total.values}
    for kind, key, leads, value in (
        period_days(PartnerDayTotal, user, period, partner)
        .values("kind", "key")
        .annotate(n=Sum("leads"), amount=Sum("value"))
        .values_list("kind", "key", "n", "amount")
    ):
        if kind == Total.DECLINED:
            totals[kind][key] = leads
        elif value is not None:
            totals[kind][key] = value
    median, p90 = answer_times(user, period, partner)
    return Insights(
        period=period,
        partner=partner,
        by_status=by_status,
        by_month=list(months.values()),
        pipeline_value=dict(sorted(totals[Total.PIPELINE].items())),
        won_value=dict(sorted(totals[Total.WON].items())),
        decline_reasons=dict(sorted(totals[Total.DECLINED].items(), key=lambda item: (-item[1], item[0]))),
        answer_histogram=histogram,
        median_response_hours=median,
        p90_response_hours=p90,
    )
