"""The response-time figure on each business profile, which the directory ranks by (leads -> profiles)."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median

from django.db import connection
from django.db.models import Aggregate, F, FloatField
from django.db.models.functions import Extract
from django.utils import timezone

from leads.models import Lead
from profiles.models import BusinessProfile

RESPONSE_TIME_WINDOW_DAYS = 90


def profile_refresh_response_time(*, organisation_id: int, now: datetime | None = None) -> float | None:
    """Recompute one partner's `median_response_hours`; the directory ranks quicker responders higher."""
    return profiles_refresh_response_times(organisation_ids=[organisation_id], now=now).get(organisation_id)


def profiles_refresh_response_times(
    *, organisation_ids: Iterable[int] | None = None, now: datetime | None = None
) -> dict[int, float | None]:
    """Set each business profile's median hours from received to accepted/declined over the last 90 days.

    Run it periodically (the window moves with time) and after each decision; partners with no decided
    lead in the window get None, which the directory ranks after every partner with a figure.
    """
    now = now or timezone.now()
    decided = Lead.objects.filter(
        decided_at__isnull=False, decided_at__gte=now - timedelta(days=RESPONSE_TIME_WINDOW_DAYS)
    )
    profiles = BusinessProfile.objects.all()
    if organisation_ids is not None:
        organisation_ids = list(organisation_ids)
        decided = decided.filter(partner_id__in=organisation_ids)
        profiles = profiles.filter(organisation_id__in=organisation_ids)
    medians = _median_response_hours(decided)
    result = {}
    for profile in profiles.only("pk", "organisation_id", "median_response_hours"):
        hours = medians.get(profile.organisation_id)
        result[profile.organisation_id] = hours
        if profile.median_response_hours != hours:
            BusinessProfile.objects.filter(pk=profile.pk).update(median_response_hours=hours)
    return result


class _Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_response_hours(decided) -> dict[int, float]:
    if connection.vendor == "postgresql":
        rows = (
            decided.values("partner_id")
            .annotate(seconds=_Median(Extract(F("decided_at") - F("received_at"), "epoch")))
            .values_list("partner_id", "seconds")
        )
        return {partner_id: seconds / 3600 for partner_id, seconds in rows}
    # SQLite (the zero-setup development database) has no percentile aggregate.
    durations: dict[int, list[float]] = {}
    for partner_id, received_at, decided_at in decided.values_list("partner_id", "received_at", "decided_at"):
        durations.setdefault(partner_id, []).append((decided_at - received_at).total_seconds() / 3600)
    return {partner_id: median(values) for partner_id, values in durations.items()}
