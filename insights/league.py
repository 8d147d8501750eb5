"""The vendor's partner league: each partner's answering record for a period, for ops staff only."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Sum

from insights.answers import ACCEPTED_STATUSES, hours, median_answer_seconds_by_partner
from insights.models import STATUS_COLUMNS, PartnerDay
from insights.period import Period
from insights.scope import period_days
from insights.selectors import rate
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
    rows = []
    for _pk, name, slug, *counts, median in _figures(user, period):
        counts = dict(zip(STATUS_COLUMNS, (n or 0 for n in counts)))
        rows.append(
            LeagueRow(
                partner=name,
                slug=slug,
                leads=sum(counts.values()),
                accepted=sum(counts[status] for status in ACCEPTED_STATUSES),
                declined=counts[Status.DECLINED],
                expired=counts[Status.EXPIRED],
                won=counts[Status.WON],
                lost=counts[Status.LOST],
                median_response_hours=hours(median),
            )
        )
    return _sorted(rows, league_sort(sort))


def _figures(user, period: Period) -> list[tuple]:
    """(id, name, slug, leads in each status…, median seconds to answer) of every partner, by name: the rollups'
    sums and medians, joined in one statement on PostgreSQL."""
    organisations = Organisation.objects.order_by("name").values_list("pk", "name", "slug")
    sums = (
        period_days(PartnerDay, user, period)
        .values("partner_id")
        .annotate(**{f"{column}_sum": Sum(column) for column in STATUS_COLUMNS})
    )
    medians = median_answer_seconds_by_partner(user, period)
    if isinstance(medians, dict):  # SQLite: worked out in Python
        figures = {row["partner_id"]: [row[f"{column}_sum"] for column in STATUS_COLUMNS] for row in sums}
        empty = [0] * len(STATUS_COLUMNS)
        return [(*row, *figures.get(row[0], empty), medians.get(row[0])) for row in organisations]
    parts = [part.query.sql_with_params() for part in (organisations, sums)] + [medians]
    columns = ", ".join(f'sums."{column}_sum"' for column in STATUS_COLUMNS)
    sql = (
        f'SELECT o."pk", o."name", o."slug", {columns}, medians."median" FROM ({parts[0][0]}) AS o '
        f'LEFT JOIN ({parts[1][0]}) AS sums ON sums."partner_id" = o."pk" '
        f'LEFT JOIN ({parts[2][0]}) AS medians ON medians."partner_id" = o."pk" ORDER BY o."name"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _sql, params in parts for param in params])
        return cursor.fetchall()


def _sorted(rows: list[LeagueRow], sort: str) -> list[LeagueRow]:
    column, descending = sort.lstrip("-"), sort.startswith("-")
    if column == "partner":
        return sorted(rows, key=lambda row: row.partner.casefold(), reverse=descending)
    known = [row for row in rows if getattr(row, column) is not None]
    unknown = [row for row in rows if getattr(row, column) is None]
    # Stable sorts: ties keep the partners' alphabetical order.
    return sorted(known, key=lambda row: getattr(row, column), reverse=descending) + unknown
