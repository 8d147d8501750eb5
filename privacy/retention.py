"""Retention: archived leads lose their personal data LEADHUB_RETENTION_DAYS after they were archived.

Like the expiry job, each batch is one statement in its own short transaction, taking its leads with SKIP LOCKED
(two runs, or two connections of one run, never take the same lead) and in archiving order along
lead_retention_idx, from which an anonymised lead drops out (its need is empty). What is blanked is what
privacy.erasure.leads_anonymise blanks, which does the same row by row where the database is not PostgreSQL.
"""

import json
import threading
from datetime import datetime, timedelta
from time import perf_counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from leads.models import ARCHIVED_STATUSES, Lead
from privacy.erasure import PERSONAL_CHANGE_KEYS, leads_anonymise, sanctioned_erasure

# One statement per batch. Every write is keyed by the batch's lead ids through an index (no scan of a whole
# table), and each table is written once: a customer row and its lead's search row are blanked to what stays (the
# company), the history events and webhook payloads only where they hold a personal key. `synchronous_commit`
# is off for the batch alone: a batch lost to a crash is simply done again by the next run.
ANONYMISE_BATCH = """
WITH due AS (
    SELECT ctid FROM leads_lead
    WHERE status IN ('won', 'lost', 'declined', 'expired') AND need <> '' AND updated_at <= %(cutoff)s
    ORDER BY updated_at
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
    RETURNING customer.id
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
    -- A payload is the lead as the API showed it: the same personal keys, and the customer's contact.
    UPDATE {webhook_deliveries} AS delivery
    SET payload = jsonb_set(delivery.payload || %(null_keys)s::jsonb, '{{customer}}',
                            coalesce(delivery.payload -> 'customer', '{{}}'::jsonb) || %(null_contact)s::jsonb)
    WHERE delivery.lead_id = ANY(ARRAY(SELECT id FROM anonymised)) AND delivery.payload ? 'customer'
), search AS (
    -- What stays searchable: the company (need, contact, deal name and CRM id are gone).
    UPDATE leads_leadsearch AS search
    SET text = lower(customer.company)
    FROM anonymised JOIN leads_customer AS customer ON customer.id = anonymised.customer_id
    WHERE search.lead_id = anonymised.id
)
SELECT count(*) FROM anonymised
"""
# The lead fields that a webhook payload and the API carry and the job blanks (customer contact apart).
PAYLOAD_KEYS = ("need", "notes", "reason_notes", "deal_name", "crm_id", "team")
CONTACT_KEYS = ("contact_name", "email", "phone")


def _batch_sql() -> str:
    """The batch statement, naming the webhooks app's delivery table (privacy does not import the app; without
    it installed, the webhook step writes nothing)."""
    from django.apps import apps

    table = apps.get_model("webhooks", "Delivery")._meta.db_table if apps.is_installed("webhooks") else None
    sql = ANONYMISE_BATCH
    if table is None:
        sql = sql[: sql.index("), webhooks AS (")] + sql[sql.index("), search AS (") :]
    return sql.format(webhook_deliveries=table or "")


def leads_anonymise_retained(
    *, now: datetime | None = None, batch_size: int | None = None, workers: int | None = None, on_batch=None
) -> int:
    """Anonymise every archived lead archived at least LEADHUB_RETENTION_DAYS ago; returns how many.

    Batches of LEADHUB_RETENTION_BATCH_SIZE; on PostgreSQL `workers` connections (LEADHUB_JOB_WORKERS) work
    side by side. `on_batch(count, seconds)` is
    told of each batch (the bench measures with it).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEADHUB_RETENTION_DAYS)
    batch_size = batch_size or settings.LEADHUB_RETENTION_BATCH_SIZE
    workers = workers or settings.LEADHUB_JOB_WORKERS
    if connection.vendor != "postgresql":
        return _anonymise_row_by_row(cutoff, batch_size)
    if workers <= 1 or connection.in_atomic_block:
        return _anonymise_in_batches(cutoff, batch_size, on_batch)
    totals, errors = [], []

    def helper() -> None:
        try:
            totals.append(_anonymise_in_batches(cutoff, batch_size, on_batch))
        except BaseException as error:  # noqa: BLE001 (re-raised on the calling thread below)
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    helpers = [threading.Thread(target=helper, name=f"leadhub-retention-{n}") for n in range(1, workers)]
    for thread in helpers:
        thread.start()
    try:
        total = _anonymise_in_batches(cutoff, batch_size, on_batch)
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return total + sum(totals)


def _anonymise_in_batches(cutoff: datetime, batch_size: int, on_batch) -> int:
    sql = _batch_sql()
    parameters = {
        "cutoff": cutoff,
        "limit": batch_size,
        "keys": list(PERSONAL_CHANGE_KEYS),
        "null_keys": json.dumps(dict.fromkeys(PAYLOAD_KEYS)),
        "null_contact": json.dumps(dict.fromkeys(CONTACT_KEYS)),
    }
    total = 0
    while True:
        started = perf_counter()
        with sanctioned_erasure(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(sql, parameters)
            done = cursor.fetchone()[0]
        if on_batch is not None:
            on_batch(done, perf_counter() - started)
        total += done
        if done < batch_size:
            return total


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
                leads_anonymise(ids)
        total += len(ids)
        if len(ids) < batch_size:
            return total
