"""The periodic jobs, set-based: expire unanswered leads, cool hot ones."""

from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from common.connections import on_connections
from leads.events import Happened, publish
from leads.models import EventAction, Lead, LeadEvent, Status

# The periodic jobs. Each batch is one UPDATE (with its history rows) in its own short transaction;
# rows a person holds locked are skipped and picked up next run, and a row that changed status meanwhile
# no longer matches `status = 'received'`, so a person's decision is never overwritten.


def leads_expire_overdue(
    *, now: datetime | None = None, batch_size: int | None = None, workers: int | None = None
) -> int:
    """received → expired for every lead received at least LEADHUB_RESPONSE_DAYS ago; returns how many.

    On PostgreSQL `workers` connections (LEADHUB_JOB_WORKERS) drain a backlog side by side: each batch locks
    its rows with SKIP LOCKED, so no two take the same lead, and a backlog clears in a fraction of the time.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LEADHUB_RESPONSE_DAYS)
    batch_size = batch_size or settings.LEADHUB_JOB_BATCH_SIZE
    return on_connections(
        lambda: _expire_overdue(cutoff=cutoff, now=now, batch_size=batch_size),
        workers=workers or settings.LEADHUB_JOB_WORKERS,
        name="leadhub-job",
    )


def _expire_overdue(*, cutoff: datetime, now: datetime, batch_size: int) -> int:
    total, outermost = 0, not connection.in_atomic_block
    while True:
        with transaction.atomic():
            if outermost:
                _commit_without_waiting()
            expired = _expire_batch(cutoff=cutoff, now=now, batch_size=batch_size)
            publish(expired)
        total += len(expired)
        if len(expired) < batch_size:
            return total


def _commit_without_waiting() -> None:
    """The batch's own transaction commits without waiting for its WAL to reach the disk (a fifth of a batch's time
    after a checkpoint, when every page it touches is written out whole), as the retention job's and seed_bulk's do.
    A crash may then lose the last moments' batches: their leads are received again and the next run expires them
    once more. Nothing is sent for a lost batch, as every e-mail checks the lead's status first; its webhook
    deliveries vanish with it, and routing's nightly rebuild recounts its lessons."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


@cache
def _event_id_sequence() -> str:
    """The sequence the history events' ids come from (asked once per process)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [LeadEvent._meta.db_table])
        return cursor.fetchone()[0]


def _expire_batch(*, cutoff: datetime, now: datetime, batch_size: int) -> list[Happened]:
    """Expire one batch and record its history events; what happened, for the subscribers."""
    lead_table, event_table = Lead._meta.db_table, LeadEvent._meta.db_table
    if connection.vendor == "postgresql":
        sql = f"""
            WITH due AS (
                SELECT ctid FROM {lead_table}
                WHERE status = 'received' AND received_at <= %(cutoff)s
                ORDER BY received_at
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            ), expired AS (
                -- The rows are locked, so their physical address holds: a TID scan, with no index lookup
                -- per row and no join against every other received lead. Each lead draws its event's id here,
                -- so one row per lead carries all the subscribers need (a join of the inserted events with the
                -- leads became a nested loop comparing each with each, a million comparisons a batch).
                UPDATE {lead_table} AS lead
                SET status = 'expired', is_hot = false, version = lead.version + 1, updated_at = %(now)s
                WHERE lead.ctid = ANY(ARRAY(SELECT ctid FROM due)) AND lead.status = 'received'
                RETURNING lead.id, lead.partner_id, nextval(%(events)s::regclass) AS event_id
            ), recorded AS (
                INSERT INTO {event_table} (id, lead_id, at, actor_id, action, from_status, to_status, changes)
                SELECT event_id, id, %(now)s, NULL, 'expire', 'received', 'expired', '{{}}'::jsonb FROM expired
            )
            SELECT id, partner_id, event_id FROM expired
        """
        parameters = {"cutoff": cutoff, "limit": batch_size, "now": now, "events": _event_id_sequence()}
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            rows = cursor.fetchall()
    else:
        # SQLite (the zero-setup development database) serialises writers, so no row locks are needed.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {lead_table} SET status = 'expired', is_hot = false, version = version + 1, updated_at = %s
                WHERE id IN (
                    SELECT id FROM {lead_table} WHERE status = 'received' AND received_at <= %s
                    ORDER BY received_at LIMIT %s
                ) AND status = 'received'
                RETURNING id, partner_id
                """,
                [now, cutoff, batch_size],
            )
            expired = cursor.fetchall()
        events = LeadEvent.objects.bulk_create(
            LeadEvent(
                lead_id=Lead._meta.pk.to_python(lead_id),
                at=now,
                action=EventAction.EXPIRE,
                from_status=Status.RECEIVED,
                to_status=Status.EXPIRED,
            )
            for lead_id, _partner_id in expired
        )
        rows = [(event.lead_id, partner_id, event.pk) for event, (_lead_id, partner_id) in zip(events, expired)]
    action, before, after = EventAction.EXPIRE.value, Status.RECEIVED.value, Status.EXPIRED.value  # once, not per row
    return [Happened(action, lead_id, partner_id, event_id, before, after) for lead_id, partner_id, event_id in rows]


def leads_cool_hot(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Clear `is_hot` on open leads received at least LEADHUB_HOT_HOURS ago; returns how many.

    Archived leads are read-only (the database refuses any change), so the job leaves them alone.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.LEADHUB_HOT_HOURS)
    batch_size = batch_size or settings.LEADHUB_JOB_BATCH_SIZE
    lead_table = Lead._meta.db_table
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {lead_table} SET is_hot = false
                WHERE id IN (
                    SELECT id FROM {lead_table}
                    WHERE is_hot AND received_at <= %s AND status IN ('received', 'accepted')
                    ORDER BY received_at LIMIT %s {lock}
                ) AND is_hot AND status IN ('received', 'accepted')
                """,
                [cutoff, batch_size],
            )
            cooled = cursor.rowcount
        total += cooled
        if cooled < batch_size:
            return total
