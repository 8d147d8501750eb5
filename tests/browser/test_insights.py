"""Insights in real Chromium: the period picker swaps the body in place and pushes the URL, the CSP reports no
violation, and a screenshot is left in test-artifacts/ for a person to look at."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_triage import PASSWORD, mark_page, still_same_page
from tests.factories import MembershipFactory, UserFactory
from tests.insights.conftest import known_leads  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_reads_insights_and_changes_the_period_in_place(
    page: Page,
    live_server,
    org,
    known_leads,  # noqa: F811
    artifacts,
):
    MembershipFactory(user=UserFactory(username="insights-admin"), organisation=org, role="partner_admin")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("insights-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights · Contoso Consulting")).to_be_visible()

    mark_page(page)
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".stat-value").first).to_have_text("10")
    assert still_same_page(page)
    assert "from=2026-01-01" in page.url and "to=2026-03-31" in page.url
    expect(page.locator("svg.chart-svg")).to_have_count(4)
    page.get_by_text("Show the numbers").first.click()
    expect(page.get_by_role("rowheader", name="January 2026")).to_be_visible()
    page.screenshot(path=artifacts / "insights.png", full_page=True)
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text]
