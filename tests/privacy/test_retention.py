"""Retention: archived leads lose their personal data LEADHUB_RETENTION_DAYS after archiving; figures stay."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from leads.models import Lead, LeadEvent, LeadSearch, Status, TeamMember
from privacy.models import RetentionMark
from privacy.retention import (
    SEARCH_INDEX,
    SEARCH_INDEX_MERGE_LOCK,
    leads_anonymise_retained,
    search_index_merge_pending,
)
from privacy.tasks import anonymise_old_leads
from tests.privacy.history import (
    PERSON,
    echoing_crm,
    inquiry_with_follow_up,
    lead_in,
    webhook_endpoint,
    webhooks_send_all,
)
from webhooks.models import Attempt, Delivery

LONG_AGO = timedelta(days=731)


@pytest.fixture
def old_history(org, partner_admin, ops_user):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=True), echoing_crm() as crm_url:
        webhook_endpoint(partner_admin, url=crm_url)
        leads = {
            status: lead_in(status, org=org, partner_user=partner_admin, ops_user=ops_user) for status in Status.values
        } | {"inquiry": inquiry_with_follow_up(org=org)}
        webhooks_send_all()  # the CRM's answers echo the contact of every lead it was shown
    return leads


@pytest.mark.django_db
def test_old_archived_leads_lose_their_personal_data_and_keep_their_figures(old_history, org, partner_admin, ops_user):
    recent = lead_in(Status.WON, org=org, partner_user=partner_admin, ops_user=ops_user)
    before = {
        lead.pk: (lead.status, lead.received_at, lead.decided_at, lead.deal_value, lead.campaign_id)
        for lead in Lead.objects.all()
    }
    won_deliveries = list(Delivery.objects.filter(lead=old_history[Status.WON]).values_list("pk", flat=True))
    assert len(won_deliveries) >= 3
    assert Attempt.objects.filter(delivery__in=won_deliveries, response_body__contains=PERSON["email"]).exists()

    assert anonymise_old_leads.apply().result == 4  # won, lost, declined, expired

    for status in (Status.WON, Status.LOST, Status.DECLINED, Status.EXPIRED):
        lead = Lead.objects.select_related("customer").get(pk=old_history[status].pk)
        assert (lead.need, lead.notes, lead.reason_notes) == ("", "", "")
        customer = lead.customer
        assert (customer.contact_name, customer.email, customer.phone) == ("", "", "")
        assert (customer.company, customer.company_size, customer.country) == (PERSON["company"], "10-49", "CZ")
        assert before[lead.pk] == (lead.status, lead.received_at, lead.decided_at, lead.deal_value, lead.campaign_id)
        assert (lead.deal_name, lead.crm_id) == ("", "")  # they name the person (see leads migration 0015)
        assert not TeamMember.objects.filter(lead=lead).exclude(name="", email="", phone="").exists()
        assert not lead.email_deliveries.exclude(recipient="").filter(kind="decline").exists()
        for changes in LeadEvent.objects.filter(lead=lead).values_list("changes", flat=True):
            assert PERSON["contact_name"] not in str(changes) and PERSON["email"] not in str(changes)
        assert LeadSearch.objects.get(lead=lead).text == PERSON["company"].lower()
        # Its webhook deliveries (copies of the lead) go, and with them what the CRM answered.
        assert not Delivery.objects.filter(lead=lead).exists()
    assert not Attempt.objects.filter(delivery__in=won_deliveries).exists()
    for kept in (old_history[Status.RECEIVED], old_history[Status.ACCEPTED], old_history["inquiry"], recent):
        kept = Lead.objects.select_related("customer").get(pk=kept.pk)
        assert kept.need and kept.customer.email == PERSON["email"]  # open or recent: untouched
        assert PERSON["email"] in str(list(Delivery.objects.filter(lead=kept).values_list("payload", flat=True)))
    accepted_answers = Attempt.objects.filter(delivery__lead=old_history[Status.ACCEPTED]).values_list(
        "response_body", flat=True
    )
    assert any(PERSON["email"] in answer for answer in accepted_answers)  # an open lead's answers stay


@pytest.mark.django_db
def test_a_second_run_finds_nothing_to_do(old_history):
    assert leads_anonymise_retained(workers=1) == 4
    assert leads_anonymise_retained(workers=1) == 0


@pytest.mark.django_db
def test_the_retention_period_is_a_setting(old_history, settings):
    settings.LEADHUB_RETENTION_DAYS = 800
    assert leads_anonymise_retained(workers=1) == 0
    settings.LEADHUB_RETENTION_DAYS = 30
    assert leads_anonymise_retained(workers=1, batch_size=3) == 4


def test_the_job_runs_nightly_from_beat(settings):
    job = settings.CELERY_BEAT_SCHEDULE["anonymise-old-leads"]
    assert job["task"] == "privacy.tasks.anonymise_old_leads" and job["schedule"] == 24 * 3600
    assert settings.LEADHUB_RETENTION_DAYS == 730


@pytest.mark.django_db(transaction=True)
def test_a_lead_another_transaction_holds_is_anonymised_by_the_next_run(old_history):
    held = old_history[Status.WON]
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        assert leads_anonymise_retained(workers=1) == 3  # it passes the held lead by (SKIP LOCKED) ...
    finally:
        release.set()
        holder.join()
    assert Lead.objects.get(pk=held.pk).need

    assert leads_anonymise_retained(workers=1) == 1  # ... and the next run starts no later than that lead
    assert Lead.objects.get(pk=held.pk).need == ""


@pytest.mark.django_db
def test_a_run_starts_at_the_mark_and_deleting_the_mark_starts_it_from_the_oldest_lead(org, partner_admin, ops_user):
    assert leads_anonymise_retained(workers=1) == 0  # nothing yet: the mark moves up to the cutoff
    # Only a bulk load writes a lead archived before the mark: the next runs pass it by, as docs/privacy.md says.
    with time_machine.travel(timezone.now() - LONG_AGO - timedelta(days=30), tick=True):
        loaded = lead_in(Status.LOST, org=org, partner_user=partner_admin, ops_user=ops_user)
    assert leads_anonymise_retained(workers=1) == 0

    RetentionMark.objects.all().delete()

    assert leads_anonymise_retained(workers=1) == 1
    assert Lead.objects.get(pk=loaded.pk).need == ""


@pytest.mark.django_db
def test_no_index_of_a_table_the_job_rewrites_names_a_column_it_blanks():
    """Blanking a column that an index names (in its key, expressions or predicate) writes a new entry in every
    index of the table for each row; without one, the row is rewritten in place (leads migration 0017)."""
    blanked = {
        "leads_lead": {"need", "notes", "reason_notes", "deal_name", "crm_id"},
        "leads_customer": {"contact_name", "email", "phone"},
        "leads_teammember": {"name", "email", "phone"},
        "leads_leadevent": {"changes"},
    }
    with connection.cursor() as cursor:
        for table, columns in blanked.items():
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass",
                [table],
            )
            for name, definition in cursor.fetchall():
                named = set(re.findall(r"\b[a-z_]+\b", definition.split(" USING ", 1)[1]))
                assert not named & columns, f"{name} names {named & columns}: {definition}"


def _search_index_pending_pages() -> int:
    """Pages of the search index's pending list (which every search reads through), merged by asking."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_job_leaves_nothing_pending_in_the_search_index(old_history):
    """The blanked search rows' entries wait in the index's pending list until someone merges them: the job does,
    so the searches after it do not read through them and no person's request pays for merging them."""
    assert leads_anonymise_retained(workers=1) == 4
    assert _search_index_pending_pages() == 0


