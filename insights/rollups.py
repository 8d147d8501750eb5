"""Writes of the daily rollups (insights.models): the days some leads touch, or every day, recomputed from the leads.

Incremental and nightly paths share `_compute`, which reads the lead table as the insights always did (the leads
received on a partner's day, by their current status), so a refreshed day holds exactly what a rebuild writes.
A refresh runs on a worker after the change commits (insights.subscribers), in a short transaction of its own: it
takes an advisory lock per (partner, day) in sorted order — two refreshes of one day run one after the other, each
reading what the other committed, and never deadlock — and locks no lead row, so no change ever waits for it.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from insights.answers import ANSWERED, answer_seconds
from insights.models import (
    ANSWER_BUCKET_HOURS,
    ANSWER_COLUMNS,
    STATUS_COLUMNS,
    TYPE_COLUMNS,
    PartnerDay,
    PartnerDayTotal,
    Total,
)
from leads.models import Lead, Status
from profiles.models import Organisation

Key = tuple[int, date]  # (partner id, the day its leads were received)
BATCH = 5000
REBUILD_DAYS = 7  # days of every partner per rebuild step: about 10,000 leads at 1,000,000 leads in two years


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def received_day() -> TruncDate:
    """The day a lead was received, in the site's time zone (the one periods and months are counted in)."""
    return TruncDate("received_at", tzinfo=timezone.get_default_timezone())


def _answer_buckets() -> dict[str, Count]:
    """Per histogram bucket, the answered leads whose time to answer is at least its lower bound and less than its
    upper bound (the page's histogram: `decided_at - received_at` of leads now accepted, won, lost or declined)."""
    answer = ExpressionWrapper(F("decided_at") - F("received_at"), output_field=DurationField())
    bounds = [None, *(timedelta(hours=hours) for hours in ANSWER_BUCKET_HOURS), None]
    buckets = {}
    for column, low, high in zip(ANSWER_COLUMNS, bounds, bounds[1:]):
        condition = ANSWERED
        if low is not None:
            condition &= GreaterThanOrEqual(answer, low)
        if high is not None:
            condition &= LessThan(answer, high)
        buckets[column] = Count("pk", filter=condition)
    return buckets


def _compute(leads: QuerySet[Lead]) -> tuple[list[PartnerDay], list[PartnerDayTotal]]:
    """The rollup rows of `leads`, grouped by (partner, received day): three grouped scans of the lead table."""
    leads = leads.order_by().annotate(day=received_day())
    counts = {
        **{column: Count("pk", filter=Q(status=column)) for column in STATUS_COLUMNS},
        **{column: Count("pk", filter=Q(lead_type=column)) for column in TYPE_COLUMNS},
        **_answer_buckets(),
    }
    if connection.vendor == "postgresql":  # the seconds the percentiles are read from (insights.answers)
        seconds = answer_seconds()
        counts["answer_seconds"] = ArrayAgg(seconds, filter=ANSWERED, order_by=seconds)
    days = [PartnerDay(**row) for row in leads.values("partner_id", "day").annotate(**counts)]
    totals = [
        PartnerDayTotal(
            partner_id=partner_id,
            day=day,
            kind=Total.PIPELINE if status == Status.ACCEPTED else Total.WON,
            key=currency,
            leads=n,
            value=value,
        )
        for partner_id, day, status, currency, n, value in leads.filter(status__in=(Status.ACCEPTED, Status.WON))
        .values("partner_id", "day", "status", "currency")
        .annotate(n=Count("pk"), value=Sum("deal_value"))
        .values_list("partner_id", "day", "status", "currency", "n", "value")
    ]
    totals += [
        PartnerDayTotal(partner_id=partner_id, day=day, kind=Total.DECLINED, key=reason, leads=n)
        for partner_id, day, reason, n in leads.filter(status=Status.DECLINED)
        .values("partner_id", "day", "reason")
        .annotate(n=Count("pk"))
        .values_list("partner_id", "day", "reason", "n")
    ]
    return days, totals


def _write(days: list[PartnerDay], totals: list[PartnerDayTotal]) -> None:
    PartnerDay.objects.bulk_create(days, batch_size=BATCH)
    PartnerDayTotal.objects.bulk_create(totals, batch_size=BATCH)


