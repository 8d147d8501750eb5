"""Nothing a user saved is lost: organisations, users and leads with history are protected from deletion."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from leads import services
from leads.models import Lead, LeadEvent
from tests.factories import LeadFactory


@pytest.mark.django_db
def test_an_organisation_with_leads_cannot_be_deleted(org):
    LeadFactory(partner=org)
    with pytest.raises(ProtectedError):
        org.delete()
    assert Lead.objects.filter(partner=org).exists()


@pytest.mark.django_db
def test_a_user_who_acted_on_a_lead_cannot_be_deleted(lead, partner_admin):
    services.lead_decline(lead=lead, by=partner_admin, reason="other", reason_notes="Spam")
    with pytest.raises(ProtectedError):
        partner_admin.delete()
    assert LeadEvent.objects.filter(actor=partner_admin).exists()


@pytest.mark.django_db
def test_a_lead_with_history_cannot_be_deleted(lead, partner_admin):
    services.lead_decline(lead=lead, by=partner_admin, reason="other", reason_notes="Spam")
    with pytest.raises(ProtectedError):
        Lead.objects.filter(pk=lead.pk).delete()


@pytest.mark.django_db
def test_the_admin_refuses_to_delete_an_organisation_with_leads(client, ops_user, org):
    LeadFactory(partner=org)
    client.force_login(ops_user)
    page = client.post(reverse("admin:profiles_organisation_delete", args=[org.pk]), {"post": "yes"})
    assert page.status_code == 200 and "<title>Cannot delete organisation" in page.content.decode()
    assert type(org).objects.filter(pk=org.pk).exists()
