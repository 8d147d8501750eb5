"""Reads of routing: the partners that may get a lead, best first, each with its score and reasons."""
from collections.abc import Collection, Mapping

from django.db.models import Q
from django.utils import timezone

from routing import history as hist
from routing.models import PartnerMonth, PartnerStat
from routing.ranking import Match, rank
from routing.scoring import LeadRequest
from routing.snapshot import current_index

__all__ = ["LeadRequest", "Match", "partners_match"]

MAX_LIMIT = 50


def _history(partner_ids: list[int], dims: list[tuple[str, str]]) -> Mapping[int, Mapping]:
    wanted = Q()
    for dimension, value in dims:
        wanted |= Q(dimension=dimension, value=value)
    records: dict[int, dict] = {}
    rows = PartnerStat.objects.filter(wanted, partner_id__in=partner_ids).values_list(
        "partner_id", "dimension", "value", *hist.COUNTERS)
    for pid, dimension, value, *counters in rows:
        records.setdefault(pid, {})[(dimension, value)] = hist.Counts(*counters)
    return records


def _used_this_month(partner_ids: list[int]) -> Mapping[int, int]:
    month = hist.month_of(timezone.now())
    return dict(PartnerMonth.objects.filter(month=month, partner_id__in=partner_ids)
                .values_list("partner_id", "received"))


def partners_match(request: LeadRequest, *, exclude: Collection[int] = (), limit: int = 10) -> list[Match]:
    """The eligible partners for a lead, best first, at most `limit` (≤ 50).

    `exclude` holds the organisation ids already tried in the lead's routing chain: they are never offered again.
    """
    return rank(current_index(), request, history=_history, used=_used_this_month,
                exclude=frozenset(exclude), limit=min(limit, MAX_LIMIT))
