"""Real Chromium under the strict CSP: a customer finds a partner and sends the contact form; the API docs render."""

import re

import pytest
from playwright.sync_api import expect

from leads.models import Lead
from tests.factories import BusinessProfileFactory, LocationFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_a_customer_finds_a_partner_and_sends_an_inquiry(live_server, page, console_errors, settings):
    # The browser always comes from 127.0.0.1, and the per-address count lives in Redis across runs.
    settings.LEADHUB_INQUIRY_RATE_PER_HOUR = 10_000
    org = OrganisationFactory(slug="contoso", name="Contoso Consulting")
    LocationFactory(profile=BusinessProfileFactory(organisation=org, keywords=["ERP", "cloud"]), country="CZ")
    page.goto(f"{live_server.url}/partners/")
    page.get_by_role("textbox", name="Keyword").fill("erp")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Contoso Consulting").click()
    expect(page).to_have_url(re.compile(r"/partners/contoso/$"))
    expect(page.get_by_label("Leave this empty")).to_be_hidden()
    page.get_by_label("Company:", exact=True).fill("Acme s.r.o.")
    page.get_by_label("Your name").fill("Petr Novák")
    page.get_by_label("E-mail").fill("petr@acme.example")
    page.get_by_label("What do you need?").fill("An ERP rollout for 120 people.")
    page.get_by_label("Contact me directly").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    lead = Lead.objects.get()
    assert (lead.partner_id, lead.customer.email, lead.is_hot) == (org.pk, "petr@acme.example", True)
    assert console_errors == []


def test_the_interactive_api_docs_render_every_endpoint(live_server, page, console_errors):
    from leadhub.api import api

    operations = sum(len(methods) for methods in api.get_openapi_schema()["paths"].values())
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock")).to_have_count(operations)
    assert console_errors == []