def rollup_keys_of(lead_ids: Iterable) -> list[Key]:
    """The (partner, received day) of each of these leads."""
    keys = Lead.objects.filter(pk__in=list(lead_ids)).order_by().annotate(day=received_day())
    return sorted(set(keys.values_list("partner_id", "day")))


def _lock(keys: list[Key]) -> None:
    """Wait for, then hold until the transaction ends, each (partner, day) in `keys` (sorted: whoever locks several
    takes them in the same order as everyone else, so two writers never wait on each other in a cycle)."""
    if connection.vendor != "postgresql":
        return  # SQLite (development) has one writer at a time
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(partner_id, day)) FROM unnest(%s::int[], %s::int[]) AS k(partner_id, day)",
            [[partner_id for partner_id, _day in keys], [day.toordinal() for _partner_id, day in keys]],
        )


def _replace(keys: list[Key], rows: Q, leads: Q) -> tuple[int, int]:
    """Under the keys' locks, the rollup rows matching `rows` replaced by those computed from the leads matching
    `leads` (the same days); returns (day rows, total rows) written."""
    _lock(keys)
    days, totals = _compute(Lead.objects.filter(leads))
    PartnerDay.objects.filter(rows).delete()
    PartnerDayTotal.objects.filter(rows).delete()
    _write(days, totals)
    return len(days), len(totals)


@transaction.atomic
def rollups_refresh(keys: Iterable[Key]) -> int:
    """Recompute these (partner, day) rollups from the leads; returns how many days were recomputed."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    rows = reduce(or_, (Q(partner_id=partner_id, day=day) for partner_id, day in keys))
    # One condition per day, naming its partners: each reads the day's range of lead_received_idx. One per
    # (partner, day) made PostgreSQL walk a partner's part of lead_tab_idx for some of them (its received_at comes
    # after the tab), and an expiry batch's thousand leads touch a hundred such keys.
    partners_by_day = defaultdict(list)
    for partner_id, day in keys:
        partners_by_day[day].append(partner_id)
    leads = reduce(
        or_,
        (
            Q(partner_id__in=partners, received_at__gte=_day_start(day), received_at__lt=_day_start(day + timedelta(1)))
            for day, partners in partners_by_day.items()
        ),
    )
    _replace(keys, rows, leads)
    return len(keys)


def rollups_refresh_leads(lead_ids: Iterable) -> int:
    """Recompute the days these leads were received on (the event subscriber's task, after the change commits)."""
    return rollups_refresh(rollup_keys_of(lead_ids))


def rollups_rebuild(*, days_per_step: int = REBUILD_DAYS) -> tuple[int, int]:
    """Replace every rollup with what the whole lead table says (nightly, and `manage.py insights_rebuild`).

    A few days of every partner at a time, each step in a transaction of its own under those days' locks: a change
    meanwhile waits for one step at most (not the whole rebuild), and its refresh runs after the step, so nothing
    it wrote is overwritten. Returns (day rows, total rows) written.
    """
    first, last = _day_range()
    partners = sorted(Organisation.objects.values_list("pk", flat=True))
    written = [0, 0]
    day = first
    while first is not None and day <= last:
        end = min(day + timedelta(days_per_step), last + timedelta(1))
        keys = [(partner_id, each) for partner_id in partners for each in _days(day, end)]
        with transaction.atomic():
            step = _replace(
                keys,
                Q(partner_id__in=partners, day__gte=day, day__lt=end),
                Q(partner_id__in=partners, received_at__gte=_day_start(day), received_at__lt=_day_start(end)),
            )
        written = [total + n for total, n in zip(written, step)]
        day = end
    return written[0], written[1]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(offset) for offset in range((end - start).days)]


def _day_range() -> tuple[date | None, date | None]:
    """The first and last day any lead was received on or any rollup describes (None, None: neither exists)."""
    received = Lead.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    described = PartnerDay.objects.aggregate(first=Min("day"), last=Max("day"))
    zone = timezone.get_default_timezone()
    days = [timezone.localtime(at, zone).date() for at in (received["first"], received["last"]) if at is not None]
    days += [day for day in (described["first"], described["last"]) if day is not None]
    return (min(days), max(days)) if days else (None, None)


__all__ = ["rollup_keys_of", "rollups_rebuild", "rollups_refresh", "rollups_refresh_leads"]
