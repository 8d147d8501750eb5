"""/leads/import/ with real spreadsheet files made here: the export, edited, saved the way spreadsheets save it."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leads import services
from leads.models import Lead, LeadEvent, Status
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory
from tests.leads.csv_files import parse

pytestmark = pytest.mark.django_db
NEXT_MONTH = timezone.localdate() + timedelta(days=30)


def export(client, tab="marketplace") -> list[dict]:
    """The export's rows keyed by the machine column codes: the files below are uploaded with those headers."""
    response = client.get(f"/leads/{tab}/export.csv")
    assert response.status_code == 200
    return parse(b"".join(response.streaming_content))


def spreadsheet(rows: list[dict], *, encoding="utf-8", delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(client, data: bytes, name="leads.csv"):
    return client.post("/leads/import/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def token_of(response) -> str:
    return re.search(r"/leads/import/([\w-]+)/apply/", response.content.decode()).group(1)


@pytest.fixture
def signed_in(client, partner_admin):
    client.force_login(partner_admin)
    return client


def test_czech_excel_file_in_windows_1250_with_semicolons_declines_after_preview(signed_in, org):
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Šťastný a syn"))
    rows = export(signed_in)
    rows[0].update(status="declined", reason="no_budget", reason_notes="Zákazník nemá letos rozpočet – příští rok.")
    preview = upload(signed_in, spreadsheet(rows, encoding="cp1250", delimiter=";"))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Šťastný a syn" in html and "Received → Declined" in re.sub(r"<[^>]+>", "", html)
    assert "Customer has no budget" in html and "Zákazník nemá letos rozpočet" in html
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED  # the preview wrote nothing
    done = signed_in.post(f"/leads/import/{token_of(preview)}/apply/")
    assert done.status_code == 200 and "1 row applied" in done.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.reason) == (Status.DECLINED, "no_budget")
    assert lead.reason_notes == "Zákazník nemá letos rozpočet – příští rok."
    assert LeadEvent.objects.filter(lead=lead, action="decline", actor__isnull=False).count() == 1


def test_utf8_file_with_bom_accepts_with_a_deal_in_czech_number_and_date_formats(signed_in, org):
    lead = LeadFactory(partner=org)
    rows = export(signed_in)
    rows[0].update(
        status="accepted",
        deal_name="Migrace do cloudu",
        deal_value="12 500,50",
        currency="czk",
        estimated_close_date=NEXT_MONTH.strftime("%d.%m.%Y"),
    )
    preview = upload(signed_in, spreadsheet(rows, bom=True))
    assert "Migrace do cloudu" in preview.content.decode()
    signed_in.post(f"/leads/import/{token_of(preview)}/apply/")
    lead.refresh_from_db()
    assert lead.status == Status.ACCEPTED and lead.deal_name == "Migrace do cloudu"
    assert lead.deal_value == Decimal("12500.50") and lead.currency == "CZK" and lead.estimated_close_date == NEXT_MONTH


def test_formula_cells_the_export_neutralised_are_read_back_unchanged(signed_in, org):
    lead = AcceptedLeadFactory(partner=org, notes="-5 % discount agreed", crm_id="=HYPERLINK(1)")
    rows = export(signed_in)
    assert rows[0]["notes"] == "'-5 % discount agreed" and rows[0]["crm_id"] == "'=HYPERLINK(1)"
    unchanged = upload(signed_in, spreadsheet(rows))
    assert "1 row unchanged" in unchanged.content.decode()
    rows[0]["deal_name"] = "Renamed"
    preview = upload(signed_in, spreadsheet(rows))
    signed_in.post(f"/leads/import/{token_of(preview)}/apply/")
    lead.refresh_from_db()
    assert lead.deal_name == "Renamed"
    assert lead.notes == "-5 % discount agreed" and lead.crm_id == "=HYPERLINK(1)"


def test_refused_rows_name_their_reason_and_spoil_no_other_row(signed_in, org, other_org, partner_admin):
    good = AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Good Row"))
    stale = AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Stale Row"))
    invalid = AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Invalid Row"))
    archived = LeadFactory(partner=org, customer=CustomerFactory(company="Archived Row"))
    services.lead_decline(lead=archived, by=partner_admin, reason="not_a_fit")
    foreign = LeadFactory(partner=other_org, customer=CustomerFactory(company="Fabrikam's Lead"))
    rows = {row["customer_company"]: row for row in export(signed_in)}
    services.lead_update_deal(lead=stale, by=partner_admin, deal_name="Changed by a colleague")
    rows["Good Row"]["deal_value"] = "99.00"
    rows["Stale Row"]["deal_value"] = "1.00"
    rows["Invalid Row"]["deal_value"] = "lots"
    rows["Archived Row"]["notes"] = "Too late"
    foreign_row = {**rows["Good Row"], "id": str(foreign.pk), "customer_company": "Fabrikam's Lead"}
    unknown_row = {**rows["Good Row"], "id": "00000000-0000-0000-0000-000000000001"}
    preview = upload(signed_in, spreadsheet([*rows.values(), foreign_row, unknown_row]))
    html = preview.content.decode()
    assert "1 row to change" in html and "5 rows refused" in html
    assert "Changed by someone since the export" in html
    assert "Deal value: Enter a number" in html
    assert "archived" in html
    assert html.count("Not found") == 2 and "Fabrikam" not in html
    done = signed_in.post(f"/leads/import/{token_of(preview)}/apply/")
    assert "1 row applied" in done.content.decode()
    results = signed_in.get(f"/leads/import/{token_of(preview)}/results.csv")
    table = list(csv.DictReader(io.StringIO(results.content.decode())))
    assert sorted(row["result"] for row in table) == ["applied", *["refused"] * 5]
    assert {row["company"]: row["result"] for row in table}["Good Row"] == "applied"
    for lead in (good, stale, invalid):
        lead.refresh_from_db()
    assert invalid.deal_value == Decimal("12500.00")
    foreign.refresh_from_db()
    assert good.deal_value == Decimal("99.00") and stale.deal_name == "Changed by a colleague"
    assert stale.deal_value == Decimal("12500.00") and foreign.status == Status.RECEIVED


def test_a_file_of_1001_rows_is_refused_whole(signed_in, org):
    lead = LeadFactory(partner=org)
    row = export(signed_in)[0]
    response = upload(signed_in, spreadsheet([{**row, "deal_name": str(n)} for n in range(1001)]))
    assert response.status_code == 422
    assert "more than 1,000 rows" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).version == lead.version


