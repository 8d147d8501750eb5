"""Issue 19 items 12 and 13: the admin reads well for ops; what users expected and missed (row facts, removing
team members and locations, the whole new token with a copy button, the lead tabs everywhere, a fair rate limit)."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from leads import services
from leads.models import EventAction, Lead
from tests.factories import (
    AcceptedLeadFactory,
    BusinessProfileFactory,
    CustomerFactory,
    LeadFactory,
    LocationFactory,
)
from tests.polish.helpers import HX, api, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, partner_admin):
    client.force_login(partner_admin)
    return client


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


# --- 12: the admin -----------------------------------------------------------------------------------------


def test_a_lead_reads_as_company_partner_and_status(org):
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Northwind Traders"))
    assert str(lead) == "Northwind Traders — Contoso Consulting (received)"


def test_the_admin_lead_page_shows_history_as_a_timeline_of_changes(ops_client, org, partner_admin):
    lead = AcceptedLeadFactory(partner=org)
    services.lead_update_deal(lead=lead, by=partner_admin, deal_name="Bigger deal", deal_value="20000")
    html = ops_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    assert 'class="lead-timeline"' in html and "Deal edited" in html
    assert "Cloud migration → Bigger deal" in html and "12500.00 → 20000.00" in html
    assert '{"deal_name"' not in html and "[&quot;" not in html  # no raw JSON
    history = ops_client.get(reverse("admin:leads_lead_history", args=[lead.pk])).content.decode()
    assert "Cloud migration → Bigger deal" in history and "What happened to this lead" in history


def test_the_admin_transition_page_is_styled_and_never_says_none(ops_client, org):
    lead = LeadFactory(partner=org)
    html = ops_client.get(reverse("admin:leads_lead_transition", args=[lead.pk, "decline"])).content.decode()
    assert "<p>None</p>" not in html and ">None<" not in html
    assert 'class="module aligned"' in html and "Decline this lead? The customer is told" in html
    accept = ops_client.get(reverse("admin:leads_lead_transition", args=[lead.pk, "accept"])).content.decode()
    assert ">None<" not in accept and 'class="form-row' in accept


def test_the_admin_lead_list_has_few_columns_and_shows_titles(ops_client, org):
    AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Northwind Traders"))
    html = ops_client.get(reverse("admin:leads_lead_changelist")).content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert headers == ["customer_company", "partner", "status", "received_at", "deal"]
    assert "12,500.00 EUR" in html


# --- 13: list rows ------------------------------------------------------------------------------------------


def test_list_rows_show_when_the_lead_came_and_the_customer_s_country(admin_client, org):
    LeadFactory(partner=org, customer=CustomerFactory(company="Acme", country="DE"))
    html = admin_client.get("/leads/marketplace/").content.decode()
    row = re.search(r'<li class="lead-row.*?</li>', html, re.DOTALL).group(0)
    assert re.search(r'class="lead-received">Received <time datetime="[^"]+">', row)
    assert '<span class="lead-country">Germany</span>' in row
    czech = admin_client.get("/leads/marketplace/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert '<span class="lead-country">Německo</span>' in czech and "Doručeno <time" in czech


# --- 13: team members -----------------------------------------------------------------------------------------


def test_removing_a_team_member_is_recorded_and_offered_on_the_page(admin_client, org, partner_admin):
    lead = AcceptedLeadFactory(partner=org)
    member = services.lead_add_team_member(lead=lead, by=partner_admin, name="Iva", email="iva@contoso.example")
    page = admin_client.get(url("detail", lead)).content.decode()
    remove_url = reverse("leads:team-remove", kwargs={"lead_id": lead.pk, "member_id": member.pk})
    assert f'action="{remove_url}"' in page and "Remove Iva" in page
    done = admin_client.post(remove_url, **HX)
    assert done.status_code == 200 and "Team member removed." in done.content.decode()
    assert not lead.team.exists()
    event = lead.events.get(action=EventAction.TEAM_OUT)
    assert event.changes == {"team_member": {"name": "Iva", "email": "iva@contoso.example", "phone": ""}}


def test_a_team_member_of_another_lead_is_not_found(admin_client, org, other_org, other_admin):
    mine = AcceptedLeadFactory(partner=org)
    theirs = AcceptedLeadFactory(partner=other_org)
    foreign = services.lead_add_team_member(lead=theirs, by=other_admin, name="X", email="x@fabrikam.example")
    remove = reverse("leads:team-remove", kwargs={"lead_id": mine.pk, "member_id": foreign.pk})
    assert admin_client.post(remove).status_code == 404
    assert theirs.team.count() == 1


def test_the_api_removes_a_team_member(partner_admin, org, other_admin):
    lead = AcceptedLeadFactory(partner=org)
    member = services.lead_add_team_member(lead=lead, by=partner_admin, name="Iva", email="iva@contoso.example")
    body = api(partner_admin, "get", f"/leads/{lead.pk}").json()
    assert body["team"][0]["id"] == member.pk
    assert api(other_admin, "delete", f"/leads/{lead.pk}/team/{member.pk}").status_code == 404
    response = api(partner_admin, "delete", f"/leads/{lead.pk}/team/{member.pk}")
    assert response.status_code == 200 and response.json()["team"] == []
    assert api(partner_admin, "delete", f"/leads/{lead.pk}/team/{member.pk}").status_code == 404
    won = AcceptedLeadFactory(partner=org)
    kept = services.lead_add_team_member(lead=won, by=partner_admin, name="K", email="k@contoso.example")
    services.lead_win(lead=won, by=partner_admin)
    assert api(partner_admin, "delete", f"/leads/{won.pk}/team/{kept.pk}").status_code == 409


def test_each_accept_form_team_row_has_a_remove_button(admin_client, org):
    html = admin_client.get(url("detail", LeadFactory(partner=org))).content.decode()
    template = re.search(r"<template data-team-template>(.*?)</template>", html, re.DOTALL).group(1)
    assert "data-remove-team-row" in template and "Remove this person" in template


# --- 13: locations, tokens, tabs -------------------------------------------------------------------------------


def test_a_location_is_removed_in_one_click(client, partner_admin, org, other_org):
    profile = BusinessProfileFactory(organisation=org)
    berlin = LocationFactory(profile=profile, country="DE", city="Berlin")
    LocationFactory(profile=profile, country="CZ", city="Brno")
    client.force_login(partner_admin)
    html = client.get("/profile/").content.decode()
    remove = reverse("profiles:location-remove", args=[berlin.pk])
    assert f'<form id="remove-location-{berlin.pk}" method="post" action="{remove}"' in html
    assert f'form="remove-location-{berlin.pk}"' in html
    page = client.post(remove, follow=True).content.decode()
    assert "Location Berlin removed." in page
    assert list(profile.locations.values_list("city", flat=True)) == ["Brno"]
    last = profile.locations.get()
    assert (
        "at least one location"
        in client.post(reverse("profiles:location-remove", args=[last.pk]), follow=True).content.decode()
    )
    assert profile.locations.count() == 1
    theirs = LocationFactory(profile=BusinessProfileFactory(organisation=other_org))
    assert client.post(reverse("profiles:location-remove", args=[theirs.pk])).status_code == 404


def test_a_new_token_is_shown_whole_with_a_copy_button(client, partner_admin):
    client.force_login(partner_admin)
    html = client.post("/profile/tokens/", {"name": "CRM", "user": partner_admin.pk}).content.decode()
    plain = re.search(r'<code class="token-whole" id="new-token"[^>]*>([^<]+)</code>', html).group(1)
    assert plain.startswith("lh_") and len(plain) > 30
    assert 'data-copy="new-token"' in html


@pytest.mark.parametrize("path", ["/profile/", "/profile/tokens/"])
def test_the_lead_tabs_are_reachable_from_profile_pages(client, partner_admin, org, path):
    BusinessProfileFactory(organisation=org)
    client.force_login(partner_admin)
    html = client.get(path).content.decode()
    for tab in ("marketplace", "qualified", "favorites"):
        assert f'href="/leads/{tab}/"' in html


# --- 13: the contact form's rate limit -----------------------------------------------------------------------

FORM = {"company": "Acme", "contact_name": "Petr", "email": "petr@acme.example", "need": "ERP to the cloud"}


def test_the_rate_limit_counts_only_inquiries_that_were_taken(org, settings, monkeypatch):
    BusinessProfileFactory(organisation=org)
    settings.LEADHUB_INQUIRY_RATE_PER_HOUR = 1
    shared = Client(REMOTE_ADDR=f"test-{uuid.uuid4()}")
    for _attempt in range(3):  # typos: refused by the form
        assert shared.post("/partners/contoso/contact/", {**FORM, "email": "nope"}).status_code == 400

    def refuse(**kwargs):
        raise ValidationError({"need": ["Refused by the service."]})

    with monkeypatch.context() as patched:  # refused by the service's own rules
        patched.setattr("leads.web.public.lead_create_inquiry", refuse)
        assert shared.post("/partners/contoso/contact/", FORM).status_code == 400
    assert shared.post("/partners/contoso/contact/", FORM).status_code == 302  # the first taken: not refused
    limited = shared.post("/partners/contoso/contact/", {**FORM, "email": "eva@acme.example"})
    assert limited.status_code == 429 and Lead.objects.count() == 1
    text = limited.content.decode()
    assert "from this network" in text and "You have sent" not in text
    assert 'value="eva@acme.example"' in text  # what they typed is kept
