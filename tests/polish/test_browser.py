"""Issue 19 in real Chromium: a Czech decimal comma stays 12000,50; a team row is removed from the accept form;
the new token is copied whole."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads import services
from leads.models import Lead
from profiles.models import Role
from tests.factories import (
    AcceptedLeadFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpsUserFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The next page, with its scripts running: a select's change before app.js listens would be lost.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("load")


@pytest.fixture
def admin(org):
    return MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN).user


def test_a_czech_partner_accepts_with_a_decimal_comma_and_drops_a_team_row(page: Page, live_server, org, admin):
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Plzeň Steel", country="CZ"))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    page.get_by_label("Language").select_option("cs")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    accept = page.locator("#accept")
    expect(accept.locator("select[name=currency]")).to_have_value("CZK")  # from the customer's country
    accept.locator("[name=deal_name]").fill("Ocelárna ERP")
    accept.locator("[name=deal_value]").fill("12000,50")
    accept.locator("[name=estimated_close_date]").fill((timezone.now() + timedelta(days=30)).date().isoformat())
    page.fill("[name=team-0-name]", "Eva")
    page.fill("[name=team-0-email]", "eva@contoso.example")
    accept.locator("[data-add-team]").click()
    page.fill("[name=team-1-name]", "Omyl")
    accept.locator(".team-row").nth(1).locator("[data-remove-team-row]").click()
    expect(accept.locator(".team-row")).to_have_count(1)
    expect(accept.locator("[data-add-team]")).to_be_focused()
    accept.locator("button[type=submit]").click()
    expect(page.locator("#lead-main .alert-success")).to_be_visible()
    saved = Lead.objects.get(pk=lead.pk)
    assert saved.deal_value == Decimal("12000.50") and saved.currency == "CZK"
    assert [member.name for member in saved.team.all()] == ["Eva"]
    expect(page.locator("#lead-main .deal-value")).to_contain_text(re.compile(r"12\s000,50\sCZK"))


def test_a_new_token_is_copied_whole(page: Page, live_server, org, admin):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    page.goto(f"{live_server.url}/profile/tokens/")
    page.get_by_label("Name").fill("CRM")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("lh_")
    page.get_by_role("button", name="Copy token").click()
    expect(page.locator(".copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator("#new-token").bounding_box()
    assert box["x"] + box["width"] <= 390  # shown whole, wrapped, on a phone


def test_the_admin_lead_list_fits_1400_px_and_reads_well(page: Page, live_server, org):
    OpsUserFactory(username="ops-wide")
    for index in range(5):
        AcceptedLeadFactory(
            partner=org,
            deal_value="1234567.89",
            deal_name="A long deal name " * 4,
            customer=CustomerFactory(company=f"Northwind Traders International {index}"),
        )
    lead = Lead.objects.first()
    services.lead_update_deal(lead=lead, by=OpsUserFactory(username="ops-editor"), deal_name="Renamed")
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("ops-wide")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/leads/lead/")
    expect(page.locator("#result_list")).to_contain_text("Northwind Traders International")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    page.goto(f"{live_server.url}/admin/leads/lead/{lead.pk}/change/")
    expect(page.locator("#content")).to_contain_text(f"{lead.customer.company} — Contoso Consulting (accepted)")
    expect(page.locator(".lead-timeline")).to_contain_text("→ Renamed")
