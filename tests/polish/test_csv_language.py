"""Issue 19 item 3: the CSV export speaks the user's language (headers, labels, Czech Excel's semicolons and
decimal comma), and what a sales person does with it — open, edit in their words, save, upload — imports back,
whichever language the file and the uploader's session are in. The machine codes stay accepted (docs/import.md)."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from leads.models import DeclineReason, Lead, LeadType, LostReason, Stage, Status, Tab
from leads.web.csv_words import HEADERS, code_of, column_of
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory
from tests.leads.csv_files import DELIMITERS, as_people_see, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(org, partner_admin):
    received = LeadFactory(partner=org, customer=CustomerFactory(company="Šťastný a syn", country="DE"))
    declined = LeadFactory(partner=org, status=Status.DECLINED, reason=DeclineReason.NOT_A_FIT)
    accepted = AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Accepted Co"))
    accepted.favorites.create(user=partner_admin)
    return {"received": received, "declined": declined, "accepted": accepted}


def exported(client, language: str) -> tuple[bytes, list[dict]]:
    response = client.get("/leads/marketplace/export.csv", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return data, parse(data, language)


def by_company(rows: list[dict]) -> dict:
    return {row["customer_company"]: row for row in rows}


def upload(client, rows: list[dict], *, language: str, encoding: str, session_language: str):
    """The rows saved as a spreadsheet does with `language`'s headers, uploaded from a session in another."""
    buffer = io.StringIO()
    people = as_people_see(rows, language)
    writer = csv.DictWriter(buffer, fieldnames=list(people[0]), delimiter=DELIMITERS[language], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(people)
    data = buffer.getvalue().encode(encoding)
    file = SimpleUploadedFile("leads.csv", data, content_type="text/csv")
    return client.post("/leads/import/", {"file": file}, HTTP_ACCEPT_LANGUAGE=session_language)


def apply(client, preview) -> str:
    assert preview.status_code == 200, preview.content.decode()[-2000:]
    token = re.search(r"/leads/import/([\w-]+)/apply/", preview.content.decode()).group(1)
    return client.post(f"/leads/import/{token}/apply/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_czech_export_has_czech_headers_and_labels_in_czech_excels_format(client, partner_admin, leads):
    client.force_login(partner_admin)
    data, rows = exported(client, "cs")  # parse() checks the BOM, the semicolons and every Czech header
    text = data.decode("utf-8-sig")
    assert "customer_inquiry" not in text and "not_a_fit" not in text and "received" not in text
    rows = by_company(rows)
    received, accepted = rows["Šťastný a syn"], rows["Accepted Co"]
    declined = rows[leads["declined"].customer.company]
    assert (received["lead_type"], received["tab"], received["status"], received["stage"]) == (
        "Poptávka zákazníka",
        "Leady z Marketplace",
        "Nový",
        "Nový",
    )
    assert received["customer_country"] == "Německo" and received["is_hot"] == "Ne"
    assert (declined["status"], declined["stage"], declined["reason"]) == (
        "Odmítnutý",
        "Archivovaný",
        "Nehodí se k našemu podnikání",
    )
    assert (accepted["status"], accepted["deal_value"], accepted["is_favorite"]) == ("Přijatý", "12500,00", "Ano")


def test_the_english_export_has_english_headers_and_labels(client, partner_admin, leads):
    client.force_login(partner_admin)
    rows = by_company(exported(client, "en")[1])
    received, declined = rows["Šťastný a syn"], rows[leads["declined"].customer.company]
    assert (received["lead_type"], received["status"], received["customer_country"]) == (
        "Customer inquiry",
        "Received",
        "Germany",
    )
    assert (declined["stage"], declined["reason"]) == ("Archived", "Not a fit for our business")
    assert rows["Accepted Co"]["deal_value"] == "12500.00" and rows["Accepted Co"]["is_favorite"] == "Yes"


def test_a_czech_export_edited_in_czech_and_saved_by_czech_excel_imports_for_an_english_colleague(
    client, partner_admin, leads
):
    client.force_login(partner_admin)
    _data, rows = exported(client, "cs")
    # Uploaded untouched, nothing changes: every label reads back as the code it came from.
    unchanged = upload(client, rows, language="cs", encoding="cp1250", session_language="en")
    assert "3 rows unchanged" in unchanged.content.decode()
    edited = by_company(rows)
    edited["Šťastný a syn"].update(status="Odmítnutý", reason="Zákazník nemá rozpočet", reason_notes="Až příští rok.")
    edited["Accepted Co"].update(
        status="Prohraný", reason="Navržený termín byl příliš krátký", deal_value="13 000,50", is_favorite="Ne"
    )
    done = apply(client, upload(client, rows, language="cs", encoding="cp1250", session_language="en"))
    assert "2 rows applied" in done
    received, accepted = (Lead.objects.get(pk=leads[name].pk) for name in ("received", "accepted"))
    assert (received.status, received.reason, received.reason_notes) == (Status.DECLINED, "no_budget", "Až příští rok.")
    assert (accepted.status, accepted.reason, accepted.deal_value) == (
        Status.LOST,
        LostReason.TIMELINE_TOO_SHORT,
        Decimal("13000.50"),
    )
    assert not accepted.favorites.filter(user=partner_admin).exists()


def test_an_english_export_edited_in_english_imports_for_a_czech_colleague(client, partner_admin, leads):
    client.force_login(partner_admin)
    _data, rows = exported(client, "en")
    unchanged = upload(client, rows, language="en", encoding="utf-8", session_language="cs")
    assert "3 řádky beze změny" in unchanged.content.decode()
    edited = by_company(rows)
    edited["Šťastný a syn"].update(
        status="Accepted",
        deal_name="Cloud",
        deal_value="4800.00",
        currency="CZK",
        estimated_close_date=str(timezone.localdate() + timedelta(days=60)),
    )
    edited["Accepted Co"].update(status="Won")
    edited[leads["declined"].customer.company]["is_favorite"] = "Yes"
    preview = upload(client, rows, language="en", encoding="utf-8", session_language="cs")
    # The preview speaks the uploader's language, whatever the file's: columns and values as a Czech export has them.
    changes = " ".join(re.sub(r"<[^>]+>", " ", preview.content.decode()).split())
    assert "Stav : Nový → Přijatý" in changes and "Hodnota obchodu : — → 4800,00" in changes
    assert "Stav : Přijatý → Vyhraný" in changes and "Oblíbený : Ne → Ano" in changes
    done = apply(client, preview)
    assert "3 rows applied" in done
    received, accepted = (Lead.objects.get(pk=leads[name].pk) for name in ("received", "accepted"))
    assert (received.status, received.deal_value, received.currency) == (Status.ACCEPTED, Decimal("4800.00"), "CZK")
    assert accepted.status == Status.WON
    assert leads["declined"].favorites.filter(user=partner_admin).exists()


def test_a_file_naming_a_column_twice_is_refused_whole(client, partner_admin, leads):
    client.force_login(partner_admin)
    data = exported(client, "en")[0].decode("utf-8-sig").replace("Reason notes", "status", 1)
    file = SimpleUploadedFile("leads.csv", data.encode(), content_type="text/csv")
    response = client.post("/leads/import/", {"file": file})
    assert response.status_code == 422
    assert "These columns appear more than once: Status" in response.content.decode()
    assert Lead.objects.get(pk=leads["received"].pk).status == Status.RECEIVED


def test_every_header_and_label_in_every_language_reads_back_as_its_own_code():
    """No word of one language names another column or code in another: the import could not tell them apart."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, header in HEADERS.items():
                assert column_of(f"  {str(header).upper()} ") == column_of(column) == column, (language, column)
            for column, choices in {
                "lead_type": [LeadType],
                "tab": [Tab],
                "status": [Status],
                "stage": [Stage],
                "reason": [DeclineReason, LostReason],
            }.items():
                for choice in (choice for enum in choices for choice in enum):
                    assert code_of(column, str(choice.label)) == code_of(column, choice.value) == choice.value


def test_the_import_page_names_the_columns_it_reads_as_the_users_export_does(client, partner_admin):
    client.force_login(partner_admin)
    czech = client.get("/leads/import/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Čtou se sloupce ID, Naposledy změněno (UTC)" in czech and "Stav (Přijatý, Odmítnutý" in czech
    assert "Hodnota obchodu" in czech and "deal_value" not in czech
    english = client.get("/leads/import/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Read are the columns ID, Last changed (UTC)" in english and "Status (Accepted, Declined, Won, Lost)" in english
    )
