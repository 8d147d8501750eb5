"""Retention: archived leads lose their personal data LEADHUB_RETENTION_DAYS after archiving; figures stay."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leads.models import Lead, LeadEvent, LeadSearch, Status, TeamMember
from privacy.retention import leads_anonymise_retained
from privacy.tasks import anonymise_old_leads
from tests.privacy.history import DEAL, PERSON, inquiry_with_follow_up, lead_in, webhook_endpoint
from webhooks.models import Delivery

LONG_AGO = timedelta(days=731)


@pytest.fixture
def old_history(org, partner_admin, ops_user):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=True):
        webhook_endpoint(partner_admin)
        return {
            status: lead_in(status, org=org, partner_user=partner_admin, ops_user=ops_user) for status in Status.values
        } | {"inquiry": inquiry_with_follow_up(org=org)}


@pytest.mark.django_db
def test_old_archived_leads_lose_their_personal_data_and_keep_their_figures(old_history, org, partner_admin, ops_user):
    recent = lead_in(Status.WON, org=org, partner_user=partner_admin, ops_user=ops_user)
    before = {
        lead.pk: (lead.status, lead.received_at, lead.decided_at, lead.deal_value, lead.campaign_id)
        for lead in Lead.objects.all()
    }

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
        payloads = str(list(Delivery.objects.filter(lead=lead).values_list("payload", flat=True)))
        for personal in (PERSON["contact_name"], PERSON["email"], PERSON["phone"], DEAL["deal_name"], DEAL["crm_id"]):
            assert personal not in payloads
    won_payloads = Delivery.objects.filter(lead=old_history[Status.WON]).values_list("payload", flat=True)
    assert len(won_payloads) >= 3 and all(
        payload["customer"]["company"] == PERSON["company"] for payload in won_payloads
    )
    for kept in (old_history[Status.RECEIVED], old_history[Status.ACCEPTED], old_history["inquiry"], recent):
        kept = Lead.objects.select_related("customer").get(pk=kept.pk)
        assert kept.need and kept.customer.email == PERSON["email"]  # open or recent: untouched
        assert PERSON["email"] in str(list(Delivery.objects.filter(lead=kept).values_list("payload", flat=True)))


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
