"""The admin action on customers: an erasure request answered from the customer list, after a confirmation."""

import pytest
from django.contrib.admin.models import LogEntry

from leads.models import Customer, EventAction, LeadEvent
from tests.privacy.history import PERSON, lead_in


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


@pytest.mark.django_db
def test_ops_erase_a_customer_from_the_admin_after_confirming(ops_client, ops_user, org, partner_admin):
    lead = lead_in("won", org=org, partner_user=partner_admin, ops_user=ops_user)
    LogEntry.objects.log_actions(ops_user.pk, [lead.customer], 2, change_message="[]")
    post = {"action": "erase_personal_data", "_selected_action": [lead.customer_id]}

    asked = ops_client.post("/admin/leads/customer/", post)
    assert asked.status_code == 200 and "Yes, erase" in asked.content.decode()
    assert Customer.objects.get(pk=lead.customer_id).email == PERSON["email"]  # nothing yet

    done = ops_client.post("/admin/leads/customer/", {**post, "confirmed": "yes"}, follow=True)

    assert "Erased the personal data of 1 person" in done.content.decode()
    customer = Customer.objects.get(pk=lead.customer_id)
    assert (customer.contact_name, customer.email, customer.phone) == ("", "", "")
    assert LeadEvent.objects.get(lead=lead, action=EventAction.ERASE).actor == ops_user
    assert not LogEntry.objects.filter(object_repr__icontains=PERSON["contact_name"]).exists()


@pytest.mark.django_db
def test_partner_users_cannot_run_the_erasure_action(client, partner_admin, lead):
    client.force_login(partner_admin)
    response = client.post(
        "/admin/leads/customer/",
        {"action": "erase_personal_data", "_selected_action": [lead.customer_id], "confirmed": "yes"},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Customer.objects.get(pk=lead.customer_id).email
