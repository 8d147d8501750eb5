"""Retention: archived leads lose their personal data LEADHUB_RETENTION_DAYS after they were archived.

Like the expiry job, each batch is one statement in its own short transaction, taking its leads with SKIP LOCKED
(two runs, or two connections of one run, never take the same lead) in archiving order along
lead_retention_order_idx. That index keeps the leads the job has anonymised (an index naming their need would make
blanking it write a new entry in every index of leads_lead, see leads migration 0016), so each connection walks it
on from the last lead it took, and a run starts where the previous one left off (privacy.models.RetentionMark).
What is blanked is what privacy.erasure.leads_anonymise blanks, which does the same row by row where the database
is not PostgreSQL; the leads' webhook deliveries, with every attempt to send them, are deleted.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta
from time import perf_counter

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from common.connections import on_connections
from leads.models import ARCHIVED_STATUSES, Lead
from privacy.erasure import PERSONAL_CHANGE_KEYS, leads_anonymise, sanctioned_erasure, webhook_deliveries
from privacy.models import RetentionMark

# One statement per batch. Every write is keyed by the batch's lead ids through an index (no scan of a whole
# table), and each table is written once: a customer row and its lead's search row are blanked to what stays (the
# company), the history events only where they hold a personal key. The leads' webhook deliveries go with their
# attempts: a payload is a copy of the lead that the partner's CRM received long ago, an attempt keeps what the
# CRM answered (which may echo the contact back), and a deleted row leaves no new row version and index entries
# behind as a rewritten payload did. `synchronous_commit` is off for the batch alone: a batch lost to a crash is
# simply done again by the next run. It answers how many leads it anonymised and the last one it took.
ANONYMISE_BATCH = """
WITH due AS (
    SELECT ctid, updated_at, id FROM leads_lead
    WHERE status IN ('won', 'lost', 'declined', 'expired') AND updated_at <= %(cutoff)s
      AND (updated_at, id) > (%(after)s, %(after_id)s) AND need <> ''
    ORDER BY updated_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), anonymised AS (
    -- The rows are locked, so their physical address holds (as in the expiry job).
    UPDATE leads_lead AS lead SET need = '', notes = '', reason_notes = '', deal_name = '', crm_id = ''
    WHERE lead.ctid = ANY(ARRAY(SELECT ctid FROM due)) AND lead.need <> ''
    RETURNING lead.id, lead.customer_id
), customers AS (
    UPDATE leads_customer AS customer SET contact_name = '', email = '', phone = ''
    WHERE customer.id = ANY(ARRAY(SELECT customer_id FROM anonymised))
      AND (customer.contact_name, customer.email, customer.phone) <> ('', '', '')
), team AS (
    UPDATE leads_teammember AS member SET name = '', email = '', phone = ''
    WHERE member.lead_id = ANY(ARRAY(SELECT id FROM anonymised))
), history AS (
    UPDATE leads_leadevent AS event
    SET changes = event.changes || (SELECT jsonb_object_agg(key, 'null'::jsonb)
                                    FROM jsonb_object_keys(event.changes) AS key WHERE key = ANY(%(keys)s))
    WHERE event.lead_id = ANY(ARRAY(SELECT id FROM anonymised)) AND event.changes ?| %(keys)s
), deliveries AS (
    -- Of the e-mails about a lead only the decline notice goes to the customer.
    UPDATE leads_emaildelivery AS delivery SET recipient = ''
    WHERE delivery.lead_id = ANY(ARRAY(SELECT id FROM anonymised)) AND delivery.kind = 'decline'
), webhooks AS (
    DELETE FROM {webhook_deliveries} AS delivery
    WHERE delivery.lead_id = ANY(ARRAY(SELECT id FROM anonymised))
    RETURNING delivery.id
), webhook_attempts AS (
    -- A delivery being sent meanwhile holds its row: the batch waits, then misses the attempt just recorded, and
    -- the attempt's foreign key fails the batch at commit (the next run does it again).
    DELETE FROM {webhook_attempts} AS attempt
    WHERE attempt.delivery_id = ANY(ARRAY(SELECT id FROM webhooks))
), search AS (
    -- What stays searchable: the company (need, contact, deal name and CRM id are gone).
    UPDATE leads_leadsearch AS search
    SET text = lower(customer.company)
    FROM anonymised JOIN leads_customer AS customer ON customer.id = anonymised.customer_id
    WHERE search.lead_id = anonymised.id
)
SELECT (SELECT count(*) FROM anonymised), last.updated_at, last.id
FROM (SELECT updated_at, id FROM due ORDER BY updated_at DESC, id DESC LIMIT 1) AS last
"""
# The first archived lead of the run's range that still has its personal data: one that another transaction held
# while the job passed it (SKIP LOCKED). The next run starts there.
FIRST_LEFT = """
SELECT updated_at FROM leads_lead
WHERE status IN ('won', 'lost', 'declined', 'expired') AND updated_at >= %(since)s AND updated_at <= %(cutoff)s
  AND need <> ''
