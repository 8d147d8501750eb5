"""Ops staff's Django admin: filters and search, transitions only where allowed, through the services; read-only history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadEvent, Status
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


def change_url(lead):
    return reverse("admin:leads_lead_change", args=[lead.pk])


@pytest.mark.django_db
def test_changelist_filters_and_searches(ops_client, org, other_org):
    wanted = LeadFactory(partner=org, customer=CustomerFactory(company="Northwind Traders"))
    AcceptedLeadFactory(partner=other_org, customer=CustomerFactory(company="Tailspin"), crm_id="CRM-42")
    url = reverse("admin:leads_lead_changelist")
    page = ops_client.get(url, {"status__exact": "received", "partner__id__exact": org.pk, "is_hot__exact": "0"})
    assert page.status_code == 200
    assert "Northwind Traders" in page.content.decode() and "Tailspin" not in page.content.decode()
    found = ops_client.get(url, {"q": "CRM-42"}).content.decode()
    assert "Tailspin" in found and "Northwind Traders" not in found
    assert ops_client.get(url, {"lead_type__exact": "customer_inquiry"}).status_code == 200
    assert wanted.pk


@pytest.mark.django_db
def test_only_allowed_transitions_are_offered(ops_client, org):
    received = ops_client.get(change_url(LeadFactory(partner=org))).content.decode()
    assert 'value="accept"' in received and 'value="decline"' in received
    assert 'value="win"' not in received and 'value="expire"' not in received
    accepted = ops_client.get(change_url(AcceptedLeadFactory(partner=org))).content.decode()
    assert 'value="win"' in accepted and 'value="lose"' in accepted and 'value="accept"' not in accepted


@pytest.mark.django_db
def test_accept_through_the_admin_runs_the_service(ops_client, ops_user, org):
    lead = LeadFactory(partner=org)
    url = reverse("admin:leads_lead_transition", args=[lead.pk, "accept"])
    close = (timezone.now() + timedelta(days=20)).date().isoformat()
    bad = ops_client.post(url, {"deal_name": "D", "deal_value": "-3", "currency": "EUR", "estimated_close_date": close})
    assert bad.status_code == 200
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED
    ok = ops_client.post(url, {"deal_name": "D", "deal_value": "300", "currency": "EUR", "estimated_close_date": close})
    assert ok.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, str(lead.deal_value)) == (Status.ACCEPTED, "300.00")
    assert LeadEvent.objects.get(lead=lead).actor == ops_user


@pytest.mark.django_db
def test_win_button_and_deal_edit_through_the_change_form(ops_client, org):
    lead = AcceptedLeadFactory(partner=org, deal_name="Old")
    form = {
        "deal_name": "New",
        "deal_value": "10.00",
        "currency": "EUR",
        "estimated_close_date": lead.estimated_close_date.isoformat(),
        "notes": "",
        "crm_id": "",
        "campaign_id": "",
        "team-TOTAL_FORMS": "0",
        "team-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    assert ops_client.post(change_url(lead), form).status_code == 302
    # "Mark won" saves the form's edits, then asks on a page of its own (tests/polish/test_admin_confirm.py).
    asked = ops_client.post(change_url(lead), form | {"_fsm_transition_to": "win"})
    assert asked["Location"] == reverse("admin:leads_lead_transition", args=[lead.pk, "win"])
    assert ops_client.post(asked["Location"]).status_code == 302
    lead.refresh_from_db()
    assert (lead.deal_name, lead.status) == ("New", Status.WON)
    assert list(lead.events.values_list("action", flat=True)) == ["edit", "win"]


@pytest.mark.django_db
def test_archived_leads_open_read_only(ops_client, org):
    lead = AcceptedLeadFactory(partner=org, status=Status.WON, deal_name="Done")
    page = ops_client.get(change_url(lead)).content.decode()
    assert 'name="deal_name"' not in page and "_fsm_transition_to" not in page
    assert ops_client.post(change_url(lead), {"deal_name": "Changed"}).status_code == 403
    lead.refresh_from_db()
    assert lead.deal_name == "Done"


@pytest.mark.django_db
def test_ops_create_a_qualified_lead_for_any_partner(ops_client, ops_user, other_org):
    response = ops_client.post(
        reverse("admin:leads_lead_add"),
        {
            "partner": other_org.pk,
            "lead_type": "sales_qualified",
            "need": "Data warehouse",
            "referred_by_email": "seller@vendor.example",
            "company": "Adventure Works",
            "contact_name": "Tom",
            "email": "tom@aw.example",
            "country": "US",
        },
    )
    assert response.status_code == 302
    lead = Lead.objects.get(partner=other_org)
    assert (lead.lead_type, lead.tab, lead.customer.company, lead.referred_by) == (
        "sales_qualified",
        "qualified",
        "Adventure Works",
        ops_user,
    )
    assert lead.events.get().action == "create"
    assert response["Location"] == change_url(lead)


@pytest.mark.django_db
def test_customer_inquiries_are_not_created_by_hand(ops_client, org):
    response = ops_client.post(
        reverse("admin:leads_lead_add"),
        {
            "partner": org.pk,
            "lead_type": "customer_inquiry",
            "need": "x",
            "company": "C",
            "contact_name": "N",
            "email": "n@c.example",
        },
    )
    assert response.status_code == 200 and "lead_type" in response.context["adminform"].form.errors
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_history_is_read_only_in_the_admin(ops_client, org, ops_user):
    from leads import services

    lead = LeadFactory(partner=org)
    services.lead_decline(lead=lead, by=ops_user, reason="other", reason_notes="Spam")
    event = lead.events.get()
    assert ops_client.post(reverse("admin:leads_leadevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert (
        ops_client.post(reverse("admin:leads_leadevent_change", args=[event.pk]), {"action": "win"}).status_code == 403
    )
    assert LeadEvent.objects.get(pk=event.pk).action == "decline"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner_admin", "referrals_admin"])
def test_partner_users_cannot_reach_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:leads_lead_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_sent_e_mails_are_listed_read_only(ops_client, org):
    from leads.models import EmailDelivery

    delivery = EmailDelivery.objects.create(
        kind="decline", lead=LeadFactory(partner=org), recipient="customer@example.com", language="en", subject="Sorry"
    )
    listing = ops_client.get(reverse("admin:leads_emaildelivery_changelist"), {"q": "customer@example.com"})
    assert listing.status_code == 200 and "customer@example.com" in listing.content.decode()
    assert (
        ops_client.post(reverse("admin:leads_emaildelivery_delete", args=[delivery.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert EmailDelivery.objects.filter(pk=delivery.pk).exists()
