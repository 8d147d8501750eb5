"""Reads of routing: the partners that may get a lead, best first, each with its score and reasons."""

from collections.abc import Collection, Mapping

from django.db import connection
from django.utils import timezone

from routing import history as hist
from routing.models import PartnerMonth, PartnerStat
from routing.ranking import Match, rank
from routing.scoring import LeadRequest
from routing.snapshot import current_index

__all__ = ["LeadRequest", "Match", "partners_match"]

MAX_LIMIT = 50


def _id_list(ids: list[int]) -> tuple[str, list]:
    """`= ANY(array)` on PostgreSQL (one parameter, however many ids); an IN list elsewhere (SQLite in development)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


# Both lookups run on every match, so they are one plain statement each, without the ORM's per-query building
# (which costs more than the query itself here). The unique (partner, dimension, value) index serves the first.
def _history(partner_ids: list[int], dims: list[tuple[str, str]]) -> Mapping[int, Mapping]:
    table = connection.ops.quote_name(PartnerStat._meta.db_table)
    counters = ", ".join(connection.ops.quote_name(name) for name in hist.COUNTERS)
    ids_sql, ids_params = _id_list(partner_ids)
    if connection.vendor == "postgresql":
        # The same statement text whatever the number of ids and dimensions, so the driver parses it once.
        dims_sql = "IN (SELECT * FROM unnest(%s::varchar[], %s::varchar[]))"
        dims_params = [[dimension for dimension, _value in dims], [value for _dimension, value in dims]]
    else:
        dims_sql = f"IN ({', '.join(['(%s, %s)'] * len(dims))})"
        dims_params = [part for dim in dims for part in dim]
    wanted = set(dims)
    records: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT partner_id, dimension, value, {counters} FROM {table} "
            f"WHERE partner_id {ids_sql} AND (dimension, value) {dims_sql}",
            [*ids_params, *dims_params],
        )
        for pid, dimension, value, *numbers in cursor.fetchall():
            if (dimension, value) in wanted:
                records.setdefault(pid, {})[(dimension, value)] = hist.Counts(*numbers)
    return records


def _used_this_month(partner_ids: list[int]) -> Mapping[int, int]:
    table = connection.ops.quote_name(PartnerMonth._meta.db_table)
    ids_sql, ids_params = _id_list(partner_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT partner_id, received FROM {table} WHERE month = %s AND partner_id {ids_sql}",
            [hist.month_of(timezone.now()), *ids_params],
        )
        return dict(cursor.fetchall())


def partners_match(request: LeadRequest, *, exclude: Collection[int] = (), limit: int = 10) -> list[Match]:
    """The eligible partners for a lead, best first, at most `limit` (≤ 50).

    `exclude` holds the organisation ids already tried in the lead's routing chain: they are never offered again.
    """
    return rank(
        current_index(),
        request,
        history=_history,
        used=_used_this_month,
        exclude=frozenset(exclude),
        limit=min(limit, MAX_LIMIT),
    )
