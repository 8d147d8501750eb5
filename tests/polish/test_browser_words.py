"""Issue 19 in real Chromium, English and Czech, desktop and phone: the hot banner's one clock, country names on the
public pages, and the admin's "Mark won" asking once on a page of its own (no script, so nothing the CSP blocks).
Screenshots go to test-artifacts/polish2-*.png."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from leads.models import Lead, Status
from profiles.models import Role
from tests.factories import (
    AcceptedLeadFactory,
    BusinessProfileFactory,
    CustomerFactory,
    LeadFactory,
    LocationFactory,
    MembershipFactory,
    OpsUserFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"
SIZES = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
BANNER = {
    "en": re.compile(r"call within 2 d 1[78] h, by \d+ Dec 2026, \d\d:\d\d, while the lead is hot"),
    "cs": re.compile(r"zavolejte během 2 d 1[78] h, nejpozději \d+\. prosince 2026, \d+:\d\d, dokud je lead horký"),
}
PLACES = {"en": ("Berlin, Germany", "Brno, Czechia"), "cs": ("Berlin, Německo", "Brno, Česko")}


def browse(browser: Browser, live_server, language: str, size: str) -> Page:
    context = browser.new_context(viewport=SIZES[size], locale={"en": "en-GB", "cs": "cs-CZ"}[language])
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def log_in(page: Page, live_server, username: str, path: str = "/accounts/login/") -> None:
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and found.append(message.text))
    return found


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "cs"])
def test_the_hot_banner_reads_in_one_clock(browser: Browser, live_server, org, artifacts, language, size):
    MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN)
    received = timezone.now() - timedelta(hours=5, minutes=30)
    lead = LeadFactory(
        partner=org,
        contact_requested=True,
        received_at=received,
        respond_by=received + timedelta(days=14),
        customer=CustomerFactory(company="Northwind Traders", country="DE", city="Berlin"),
    )
    page = browse(browser, live_server, language, size)
    log_in(page, live_server, "contoso-admin")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    banner = page.locator("[data-alert=hot]")
    expect(banner).to_contain_text(BANNER[language])
    expect(page.locator(".lead-sub .time-left")).to_contain_text("13 d 18 h")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=artifacts / f"polish2-hot-lead-{language}-{size}.png")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "cs"])
def test_public_pages_name_countries_in_the_viewers_language(
    browser: Browser, live_server, org, artifacts, language, size
):
    profile = BusinessProfileFactory(organisation=org, keywords=["cloud", "data", "ERP"])
    LocationFactory(profile=profile, country="DE", city="Berlin")
    LocationFactory(profile=profile, country="CZ", city="Brno")
    page = browse(browser, live_server, language, size)
    page.goto(f"{live_server.url}/partners/")
    meta = page.locator(f"[data-partner={org.slug}] .partner-meta")
    for place in PLACES[language]:
        expect(meta).to_contain_text(place)
    expect(meta).not_to_contain_text(re.compile(r", (DE|CZ)\b"))
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=artifacts / f"polish2-directory-{language}-{size}.png", full_page=True)
    page.goto(f"{live_server.url}/partners/{org.slug}/")
    offices = page.locator("ul.locations li")
    expect(offices).to_have_count(2)
    for place in PLACES[language]:
        expect(page.locator("ul.locations")).to_contain_text(place)
    page.screenshot(path=artifacts / f"polish2-partner-{language}-{size}.png", full_page=True)
    page.context.close()


@pytest.mark.parametrize("language", ["en", "cs"])
def test_mark_won_in_the_admin_asks_once_then_archives(browser: Browser, live_server, org, artifacts, language):
    OpsUserFactory(username="ops-confirm")
    lead = AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Tailspin Toys"))
    page = browse(browser, live_server, language, "desktop")
    violations = csp_violations(page)
    log_in(page, live_server, "ops-confirm", "/admin/login/")
    page.goto(f"{live_server.url}/admin/leads/lead/{lead.pk}/change/")
    mark_won = {"en": "Mark won", "cs": "Označit jako vyhraný"}[language]
    page.locator("button[name=_fsm_transition_to][value=win]").click()
    expect(page.locator("#transition-confirm")).to_contain_text(
        {"en": "Mark this lead won? It is archived", "cs": "Označit lead jako vyhraný? Archivuje se"}[language]
    )
    assert Lead.objects.get(pk=lead.pk).status == Status.ACCEPTED  # the first click only asked
    page.screenshot(path=artifacts / f"polish2-admin-mark-won-{language}.png", full_page=True)
    button = page.get_by_role("button", name=mark_won)
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).status == Status.WON
    assert violations == []
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_czech_partner_exports_edits_in_czech_and_imports_the_file(
    browser: Browser, live_server, org, artifacts, tmp_path, size
):
    MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN)
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Pekárna & syn", country="DE"))
    page = browse(browser, live_server, "cs", size)
    log_in(page, live_server, "contoso-admin")
    page.goto(f"{live_server.url}/leads/marketplace/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exportovat CSV").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the diacritics right
    lines = data.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header[:6] == ["ID", "Partner", "Typ leadu", "Seznam", "Stav", "Fáze"]
    row = next(csv.reader([lines[1]], delimiter=";"))
    cells = dict(zip(header, row))
    assert (cells["Stav"], cells["Země"], cells["Typ leadu"]) == ("Nový", "Německo", "Poptávka zákazníka")
    # As Czech Excel saves it: Windows-1250, semicolons; the sales person wrote the status and reason in Czech.
    cells.update({"Stav": "Odmítnutý", "Důvod": "Zákazník nemá rozpočet", "Upřesnění důvodu": "Až v dubnu."})
    edited = tmp_path / "leady.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([header, [cells[name] for name in header]])
    edited.write_bytes(buffer.getvalue().encode("cp1250"))
    page.get_by_role("link", name="Importovat CSV").click()
    page.get_by_label("Soubor CSV").set_input_files(edited)
    page.get_by_role("button", name="Zobrazit náhled změn").click()
    preview = page.locator("#import-preview tr", has_text="Pekárna & syn")
    expect(preview).to_contain_text("Stav: Nový → Odmítnutý")
    expect(preview).to_contain_text("Důvod: — → Zákazník nemá rozpočet")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=artifacts / f"polish2-import-preview-cs-{size}.png", full_page=True)
    page.get_by_role("button", name="Provést 1 změnu").click()
    expect(page.locator("#import-summary")).to_be_visible()
    saved = Lead.objects.get(pk=lead.pk)
    assert (saved.status, saved.reason, saved.reason_notes) == (Status.DECLINED, "no_budget", "Až v dubnu.")
    page.context.close()
