"""The lead lists' search: what finds a lead, as soon as it changes; only the caller's leads; the backfill."""

import importlib
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from leads import services
from leads.models import LeadSearch
from leads.selectors import ListFilters, lead_list_for
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db

CUSTOMER = {"company": "Acme s.r.o.", "contact_name": "Petr Novák", "email": "petr@acme.example", "country": "CZ"}
DEAL = {"deal_value": "1000.00", "currency": "EUR", "estimated_close_date": date.today() + timedelta(days=30)}


def found(user, q, tab=None) -> set:
    return set(lead_list_for(user, tab=tab, filters=ListFilters(q=q)).values_list("pk", flat=True))


def send(ops_user, partner, need="Move our ERP to the cloud", **customer):
    return services.lead_create(
        by=ops_user, partner=partner, lead_type="sales_qualified", customer={**CUSTOMER, **customer}, need=need
    )


def test_a_new_lead_is_found_by_each_searched_field_in_any_case(ops_user, org, partner_admin):
    lead = send(
        ops_user,
        org,
        company="ŽLUŤOUČKÝ KŮŇ a.s.",
        contact_name="Šárka Dvořáková",
        email="Sarka@Kun.example",
        need="A DATA warehouse for 40 stores",
    )
    for term in ("žluťoučký kůň", "ŠÁRKA", "sarka@kun", "data WAREHOUSE", "40 stores"):
        assert found(partner_admin, term) == {lead.pk}, term
    assert found(partner_admin, "warehouse", tab="marketplace") == set()  # the tab still applies
    assert found(partner_admin, "a.s. šárka") == set()  # one field at a time, never across two


def test_an_inquiry_from_the_directory_is_found(org, partner_admin):
    lead, created = services.lead_create_inquiry(
        partner=org, customer={**CUSTOMER, "company": "Northwind"}, need="Help us choose a CRM"
    )
    assert created and found(partner_admin, "northwind") == found(partner_admin, "choose a crm") == {lead.pk}


def test_deal_name_and_crm_id_are_found_as_soon_as_they_change(ops_user, org, partner_admin):
    lead = send(ops_user, org)
    assert found(partner_admin, "orion") == set()
    services.lead_accept(lead=lead, by=partner_admin, deal_name="Orion roll-out", crm_id="CRM-7781", **DEAL)
    assert found(partner_admin, "orion") == found(partner_admin, "crm-7781") == {lead.pk}
    services.lead_update_deal(lead=lead, by=partner_admin, deal_name="Pegasus upgrade")
    assert found(partner_admin, "orion") == set()
    assert found(partner_admin, "pegasus") == found(partner_admin, "CRM-7781") == {lead.pk}


def test_a_customer_renamed_in_the_admin_is_found_by_the_new_name_only(client, ops_user, org, partner_admin):
    lead = send(ops_user, org, company="Old Name Ltd")
    client.force_login(ops_user)
    customer = lead.customer
    response = client.post(
        reverse("admin:leads_customer_change", args=[customer.pk]),
        {
            "company": "Fresh Name Ltd",
            "contact_name": customer.contact_name,
            "email": customer.email,
            "phone": "",
            "company_size": "",
            "country": "CZ",
            "city": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found(partner_admin, "fresh name") == {lead.pk}
    assert found(partner_admin, "old name") == set()


def test_a_search_never_reaches_another_partner_s_leads(ops_user, org, other_org, partner_admin, other_admin):
    ours, theirs = send(ops_user, org, company="Shared Words"), send(ops_user, other_org, company="Shared Words")
    assert found(partner_admin, "shared words") == {ours.pk}
    assert found(other_admin, "shared words") == {theirs.pk}
    assert found(ops_user, "shared words") == {ours.pk, theirs.pk}  # vendor ops staff search every partner


@pytest.mark.parametrize(("term", "expected"), [("100%", "percent"), ("a_b", "underscore"), ("back\\slash", "slash")])
def test_wildcards_in_a_search_are_plain_characters(ops_user, org, partner_admin, term, expected):
    leads = {
        "percent": send(ops_user, org, company="100% Cloud"),
        "underscore": send(ops_user, org, company="Studio a_b"),
        "slash": send(ops_user, org, company="Back\\Slash Data"),
        "decoy": send(ops_user, org, company="1000 Cloud, Studio aXb, Backslash"),
    }
    assert found(partner_admin, term) == {leads[expected].pk}


def test_the_migration_fills_the_same_rows_the_services_write(ops_user, org, partner_admin):
    """Existing leads get their rows from SQL on PostgreSQL; a search must find them exactly as new ones."""
    plain = send(ops_user, org, company="ČESKÁ Pošta", need="Úřad\tand tabs")
    accepted = send(ops_user, org, company="Ørsted", email="INFO@Orsted.example")
    services.lead_accept(lead=accepted, by=partner_admin, deal_name="Wind FARM", crm_id="", **DEAL)
    factory_made = LeadFactory(partner=org, customer=CustomerFactory(company="Factory Co"), deal_name="")
    written = dict(LeadSearch.objects.values_list("lead_id", "text"))
    assert set(written) == {plain.pk, accepted.pk, factory_made.pk}
    LeadSearch.objects.all().delete()
    fill = importlib.import_module("leads.migrations.0009_lead_search").FILL_POSTGRESQL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(LeadSearch.objects.values_list("lead_id", "text")) == written
    assert found(partner_admin, "česká pošta") == {plain.pk} and found(partner_admin, "wind farm") == {accepted.pk}


def test_the_admin_search_matches_every_word_in_any_searched_field(client, ops_user, org):
    wanted = LeadFactory(partner=org, customer=CustomerFactory(company="Northwind Traders", contact_name="Ann Lee"))
    LeadFactory(partner=org, customer=CustomerFactory(company="Northwind Bikes", contact_name="Bob Ray"))
    client.force_login(ops_user)
    url = reverse("admin:leads_lead_changelist")
    page = client.get(url, {"q": "northwind ann"}).content.decode()
    assert "Northwind Traders" in page and "Northwind Bikes" not in page
    page = client.get(url, {"q": '"northwind traders"'}).content.decode()
    assert "Northwind Traders" in page and "Northwind Bikes" not in page
    assert wanted.pk


def test_refresh_search_writes_the_rows_of_leads_that_have_none(ops_user, org, partner_admin):
    kept, lost = send(ops_user, org, company="Kept Co"), send(ops_user, org, company="Lost Co")
    LeadSearch.objects.filter(lead=lost).delete()  # as for a lead the previous release created during a deploy
    LeadSearch.objects.filter(lead=kept).update(text="stale")
    assert found(partner_admin, "lost co") == set()
    out = io.StringIO()
    call_command("refresh_search", stdout=out)
    assert "1 leads' search rows written" in out.getvalue()
    assert found(partner_admin, "lost co") == {lost.pk} and found(partner_admin, "kept co") == set()
    call_command("refresh_search", "--all", stdout=out)
    assert found(partner_admin, "kept co") == {kept.pk}