@pytest.mark.django_db
def test_a_database_user_that_does_not_own_the_search_index_still_runs_the_job(old_history):
    """Only the index's owner may merge its pending list: any other user of the database runs the job without."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE leadhub_retention_test")  # rolled back with the test's transaction
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO leadhub_retention_test")
        cursor.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO leadhub_retention_test")
        cursor.execute("SET LOCAL ROLE leadhub_retention_test")
    assert leads_anonymise_retained(workers=1, batch_size=1) == 4
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert _search_index_pending_pages() > 0  # left to PostgreSQL
    found = LeadSearch.objects.filter(text__contains=PERSON["email"].lower()).values_list("lead_id", flat=True)
    assert set(Lead.objects.filter(pk__in=found).values_list("status", flat=True)) == {"received", "accepted"}


@pytest.mark.django_db(transaction=True)
def test_a_connection_does_not_wait_for_another_that_is_merging_the_search_index(old_history):
    """Two connections of the job merge at about the same time: the second goes on with its batches instead."""
    held, release = threading.Event(), threading.Event()

    def merging_elsewhere():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEARCH_INDEX_MERGE_LOCK])
            held.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=merging_elsewhere)
    other.start()
    try:
        assert held.wait(10)
        assert search_index_merge_pending() is True  # at once, merging nothing
        assert _search_index_pending_pages() > 0  # the new leads' entries were still pending
    finally:
        release.set()
        other.join()
    LeadSearch.objects.filter(pk__in=[lead.pk for lead in old_history.values()]).update(text="x")  # pending again
    assert search_index_merge_pending() is True
    assert _search_index_pending_pages() == 0