ORDER BY updated_at, id
LIMIT 1
"""
THE_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
# The search index (leads migration 0009) takes new entries into its pending list (GIN's fastupdate, 4 MB), and
# whichever statement fills the list merges it into the index: 80-150 ms, in one of the job's batches (holding its
# thousand leads that much longer) or in a person's request adding a lead. Each blanked search row adds its
# company there, so each connection of the job merges the list itself after every few batches of its own,
# outside their transactions, and once more at the end (every search reads the whole list). In `make
# bench-privacy` (before it wrote out the seeded data first) this kept the rate and took the longest batch from
# 186-256 ms to 135-161 ms.
SEARCH_INDEX = "lead_search_trgm_idx"
MERGE_SEARCH_INDEX_EVERY = 4  # batches of one connection: two connections fill about half the list meanwhile
SEARCH_INDEX_MERGE_LOCK = 0x5E_A2C4  # an advisory lock (bigint): one connection merges at a time

logger = logging.getLogger(__name__)


def _batch_sql() -> str:
    """The batch statement, naming the webhooks app's tables (privacy does not import the app; without it
    installed, the statement has no webhook step)."""
    from django.apps import apps

    sql = ANONYMISE_BATCH
    if not apps.is_installed("webhooks"):
        return sql[: sql.index("), webhooks AS (")] + sql[sql.index("), search AS (") :]
    return sql.format(
        webhook_deliveries=apps.get_model("webhooks", "Delivery")._meta.db_table,
        webhook_attempts=apps.get_model("webhooks", "Attempt")._meta.db_table,
    )


def leads_anonymise_retained(
    *, now: datetime | None = None, batch_size: int | None = None, workers: int | None = None, on_batch=None
) -> int:
    """Anonymise every archived lead archived at least LEADHUB_RETENTION_DAYS ago; returns how many.

    Batches of LEADHUB_RETENTION_BATCH_SIZE; on PostgreSQL `workers` connections (LEADHUB_JOB_WORKERS) work
    side by side, from the retention mark on, which moves up to the first lead still left once they are done.
    `on_batch(count, seconds)` is told of each batch (the bench measures with it).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEADHUB_RETENTION_DAYS)
    batch_size = batch_size or settings.LEADHUB_RETENTION_BATCH_SIZE
    workers = workers or settings.LEADHUB_JOB_WORKERS
    if connection.vendor != "postgresql":
        return _anonymise_row_by_row(cutoff, batch_size)
    since = RetentionMark.objects.filter(pk=1).values_list("done_before", flat=True).first() or THE_BEGINNING
    total = on_connections(
        lambda: _anonymise_in_batches(since, cutoff, batch_size, on_batch), workers=workers, name="leadhub-retention"
    )
    if total:
        search_index_merge_pending()
    with connection.cursor() as cursor:
        cursor.execute(FIRST_LEFT, {"since": since, "cutoff": cutoff})
        left = cursor.fetchone()
    RetentionMark.objects.update_or_create(pk=1, defaults={"done_before": left[0] if left else max(since, cutoff)})
    return total


def _anonymise_in_batches(since: datetime, cutoff: datetime, batch_size: int, on_batch) -> int:
    """Batches on this thread's connection, each taking up from the last lead the previous one took: what lies
    between them is another connection's (locked, or done) or was done already."""
    sql = _batch_sql()
    parameters = {
        "cutoff": cutoff,
        "after": since,
        "after_id": uuid.UUID(int=0),
        "limit": batch_size,
        "keys": list(PERSONAL_CHANGE_KEYS),
    }
    total = batches = 0
    merging = True
    while True:
        started = perf_counter()
        with sanctioned_erasure(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
        done = row[0] if row else 0
        if on_batch is not None:
            on_batch(done, perf_counter() - started)
        if row is None:
            return total
        total += done
        batches += 1
        if merging and batches % MERGE_SEARCH_INDEX_EVERY == 0:
            merging = search_index_merge_pending()
        parameters["after"], parameters["after_id"] = row[1], row[2]


def search_index_merge_pending() -> bool:
    """Merge the search index's pending list into the index, unless another connection is merging it (one would
    only wait for the other, then find the list empty); False where PostgreSQL refuses (only the index's owner,
    the user that ran the migrations, or a superuser may), and the job then leaves it to PostgreSQL."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(%s::regclass) WHERE pg_try_advisory_xact_lock(%s)",
                [SEARCH_INDEX, SEARCH_INDEX_MERGE_LOCK],
            )
    except DatabaseError as error:
        logger.info("Retention: the search index's pending list is left to PostgreSQL (%s)", error)
        return False
    return True


def _anonymise_row_by_row(cutoff: datetime, batch_size: int) -> int:
    """SQLite (the development database): one writer at a time, so no locks; the same result, row by row."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Lead.objects.filter(status__in=ARCHIVED_STATUSES, updated_at__lte=cutoff)
                .exclude(need="")
                .order_by("updated_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if ids:
                deliveries = webhook_deliveries(ids)
                if deliveries is not None:
                    deliveries.delete()  # with their attempts, as on PostgreSQL
                leads_anonymise(ids)
        total += len(ids)
        if len(ids) < batch_size:
            return total
