"""Declined and expired leads stop showing their customer's contact to partner users, wherever a lead is shown;
won and lost keep it, and vendor ops staff always see it."""

import pytest

from leads.models import EventAction, LeadEvent, Status
from profiles.api_tokens import api_token_issue
from tests.factories import CustomerFactory, LeadFactory
from tests.leads.csv_files import parse

CONTACT = {"contact_name": "Vendula Skrytá", "email": "vendula@skryta.example", "phone": "+420 602 111 222"}
HIDDEN, SHOWN = (Status.DECLINED, Status.EXPIRED), (Status.RECEIVED, Status.ACCEPTED, Status.WON, Status.LOST)


@pytest.fixture
def leads(org):
    made = {}
    for status in Status.values:
        lead = LeadFactory(
            partner=org,
            status=status,
            need=f"A data platform ({status}).",
            customer=CustomerFactory(company=f"Skrytá {status} a.s.", **CONTACT),
        )
        LeadEvent.objects.create(
            lead=lead,
            action=EventAction.NOTE,
            to_status=status,
            changes={"need": "Again", "contact_name": CONTACT["contact_name"]},
        )
        made[status] = lead
    return made


def api_get(client, user, path, **params):
    _token, plain = api_token_issue(user=user, name="tests")
    response = client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_partner_pages_and_fragments_hide_declined_and_expired_leads_contacts(client, partner_admin, leads):
    client.force_login(partner_admin)
    for status, lead in leads.items():
        page = client.get(f"/leads/{lead.pk}/").content.decode()
        assert (CONTACT["email"] in page) == (status in SHOWN), status
        assert (CONTACT["phone"] in page) == (status in SHOWN), status
        assert (CONTACT["contact_name"] in page) == (status in SHOWN), status
        assert lead.customer.company in page  # the company stays
        if status in HIDDEN:
            assert "no longer shared with partners" in page
    rows = client.get(
        "/leads/marketplace/", {"status": "archived"}, headers={"HX-Request": "true", "HX-Target": "lead-results"}
    )
    assert rows.content.decode().count(CONTACT["contact_name"]) == 2  # won and lost only


@pytest.mark.django_db
def test_ops_staff_still_see_every_contact(client, ops_user, leads):
    client.force_login(ops_user)
    for lead in leads.values():
        assert CONTACT["email"] in client.get(f"/leads/{lead.pk}/").content.decode()
    assert len(
        client.get("/leads/marketplace/", {"q": CONTACT["email"]}).context["rows"].split('class="lead-row')
    ) - 1 == len(leads)
    customer = api_get(client, ops_user, f"/leads/{leads[Status.DECLINED].pk}")["customer"]
    assert customer["email"] == CONTACT["email"]


@pytest.mark.django_db
def test_the_api_answers_null_contacts_for_declined_and_expired_leads(client, partner_admin, leads):
    for status, lead in leads.items():
        customer = api_get(client, partner_admin, f"/leads/{lead.pk}")["customer"]
        if status in HIDDEN:
            assert (customer["contact_name"], customer["email"], customer["phone"]) == (None, None, None)
            assert customer["company"] == lead.customer.company and customer["country"] == "CZ"
        else:
            assert customer["email"] == CONTACT["email"]
        history = api_get(client, partner_admin, f"/leads/{lead.pk}/history")
        note = next(event for event in history if event["action"] == "note")
        assert note["changes"]["contact_name"] == (None if status in HIDDEN else CONTACT["contact_name"])


@pytest.mark.django_db
def test_the_csv_export_leaves_declined_and_expired_leads_contacts_empty(client, partner_admin, leads):
    client.force_login(partner_admin)
    response = client.get("/leads/marketplace/export.csv")
    rows = {row["status"]: row for row in parse(b"".join(response.streaming_content))}
    for status in HIDDEN:
        assert (
            rows[str(status.label)]["customer_contact_name"],
            rows[str(status.label)]["customer_email"],
            rows[str(status.label)]["customer_phone"],
        ) == ("", "", "")
    for status in SHOWN:
        assert rows[str(status.label)]["customer_email"] == CONTACT["email"]


@pytest.mark.django_db
def test_a_partners_search_by_the_contact_no_longer_finds_declined_and_expired_leads(client, partner_admin, leads):
    for term in (CONTACT["email"], "vendula"):
        found = {item["status"] for item in api_get(client, partner_admin, "/leads", q=term)["items"]}
        assert found == set(SHOWN), term
    # What the partner still sees finds them: the company, the need.
    found = {item["status"] for item in api_get(client, partner_admin, "/leads", q="skrytá declined")["items"]}
    assert found == {Status.DECLINED}
    found = {item["status"] for item in api_get(client, partner_admin, "/leads", q="data platform")["items"]}
    assert found == set(Status.values)