def test_a_file_over_2_mb_is_refused(signed_in, org):
    LeadFactory(partner=org)
    row = export(signed_in)[0]
    response = upload(signed_in, spreadsheet([{**row, "need": "x" * 2_100_000}]))
    assert response.status_code == 422 and "larger than 2 MB" in response.content.decode()


def test_a_preview_is_applied_once_and_only_by_whoever_uploaded_it(client, signed_in, org, referrals_admin):
    lead = LeadFactory(partner=org)
    rows = export(signed_in)
    rows[0].update(status="declined", reason="duplicate_or_spam")
    token = token_of(upload(signed_in, spreadsheet(rows)))
    client.force_login(referrals_admin)  # a colleague of the same organisation cannot apply it
    assert client.post(f"/leads/import/{token}/apply/").status_code == 404
    assert Lead.objects.get(pk=lead.pk).status == Status.RECEIVED


def test_a_row_changed_between_preview_and_apply_is_not_written(signed_in, org, partner_admin):
    lead = AcceptedLeadFactory(partner=org)
    rows = export(signed_in)
    rows[0]["deal_name"] = "From the file"
    preview = upload(signed_in, spreadsheet(rows))
    services.lead_update_deal(lead=lead, by=partner_admin, crm_id="CRM-1")
    done = signed_in.post(f"/leads/import/{token_of(preview)}/apply/")
    assert "1 row failed" in done.content.decode() and "since the preview" in done.content.decode()
    lead.refresh_from_db()
    assert lead.deal_name == "Cloud migration" and lead.crm_id == "CRM-1"
    assert signed_in.post(f"/leads/import/{token_of(preview)}/apply/").status_code == 404
