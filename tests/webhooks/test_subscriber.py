"""The subscriber: one delivery per (event, matching endpoint) in the change's transaction, set-based for batches."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from leads import services
from leads.events import Happened
from leads.models import EventAction, LeadEvent
from tests.factories import AcceptedLeadFactory, LeadFactory
from webhooks.models import Delivery
from webhooks.services import endpoint_create, endpoint_set_paused
from webhooks.subscribers import create_deliveries

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hook"


def test_events_filter_by_the_endpoints_event_list(org, partner_admin):
    everything, _ = endpoint_create(by=partner_admin, url=URL + "/all")
    wins, _ = endpoint_create(by=partner_admin, url=URL + "/wins", events=["lead.won"])
    lead = AcceptedLeadFactory(partner=org)
    services.lead_update_deal(lead=lead, by=partner_admin, notes="x")
    services.lead_win(lead=lead, by=partner_admin)
    assert sorted(Delivery.objects.values_list("endpoint_id", "event_type")) == sorted(
        [(everything.pk, "lead.updated"), (everything.pk, "lead.won"), (wins.pk, "lead.won")]
    )


def test_a_paused_endpoint_records_nothing_and_a_rollback_leaves_no_delivery(org, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    endpoint_set_paused(by=partner_admin, endpoint_id=endpoint.pk, paused=True)
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    assert not Delivery.objects.exists()
    endpoint_set_paused(by=partner_admin, endpoint_id=endpoint.pk, paused=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
        assert Delivery.objects.count() == 1  # written in the change's transaction ...
        raise RuntimeError
    assert not Delivery.objects.exists()  # ... and gone with it


def test_a_customer_writing_again_is_a_lead_updated(org, partner_admin):
    endpoint_create(by=partner_admin, url=URL)
    customer = {"company": "Acme", "contact_name": "Ann", "email": "ann@acme.example"}
    services.lead_create_inquiry(partner=org, customer=customer, need="First")
    services.lead_create_inquiry(partner=org, customer=customer, need="Again")
    assert list(Delivery.objects.order_by("id").values_list("event_type", flat=True)) == [
        "lead.received",
        "lead.updated",
    ]


def test_an_expiry_batch_costs_a_fixed_number_of_queries(
    org, other_org, partner_admin, other_admin, django_assert_max_num_queries
):
    endpoint_create(by=partner_admin, url=URL + "/a")
    endpoint_create(by=partner_admin, url=URL + "/b")
    endpoint_create(by=other_admin, url=URL + "/c")
    leads = [LeadFactory(partner=org if n % 2 else other_org) for n in range(60)]
    happenings = [
        Happened("expire", lead.pk, lead.partner_id, n, "received", "expired") for n, lead in enumerate(leads)
    ]
    # endpoints, leads (with customer and partner), their teams, one insert
    with django_assert_max_num_queries(4):
        create_deliveries(happenings)
    assert Delivery.objects.count() == 30 * 2 + 30


def test_the_expiry_job_records_one_delivery_per_expired_lead(org, partner_admin):
    endpoint_create(by=partner_admin, url=URL)
    for _ in range(5):
        LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=20))
    assert services.leads_expire_overdue(workers=1) == 5
    assert Delivery.objects.filter(event_type="lead.expired").count() == 5
    assert {d.payload["status"] for d in Delivery.objects.all()} == {"expired"}
    # Each delivery names the history event that expired its lead (the job draws the events' ids itself).
    expiries = LeadEvent.objects.filter(action=EventAction.EXPIRE).values_list("lead_id", "id")
    assert set(Delivery.objects.values_list("lead_id", "event_id")) == set(expiries) and len(expiries) == 5


def test_organisations_without_endpoints_cost_one_query(org, partner_admin, django_assert_num_queries):
    lead = LeadFactory(partner=org)
    with django_assert_num_queries(1):
        create_deliveries([Happened("create", lead.pk, org.pk, 1, "", "received")])


def test_a_declined_leads_payload_hides_the_customer_contact_as_the_partners_api_does(org, partner_admin, api_as):
    endpoint_create(by=partner_admin, url=URL)
    lead = LeadFactory(partner=org)
    services.lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
    payload = Delivery.objects.get().payload
    assert payload["customer"]["email"] is None and payload["status"] == "declined"
    assert payload == api_as(partner_admin).get(f"/leads/{lead.pk}").json()
