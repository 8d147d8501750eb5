"""Triage at speed in real Chromium (DESIGN §11): the keyboard, the bulk decline racing a colleague, the CSV import's
preview and apply, and the list that picks up new leads by itself."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads import services
from leads.models import Lead, Status
from profiles.models import Role
from tests.browser import test_triage as day
from tests.browser.test_triage import log_in, mark_page, row, still_same_page
from tests.factories import CustomerFactory, LeadFactory, MembershipFactory, UserFactory
from tests.leads.csv_files import parse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
partner = day.partner  # the same partner admin and four leads as a partner's day


@pytest.fixture
def colleague(org):
    return MembershipFactory(
        user=UserFactory(username="contoso-colleague"), organisation=org, role=Role.REFERRALS_ADMIN
    ).user


def focused_company(page: Page) -> str:
    return page.evaluate(
        "document.activeElement.closest('li.lead-row') ? "
        "document.activeElement.closest('li.lead-row').querySelector('.lead-company').textContent : ''"
    )


def test_keyboard_moves_selects_favourites_opens_and_acts(page: Page, live_server, partner, artifacts):
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    expect(page.locator("li.lead-row")).to_have_count(3)
    page.locator("body").press("j")
    assert focused_company(page) == "Northwind Traders"
    expect(row(page, "Northwind Traders")).to_have_class(re.compile("is-focused"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_company(page) == "Wide World Importers"
    page.keyboard.press("k")
    assert focused_company(page) == "Tailspin Toys"
    page.keyboard.press("x")
    expect(row(page, "Tailspin Toys").locator(".row-select")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("Selected: 1")
    page.keyboard.press("f")
    expect(row(page, "Tailspin Toys").locator("button.heart")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=artifacts / "triage-keyboard-list.png")

    # Typing in a field (or with a modifier) fires nothing.
    page.get_by_label("Search").focus()
    page.keyboard.type("jkx")
    expect(row(page, "Tailspin Toys").locator(".row-select")).to_be_checked()
    page.get_by_label("Search").fill("")
    expect(page.locator("li.lead-row")).to_have_count(3)
    page.locator("h1").click()
    page.keyboard.press("Control+j")
    assert focused_company(page) == ""

    # ? opens an accessible dialog; Esc closes it.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Select the lead for a bulk action")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # j goes on from the row last focused (Tailspin Toys); Enter opens it; on its page d opens decline, a accept,
    # Esc goes back to the list.
    page.keyboard.press("j")
    assert focused_company(page) == "Wide World Importers"
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Wide World Importers")
    page.keyboard.press("d")
    expect(page.locator("#decline details")).to_have_attribute("open", "")
    expect(page.locator("#decline select[name=reason]")).to_be_focused()
    page.keyboard.press("a")  # typing in the reason select: no shortcut
    expect(page.locator("#decline select[name=reason]")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("a")
    expect(page.locator("#accept input[name=deal_name]")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/leads/marketplace/$"))


def test_keyboard_help_speaks_czech(page: Page, live_server, partner):
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    page.get_by_label("Language").select_option("cs")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Klávesové zkratky")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Vybrat lead pro hromadnou akci")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()  # keys typed while a dialog is open are the dialog's
    page.keyboard.press("j")
    expect(page.locator("#lead-rows a.lead-company").first).to_be_focused()  # as a person sees it, then x
    page.keyboard.press("x")
    expect(page.locator("[data-selected-count]")).to_have_text("Vybráno: 1")
    expect(page.get_by_role("button", name="Odmítnout vybrané")).to_be_visible()


def test_bulk_decline_names_the_lead_a_colleague_decided_meanwhile(
    page: Page, live_server, partner, colleague, artifacts
):
    _, leads = partner
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    mark_page(page)
    page.get_by_text("Select all on this page").click()
    expect(page.locator("[data-selected-count]")).to_have_text("Selected: 3")
    # Meanwhile a colleague accepts one of them.
    services.lead_accept(
        lead=leads["cooled"],
        by=colleague,
        deal_name="Colleague's deal",
        deal_value="100",
        estimated_close_date=timezone.localdate() + timedelta(days=10),
    )
    page.locator("#bulk-reason").select_option("not_a_fit")
    page.get_by_role("button", name="Decline selected").click()
    result = page.locator("#bulk-result")
    expect(result).to_contain_text("2 of 3 leads declined.")
    expect(result).to_contain_text("Already decided by someone else:")
    expect(result.get_by_role("link", name="Tailspin Toys")).to_be_visible()
    expect(result).to_contain_text("accepted")
    expect(page.locator("#tabs a.tab", has_text="Marketplace leads").locator(".count")).to_have_text(re.compile(r"^0"))
    # The rows are read again in place: the declined leads show it and can no longer be selected.
    expect(row(page, "Northwind Traders").locator(".badge")).to_have_text("Declined")
    expect(row(page, "Tailspin Toys").locator(".badge")).to_have_text("Accepted")
    expect(page.locator(".row-select")).to_have_count(0)
    assert still_same_page(page)
    page.screenshot(path=artifacts / "triage-bulk-decline.png", full_page=True)
    statuses = {lead.customer.company: lead.status for lead in Lead.objects.select_related("customer")}
    assert statuses["Northwind Traders"] == statuses["Wide World Importers"] == Status.DECLINED
    assert statuses["Tailspin Toys"] == Status.ACCEPTED


def test_import_preview_then_apply(page: Page, live_server, partner, artifacts, tmp_path):
    _, leads = partner
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    rows = parse(page.request.get(f"{live_server.url}/leads/marketplace/export.csv").body())
    for line in rows:
        if line["customer_company"] == "Northwind Traders":
            line.update(status="declined", reason="duplicate_or_spam")
        if line["customer_company"] == "Tailspin Toys":
            line.update(
                status="accepted",
                deal_name="Microsoft 365",
                deal_value="4 800,00",
                estimated_close_date=(timezone.localdate() + timedelta(days=20)).strftime("%d.%m.%Y"),
            )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "leads-edited.csv"
    path.write_bytes(buffer.getvalue().encode("cp1250"))

    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(path)
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("#import-summary")).to_contain_text("2 rows to change")
    preview = page.locator("#import-preview")
    expect(preview.locator("tr", has_text="Tailspin Toys")).to_contain_text("Deal value")
    expect(preview.locator("tr", has_text="Tailspin Toys")).to_contain_text("4800.00")
    expect(preview.locator("tr", has_text="Northwind Traders")).to_contain_text("Received → Declined")
    page.screenshot(path=artifacts / "triage-import-preview.png", full_page=True)
    assert Lead.objects.get(pk=leads["hot"].pk).status == Status.RECEIVED  # nothing written by the preview

    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.locator("#import-summary")).to_contain_text("2 rows applied")
    expect(page.locator("#import-results tr", has_text="Tailspin Toys")).to_contain_text("Applied")
    page.screenshot(path=artifacts / "triage-import-results.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the results (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as file:
        results = list(csv.DictReader(file))
    assert sorted(line["result"] for line in results) == ["applied", "applied", "unchanged"]
    assert Lead.objects.get(pk=leads["hot"].pk).status == Status.DECLINED
    assert Lead.objects.get(pk=leads["cooled"].pk).status == Status.ACCEPTED


def test_open_list_picks_up_a_new_hot_lead_without_losing_selection_or_form(
    page: Page, live_server, partner, org, artifacts
):
    page.set_default_timeout(10_000)
    log_in(page, live_server, "contoso-admin")
    expect(page.locator("#tabs a.tab", has_text="Marketplace leads")).to_contain_text("3")
    mark_page(page)
    row(page, "Wide World Importers").locator(".row-select").check()
    page.locator("#bulk-notes").fill("half-typed note")
    LeadFactory(
        partner=org,
        contact_requested=True,
        need="Call us today about 200 laptops.",
        customer=CustomerFactory(company="Brand New Hot Lead"),
    )
    # The poll runs every 20 s: the lead is on the page at most 30 s after it arrived.
    expect(page.locator("li.lead-row").first).to_contain_text("Brand New Hot Lead", timeout=30_000)
    expect(page.locator("#tabs a.tab", has_text="Marketplace leads")).to_contain_text("4")
    expect(page.locator("#live-banner .alert-hot")).to_contain_text("Brand New Hot Lead")
    expect(page.locator("li.lead-row")).to_have_count(4)
    expect(row(page, "Wide World Importers").locator(".row-select")).to_be_checked()
    expect(page.locator("#bulk-notes")).to_have_value("half-typed note")
    assert still_same_page(page)
    page.screenshot(path=artifacts / "triage-live.png", full_page=True)
