"""The vendor's partner league: each partner's answering record for a period, for ops staff only."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q

from insights.period import Period
from insights.selectors import (
    ACCEPTED_STATUSES,
    ANSWERED_STATUSES,
    Percentile,
    answer_seconds,
    percentile,
    period_leads,
    rate,
)
from leads.models import Status
from profiles.models import Organisation

# What the league sorts by: the `sort` query value (a leading "-" for descending) → the row's attribute.
LEAGUE_COLUMNS = ("partner", "leads", "acceptance_rate", "median_response_hours", "expired_share", "win_rate")
DEFAULT_SORT = "-expired_share"


@dataclass
class LeagueRow:
    partner: str
    slug: str
    leads: int
    accepted: int
    declined: int
    expired: int
    won: int
    lost: int
    median_response_hours: float | None

    @property
    def acceptance_rate(self) -> float | None:
        return rate(self.accepted, self.accepted + self.declined + self.expired)

    @property
    def expired_share(self) -> float | None:
        return rate(self.expired, self.leads)

    @property
    def win_rate(self) -> float | None:
        return rate(self.won, self.won + self.lost)


def league_sort(value: str | None) -> str:
    """A valid sort from the query string; anything else falls back to the default (most expired first)."""
    return value if value and value.lstrip("-") in LEAGUE_COLUMNS else DEFAULT_SORT


def partner_league(user, *, period: Period, sort: str = DEFAULT_SORT) -> list[LeagueRow]:
    """Every partner's row, those without a figure for the sorted column last whichever the direction."""
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("The partner league is for vendor staff.")
    leads = period_leads(user, period)
    answered = Q(status__in=ANSWERED_STATUSES, decided_at__isnull=False)
    aggregates = {
        "leads": Count("*"),
        "accepted": Count("received_at", filter=Q(status__in=ACCEPTED_STATUSES)),
        "declined": Count("received_at", filter=Q(status=Status.DECLINED)),
        "expired": Count("received_at", filter=Q(status=Status.EXPIRED)),
        "won": Count("received_at", filter=Q(status=Status.WON)),
        "lost": Count("received_at", filter=Q(status=Status.LOST)),
    }
    postgres = connection.vendor == "postgresql"
    if postgres:
        aggregates["median"] = Percentile(answer_seconds(), 0.5, filter=answered)
    figures = {row.pop("partner_id"): row for row in leads.values("partner_id").annotate(**aggregates)}
    if not postgres:
        for partner_id, seconds in _median_seconds(leads.filter(answered)).items():
            figures[partner_id]["median"] = seconds
    rows = []
    for partner_id, name, slug in Organisation.objects.order_by("name").values_list("pk", "name", "slug"):
        row = figures.get(partner_id, {})
        median = row.pop("median", None)
        rows.append(
            LeagueRow(
                partner=name,
                slug=slug,
                median_response_hours=None if median is None else median / 3600,
                **{key: row.get(key, 0) for key in aggregates if key != "median"},
            )
        )
    return _sorted(rows, league_sort(sort))


def _median_seconds(answered) -> dict[int, float]:
    seconds: dict[int, list[float]] = {}
    for partner_id, received, decided in answered.values_list("partner_id", "received_at", "decided_at"):
        seconds.setdefault(partner_id, []).append((decided - received).total_seconds())
    return {partner_id: percentile(sorted(values), 0.5) for partner_id, values in seconds.items()}


def _sorted(rows: list[LeagueRow], sort: str) -> list[LeagueRow]:
    column, descending = sort.lstrip("-"), sort.startswith("-")
    if column == "partner":
        return sorted(rows, key=lambda row: row.partner.casefold(), reverse=descending)
    known = [row for row in rows if getattr(row, column) is not None]
    unknown = [row for row in rows if getattr(row, column) is None]
    # Stable sorts: ties keep the partners' alphabetical order.
    return sorted(known, key=lambda row: getattr(row, column), reverse=descending) + unknown
