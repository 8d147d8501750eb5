"""Issue 19 item 6: a country is picked from a list (names in the user's language, ISO codes as values)
wherever one is entered or filtered; "Germany" is refused, never cut to "Ge"."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import Lead
from tests.factories import (
    BusinessProfileFactory,
    CustomerFactory,
    LocationFactory,
    OrganisationFactory,
)
from tests.polish.helpers import api

pytestmark = pytest.mark.django_db


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.DOTALL).group(0)


@pytest.fixture
def listed(org):
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(profile=profile, country="DE", city="Berlin")
    other = BusinessProfileFactory(organisation=OrganisationFactory(slug="czech", name="Czech Co"))
    LocationFactory(profile=other, country="CZ", city="Brno")
    return profile


def test_the_directory_filters_by_a_picked_country_in_the_user_s_language(client, listed):
    select = _select(client.get("/partners/").content.decode(), "country")
    assert '<option value="DE">Germany (DE)</option>' in select and ">Any country</option>" in select
    czech = _select(client.get("/partners/", HTTP_ACCEPT_LANGUAGE="cs").content.decode(), "country")
    assert '<option value="DE">Německo (DE)</option>' in czech
    assert re.findall(r'data-partner="([^"]+)"', client.get("/partners/", {"country": "DE"}).content.decode()) == [
        "contoso"
    ]


def test_a_bad_country_in_the_directory_is_an_error_not_every_partner(client, listed):
    html = client.get("/partners/", {"country": "Germany"}).content.decode()
    assert "Select a valid choice" in html
    assert "data-partner=" not in html


def test_the_contact_form_refuses_a_country_name_instead_of_cutting_it(listed):
    customer = Client(REMOTE_ADDR=f"test-{uuid.uuid4()}")
    page = customer.get("/partners/contoso/").content.decode()
    assert '<option value="CZ">Czechia (CZ)</option>' in _select(page, "country")
    form = {
        "company": "Acme",
        "contact_name": "Petr",
        "email": "petr@acme.example",
        "need": "ERP to cloud",
        "country": "Germany",
    }
    refused = customer.post("/partners/contoso/contact/", form)
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert not Lead.objects.exists()
    assert customer.post("/partners/contoso/contact/", {**form, "country": "DE"}).status_code == 302
    assert Lead.objects.get().customer.country == "DE"


def test_profile_locations_pick_a_country(client, partner_admin, listed):
    client.force_login(partner_admin)
    html = client.get("/profile/").content.decode()
    select = _select(html, "locations-0-country")
    assert '<option value="DE" selected>Germany (DE)</option>' in select
    data = {
        "description": "x",
        "keywords": "cloud",
        "industries": "",
        "locations-0-country": "Germany",
        "locations-0-city": "Berlin",
        "locations-0-contact_name": "A",
        "locations-0-contact_email": "a@c.example",
    }
    response = client.post("/profile/", data)
    assert response.status_code in (400, 422) and "Select a valid choice" in response.content.decode()
    assert listed.locations.get().country == "DE"


def test_the_admin_lead_form_picks_a_country(client, ops_user):
    client.force_login(ops_user)
    html = client.get(reverse("admin:leads_lead_add")).content.decode()
    assert '<option value="CZ">Czechia (CZ)</option>' in _select(html, "country")


def test_the_api_refuses_a_country_that_is_not_an_iso_code(ops_user, org):
    body = {
        "partner": org.slug,
        "lead_type": "sales_qualified",
        "need": "ERP",
        "customer": {"company": "Acme", "contact_name": "Petr", "email": "p@acme.example", "country": "XX"},
    }
    response = api(ops_user, "post", "/leads", body)
    assert response.status_code == 422 and "customer.country" in response.json()["errors"]
    assert (
        api(ops_user, "post", "/leads", {**body, "customer": {**body["customer"], "country": "de"}}).status_code == 201
    )


def test_the_admin_customer_and_location_forms_pick_a_country(client, ops_user, org):
    client.force_login(ops_user)
    customer = CustomerFactory(country="DE")
    html = client.get(reverse("admin:leads_customer_change", args=[customer.pk])).content.decode()
    assert '<option value="DE" selected>Germany (DE)</option>' in _select(html, "country")
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(profile=profile, country="CZ")
    html = client.get(reverse("admin:profiles_businessprofile_change", args=[profile.pk])).content.decode()
    assert '<option value="CZ" selected>Czechia (CZ)</option>' in _select(html, "locations-0-country")


def test_the_picker_keeps_the_chosen_country_selected_and_escapes_what_it_does_not_know(client, listed):
    for language, germany in (("en", "Germany"), ("cs", "Německo")):
        select = _select(
            client.get("/partners/", {"country": "DE"}, HTTP_ACCEPT_LANGUAGE=language).content.decode(), "country"
        )
        assert f'<option value="DE" selected>{germany} (DE)</option>' in select
        assert select.count(" selected") == 1
    crafted = client.get("/partners/", {"country": '"><script>x</script>'}).content.decode()
    assert "<script>x</script>" not in crafted and " selected" not in _select(crafted, "country")
