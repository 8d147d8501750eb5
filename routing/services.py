"""Writes of routing's learnt statistics: one outcome at a time (inside the lead's transaction) or all at once.

Both paths count through routing.history, so recording N outcomes one by one leaves exactly the rows a rebuild
from the same N outcomes writes (tests/routing/test_stats.py).
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone as django_timezone

from routing import history as hist
from routing.history import Outcome
from routing.models import PartnerMonth, PartnerStat
from routing.snapshot import current_index, partners_changed

__all__ = ["Outcome", "outcome_record", "outcomes_record", "partners_changed", "stats_rebuild"]

REBUILD_BATCH = 5000


def _month(at: datetime | None) -> date:
    return hist.month_of(at or django_timezone.now())


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _upsert_stats(partner_id: int, counter: str, dims: list[tuple[str, str]]) -> None:
    """One statement adds 1 to `counter` on every dimension's row, creating missing rows; safe under concurrency
    (ON CONFLICT takes the row lock), and rows are always touched in sorted order, so two writers never deadlock.
    """
    column = connection.ops.quote_name(counter)
    columns = ", ".join(connection.ops.quote_name(name) for name in hist.COUNTERS)
    values = ", ".join(["(%s, %s, %s, " + ", ".join(["%s"] * len(hist.COUNTERS)) + ")"] * len(dims))
    params = []
    for dimension, value in sorted(dims):  # the order outcomes_record uses too: no two writers ever deadlock
        params += [partner_id, dimension, value, *(int(name == counter) for name in hist.COUNTERS)]
    table = _table(PartnerStat)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (partner_id, dimension, value, {columns}) VALUES {values} "
            f"ON CONFLICT (partner_id, dimension, value) DO UPDATE SET {column} = {table}.{column} + 1",
            params,
        )


def _upsert_month(partner_id: int, month: date) -> None:
    table = _table(PartnerMonth)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (partner_id, month, received) VALUES (%s, %s, 1) "
            f"ON CONFLICT (partner_id, month) DO UPDATE SET received = {table}.received + 1",
            [partner_id, month],
        )


def outcome_record(outcome: Outcome) -> None:
    """Learn from one thing that happened to a lead: call it inside the lead's transaction, for every decision.

    `received` of a qualified lead also counts against the partner's monthly capacity. A spam decline teaches
    nothing. The need's keywords are the terms any partner's profile uses (the routing vocabulary).
    """
    counter, dims = hist.outcome_increments(outcome, current_index().vocabulary)
    if counter is not None:
        _upsert_stats(outcome.partner_id, counter, dims)
    if hist.counts_capacity(outcome):
        _upsert_month(outcome.partner_id, _month(outcome.at))


def _lock_tables() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Writers (outcome_record) wait for the rebuild instead of adding to rows it is about to replace.
            cursor.execute(f"LOCK TABLE {_table(PartnerStat)}, {_table(PartnerMonth)} IN SHARE ROW EXCLUSIVE MODE")


@transaction.atomic
def stats_rebuild(outcomes: Iterable[Outcome]) -> tuple[int, int]:
    """The nightly job's body: replace every statistic with what the full list of outcomes says.

    Returns (statistic rows, month rows) written.
    """
    vocabulary = current_index().vocabulary
    stats: dict[tuple[int, str, str], hist.Counts] = {}
    months: dict[tuple[int, date], int] = {}
    for outcome in outcomes:
        counter, dims = hist.outcome_increments(outcome, vocabulary)
        if counter is not None:
            for dimension, value in dims:
                stats.setdefault((outcome.partner_id, dimension, value), hist.Counts()).add(counter)
        if hist.counts_capacity(outcome):
            key = (outcome.partner_id, _month(outcome.at))
            months[key] = months.get(key, 0) + 1
    _lock_tables()
    PartnerStat.objects.all().delete()
    PartnerMonth.objects.all().delete()
    PartnerStat.objects.bulk_create(
        (
            PartnerStat(partner_id=pid, dimension=dimension, value=value, **vars(counts))
            for (pid, dimension, value), counts in stats.items()
        ),
        batch_size=REBUILD_BATCH,
    )
    PartnerMonth.objects.bulk_create(
        (PartnerMonth(partner_id=pid, month=month, received=received) for (pid, month), received in months.items()),
        batch_size=REBUILD_BATCH,
    )
    return len(stats), len(months)


def outcomes_record(outcomes: Iterable[Outcome]) -> None:
    """Learn from many outcomes at once (a job's batch: a thousand expiries), adding to the same rows as
    `outcome_record` would one by one, in two statements however many outcomes there are."""
    vocabulary = current_index().vocabulary
    stats: dict[tuple[int, str, str], hist.Counts] = {}
    months: dict[tuple[int, date], int] = {}
    for outcome in outcomes:
        counter, dims = hist.outcome_increments(outcome, vocabulary)
        if counter is not None:
            for dimension, value in dims:
                stats.setdefault((outcome.partner_id, dimension, value), hist.Counts()).add(counter)
        if hist.counts_capacity(outcome):
            key = (outcome.partner_id, _month(outcome.at))
            months[key] = months.get(key, 0) + 1
    quote = connection.ops.quote_name
    if stats:
        table, names = _table(PartnerStat), [quote(name) for name in hist.COUNTERS]
        rows = sorted(stats.items())  # always in the same order, so two writers never deadlock
        values = ", ".join(["(" + ", ".join(["%s"] * (3 + len(names))) + ")"] * len(rows))
        params = [
            part
            for (pid, dimension, value), counts in rows
            for part in (pid, dimension, value, *(getattr(counts, name) for name in hist.COUNTERS))
        ]
        updates = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (partner_id, dimension, value, {', '.join(names)}) VALUES {values} "
                f"ON CONFLICT (partner_id, dimension, value) DO UPDATE SET {updates}",
                params,
            )
    if months:
        table, rows = _table(PartnerMonth), sorted(months.items())
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        params = [part for (pid, month), received in rows for part in (pid, month, received)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (partner_id, month, received) VALUES {values} "
                f"ON CONFLICT (partner_id, month) DO UPDATE SET received = {table}.received + "
                f"EXCLUDED.received",
                params,
            )
