"""A partner's day in real Chromium: tabs, search, favourites, hot alerts, accept, edit, win, decline, and roles."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import Lead, LeadType, Status
from profiles.models import Role
from tests.factories import BusinessProfileFactory, CustomerFactory, LeadFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The next page, with its scripts running: a key or a select's change before app.js listens would be lost.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("load")


def mark_page(page: Page) -> None:
    """A flag that survives HTMX swaps but not a full page load: proves a step happened in place."""
    page.evaluate("window.__noReload = true")


def still_same_page(page: Page) -> bool:
    return page.evaluate("window.__noReload === true")


def row(page: Page, company: str):
    return page.locator("li.lead-row", has_text=company)


@pytest.fixture
def partner(org):
    admin = MembershipFactory(
        user=UserFactory(username="contoso-admin", first_name="Alena", last_name="Admin"),
        organisation=org,
        role=Role.PARTNER_ADMIN,
    ).user
    now = timezone.now()
    leads = {
        "hot": LeadFactory(
            partner=org,
            contact_requested=True,
            received_at=now - timedelta(hours=2),
            customer=CustomerFactory(company="Northwind Traders", contact_name="Anna Svobodová"),
            need="Move 40 servers to the cloud before the lease ends.",
        ),
        "cooled": LeadFactory(
            partner=org,
            contact_requested=True,
            received_at=now - timedelta(days=4),
            customer=CustomerFactory(company="Tailspin Toys", contact_name="Petr Dvořák"),
            need="Microsoft 365 for 30 people.",
        ),
        "plain": LeadFactory(
            partner=org,
            received_at=now - timedelta(days=13),
            customer=CustomerFactory(company="Wide World Importers", contact_name="Laura Schmidt"),
            need="Power BI dashboards for sales across 12 countries.",
        ),
        "qualified": LeadFactory(
            partner=org,
            lead_type=LeadType.SALES_QUALIFIED,
            received_at=now - timedelta(days=1),
            customer=CustomerFactory(company="Adventure Works", contact_name="Tom Baker"),
            need="A data warehouse and forecasting for 300 stores.",
        ),
    }
    return admin, leads


def test_partner_admin_triages_leads(page: Page, live_server, partner, artifacts):
    _, leads = partner
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "contoso-admin")
    expect(page).to_have_url(re.compile(r"/leads/marketplace/$"))
    expect(page.locator(".topbar")).to_contain_text("Contoso Consulting")
    expect(page.locator(".topbar")).to_contain_text("Partner admin")
    expect(page.locator("#tabs a.tab", has_text="Marketplace leads")).to_contain_text("3")
    expect(row(page, "Northwind Traders").locator(".flame")).to_be_visible()
    expect(row(page, "Wide World Importers").locator(".time-left.urgent")).to_be_visible()
    page.screenshot(path=artifacts / "list-desktop.png", full_page=True)

    # Tabs swap the list in place and push the URL.
    mark_page(page)
    page.locator("#tabs").get_by_role("link", name=re.compile("Qualified leads")).click()
    expect(page).to_have_url(re.compile(r"/leads/qualified/$"))
    expect(page.locator("#lead-results")).to_contain_text("Adventure Works")
    expect(page.locator("#lead-results")).not_to_contain_text("Northwind")
    expect(page.locator("#tabs a[aria-current=page]")).to_contain_text("Qualified leads")
    assert still_same_page(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/leads/marketplace/$"))
    expect(page.locator("#lead-results")).to_contain_text("Northwind Traders")

    # Search narrows the list as one types; the URL carries the query.
    mark_page(page)
    page.get_by_label("Search").fill("tailspin")
    expect(page).to_have_url(re.compile(r"q=tailspin"))
    expect(page.locator("li.lead-row")).to_have_count(1)
    expect(page.locator("#lead-results")).to_contain_text("Tailspin Toys")
    assert still_same_page(page)
    page.get_by_label("Search").fill("")
    expect(page.locator("li.lead-row")).to_have_count(3)

    # The heart toggles in place; Favorites then shows the lead.
    heart = row(page, "Northwind Traders").locator("button.heart")
    heart.click()
    expect(row(page, "Northwind Traders").locator("button.heart")).to_have_attribute("aria-pressed", "true")
    assert still_same_page(page)
    page.locator("#tabs").get_by_role("link", name=re.compile("Favorites")).click()
    expect(page).to_have_url(re.compile(r"/leads/favorites/$"))
    expect(page.locator("li.lead-row")).to_have_count(1)
    expect(page.locator("#lead-results")).to_contain_text("Northwind Traders")

    # A hot lead: the flame alert at the top; accept it with two extra team members.
    page.get_by_role("link", name="Northwind Traders").click()
    expect(page.locator("[data-alert=hot]")).to_contain_text("Hot lead!")
    page.screenshot(path=artifacts / "lead-desktop.png", full_page=True)
    mark_page(page)
    accept = page.locator("#accept")
    accept.get_by_label("Deal name").fill("Northwind cloud move")
    accept.get_by_label("Estimated value").fill("25000")
    accept.get_by_label("Currency").select_option("EUR")
    accept.get_by_label("Estimated close date").fill((timezone.now() + timedelta(days=60)).date().isoformat())
    accept.get_by_label("CRM id").fill("CRM-1001")
    page.fill("[name=team-0-name]", "Eva Team")
    page.fill("[name=team-0-email]", "eva@contoso.example")
    accept.get_by_role("button", name="Add another person").click()
    page.fill("[name=team-1-name]", "Karel Team")
    page.fill("[name=team-1-email]", "karel@contoso.example")
    page.fill("[name=team-1-phone]", "+420 600 111 222")
    accept.get_by_role("button", name="Accept lead").click()
    expect(page.locator("#lead-main .alert-success")).to_contain_text("Lead accepted")
    expect(page.locator(".team-list")).to_contain_text("Eva Team")
    expect(page.locator(".team-list")).to_contain_text("Karel Team")
    expect(page.locator("#tabs a.tab", has_text="Marketplace leads").locator(".count")).to_have_text("2 waiting")
    assert still_same_page(page)
    lead = Lead.objects.get(pk=leads["hot"].pk)
    assert lead.status == Status.ACCEPTED and lead.team.count() == 2

    # Edit the deal, then mark it won: archived and read-only.
    page.locator("#edit summary").click()
    page.locator("#edit").get_by_label("Estimated value").fill("30000")
    page.locator("#edit").get_by_role("button", name="Save deal").click()
    expect(page.locator("#lead-main .alert-success")).to_contain_text("Deal saved.")
    expect(page.locator("#lead-main .facts .deal-value")).to_contain_text("30,000.00 EUR")
    page.get_by_role("button", name="Mark won").click()
    dialog = page.locator("dialog.confirm-dialog")  # an archiving action asks once (static/js/confirm.js)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Mark this lead won?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Mark won")).to_be_focused()
    assert Lead.objects.get(pk=lead.pk).status == Status.ACCEPTED
    page.get_by_role("button", name="Mark won").click()
    dialog.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator("[data-alert=archived]")).to_contain_text("read-only")
    expect(page.locator("#lead-main .badge")).to_have_text("Won")
    expect(page.locator("#lead-main form[action$='/edit/'], #lead-main form[action$='/win/']")).to_have_count(0)
    assert Lead.objects.get(pk=lead.pk).status == Status.WON

    # Decline another with a reason.
    page.goto(f"{live_server.url}/leads/{leads['plain'].pk}/")
    page.locator("#decline summary").click()
    expect(page.locator("#decline")).to_contain_text("choose another partner")
    page.locator("#decline").get_by_label("Reason").select_option("no_budget")
    page.locator("#decline").get_by_label("Notes").fill("Budget frozen until next year.")
    page.locator("#decline").get_by_role("button", name="Decline lead").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator("#lead-main .alert-success")).to_contain_text("choose another partner")
    expect(page.locator("#lead-main")).to_contain_text("Customer has no budget")
    assert Lead.objects.get(pk=leads["plain"].pk).reason == "no_budget"

    # Older than 72 hours: a different alert, still asking to reach out.
    page.goto(f"{live_server.url}/leads/{leads['cooled'].pk}/")
    expect(page.locator("[data-alert=hot]")).to_have_count(0)
    expect(page.locator("[data-alert=cooled]")).to_contain_text("4 days ago — reach out now")

    # Phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "lead-phone.png", full_page=True)
    page.goto(f"{live_server.url}/leads/marketplace/")
    expect(page.locator("li.lead-row").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "list-phone.png", full_page=True)


def test_referrals_admin_has_no_profile_editor_and_can_switch_to_czech(page: Page, live_server, org):
    BusinessProfileFactory(organisation=org)
    MembershipFactory(user=UserFactory(username="contoso-referrals"), organisation=org, role=Role.REFERRALS_ADMIN)
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-referrals")
    expect(page.locator(".topbar")).to_contain_text("Referrals admin")
    expect(page.get_by_role("link", name="Business profile")).to_have_count(0)
    page.goto(f"{live_server.url}/profile/")
    expect(page.locator("[data-forbidden]")).to_be_visible()
    expect(page.locator("#profile-editor")).to_have_count(0)

    page.goto(f"{live_server.url}/leads/qualified/")
    page.get_by_label("Language").select_option("cs")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    expect(page).to_have_url(re.compile(r"/leads/qualified/$"))
    expect(page.locator("#tabs")).to_contain_text("Kvalifikované leady")


def test_everything_works_without_javascript(browser, live_server, org, artifacts):
    MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN)
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Plain Pages Ltd"))
    LeadFactory(partner=org, customer=CustomerFactory(company="Other Co"))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "contoso-admin")
        page.get_by_label("Search").fill("plain")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"q=plain"))
        expect(page.locator("li.lead-row")).to_have_count(1)
        row(page, "Plain Pages Ltd").locator("button.heart").click()
        expect(page).to_have_url(re.compile(r"q=plain"))  # back where the user was
        expect(row(page, "Plain Pages Ltd").locator("button.heart")).to_have_attribute("aria-pressed", "true")
        page.get_by_role("link", name="Plain Pages Ltd").click()
        page.locator("#decline summary").click()
        page.locator("#decline").get_by_label("Reason").select_option("not_a_fit")
        page.locator("#decline").get_by_role("button", name="Decline lead").click()
        expect(page.locator("[data-confirm-page]")).to_contain_text("Decline this lead?")  # asked once, no JS
        assert Lead.objects.get(pk=lead.pk).status == Status.RECEIVED
        page.get_by_role("button", name="Yes, go ahead").click()
        expect(page.locator(".messages")).to_contain_text("choose another partner")
        expect(page.locator("[data-alert=archived]")).to_be_visible()
        assert Lead.objects.get(pk=lead.pk).status == Status.DECLINED
    finally:
        context.close()
