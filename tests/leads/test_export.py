"""CSV export of a tab: the list's filters and tenant gate, safe cells, and 100,000 rows in bounded memory."""

import csv
import io
import tracemalloc

import pytest
from django.db import connection, models
from django.utils import translation

from leads.models import Customer, Lead, Status
from leads.web import export
from leads.web.export import COLUMNS
from profiles.models import Organisation
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory
from tests.leads.csv_files import parse

pytestmark = pytest.mark.django_db


def rows(response, language="en") -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    return parse(b"".join(response.streaming_content), language)


def test_export_holds_the_tabs_leads_with_the_lead_jsons_fields(client, referrals_admin, org, other_org):
    lead = AcceptedLeadFactory(partner=org, need="Data warehouse")
    lead.team.create(name="Eva", email="eva@contoso.example")
    LeadFactory(partner=org, lead_type="sales_qualified")
    LeadFactory(partner=other_org)
    client.force_login(referrals_admin)
    response = client.get("/leads/marketplace/export.csv")
    assert 'filename="leads-marketplace-' in response["Content-Disposition"]
    exported = rows(response)
    assert [row["id"] for row in exported] == [str(lead.pk)]
    row = exported[0]
    assert tuple(row) == COLUMNS
    assert (row["partner"], row["status"], row["stage"], row["deal_value"], row["currency"]) == (
        "contoso",
        "Accepted",
        "Accepted",
        "12500.00",
        "EUR",
    )
    assert row["customer_email"] == lead.customer.email and row["team"] == "Eva <eva@contoso.example>"
    assert row["received_at"].endswith("Z") and row["is_favorite"] == "No"


def test_export_applies_the_lists_status_and_search_filters(client, partner_admin, org):
    received = LeadFactory(partner=org, need="ERP upgrade")
    won = AcceptedLeadFactory(partner=org, status=Status.WON, need="ERP rollout")
    AcceptedLeadFactory(partner=org, need="Website")
    client.force_login(partner_admin)
    assert [r["id"] for r in rows(client.get("/leads/marketplace/export.csv", {"q": "erp", "status": "archived"}))] == [
        str(won.pk)
    ]
    assert {r["id"] for r in rows(client.get("/leads/marketplace/export.csv", {"q": "erp"}))} == {
        str(received.pk),
        str(won.pk),
    }


def test_favorites_export_holds_only_the_users_hearts(client, referrals_admin, org):
    hearted = LeadFactory(partner=org)
    LeadFactory(partner=org)
    hearted.favorites.create(user=referrals_admin)
    client.force_login(referrals_admin)
    exported = rows(client.get("/leads/favorites/export.csv"))
    assert [(r["id"], r["is_favorite"]) for r in exported] == [(str(hearted.pk), "Yes")]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(client, referrals_admin, org):
    LeadFactory(
        partner=org, need='=HYPERLINK("http://evil.example","click")', customer=CustomerFactory(company="+SUM(A1)")
    )
    client.force_login(referrals_admin)
    row = rows(client.get("/leads/marketplace/export.csv"))[0]
    assert row["need"].startswith("'=") and row["customer_company"] == "'+SUM(A1)"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text columns that decide whether the lead is in the exported tab at all (a lead of another tab or type is not
# exported): the row-level test below covers them.
SCOPE = {"tab", "lead_type"}
ANNOTATIONS = {"is_favorite"}  # computed by the selector (a bool), not a column of the database


def _text_columns() -> dict:
    """Each column read from a text field of the database, with its (model, field); the stage and team are
    text derived in the export (the stage from the status, the team from its members' names and addresses)."""
    columns = {}
    for column, path in zip([c for c in COLUMNS if c not in ("stage", "team")], export.FIELDS, strict=True):
        model, parts = Lead, path.split("__")
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model
        if path in ANNOTATIONS:
            continue
        field = model._meta.get_field(parts[-1])
        if isinstance(field, (models.CharField, models.TextField)):
            columns[column] = (model, field)
    return columns


@pytest.mark.parametrize("language", ["en", "cs"])  # labelled in either language, every cell still passes the guard
@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_every_column_that_can_hold_text_is_defused_whatever_builds_it(client, referrals_admin, org, start, language):
    lead = AcceptedLeadFactory(partner=org)
    lead.team.create(name=f'{start}HYPERLINK("http://evil.example")', email="eva@contoso.example")
    columns = _text_columns()
    assert {"partner", "need", "notes", "customer_company", "customer_email", "reason_notes", "currency"} <= set(
        columns
    )
    owners = {
        Lead: Lead.objects.filter(pk=lead.pk),
        Customer: Customer.objects.filter(pk=lead.customer_id),
        Organisation: Organisation.objects.filter(pk=org.pk),
    }
    client.force_login(referrals_admin)
    # The status goes last: the team is exported only for a lead whose status has one (accepted, won, lost).
    for step in ([column for column in columns if column not in SCOPE and column != "status"], ["status"]):
        for column in step:
            model, field = columns[column]
            owners[model].update(**{field.attname: f"{start}{column}"[: field.max_length or None]})
        exported = rows(client.get("/leads/marketplace/export.csv", HTTP_ACCEPT_LANGUAGE=language), language)
        assert len(exported) == 1
        row = exported[0]
        for column in [*step, "team"] if step != ["status"] else ["status", "stage"]:
            assert row[column].startswith("'" + start), (column, row[column])
        # And no cell at all, of any column, begins as a formula.
        assert not [column for column, cell in row.items() if cell[:1] in FORMULA_STARTS]


def test_the_guard_runs_on_every_cell_of_a_row_even_columns_that_never_hold_text():
    """Fed a row whose every value is hostile (types no query would give), each cell still comes out defused."""
    hostile = tuple(f"=cell{index}" for index in range(len(export.FIELDS)))
    with translation.override("en"):  # an earlier test's Czech request may have left Czech active in this thread
        cells = next(csv.reader(io.StringIO(export._csv([hostile]))))
    assert len(cells) == len(COLUMNS)
    team = COLUMNS.index("team")  # built from the team members of the chunk's leads; this row has none
    assert cells[team] == ""
    assert [column for column, cell in zip(COLUMNS, cells) if not cell.startswith("'=")] == ["team"]


def test_export_needs_a_login_and_a_known_tab(client, referrals_admin):
    assert client.get("/leads/marketplace/export.csv").status_code == 302
    client.force_login(referrals_admin)
    assert client.get("/leads/archive/export.csv").status_code == 404


ROWS = 100_000
MEMORY_CEILING = 16 * 1024 * 1024


def test_exporting_100000_leads_stays_under_a_fixed_memory_ceiling(client, referrals_admin, org):
    customer = CustomerFactory()
    # One INSERT … SELECT: the rows are made by the database in a second instead of a minute of Python.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Lead._meta.db_table} (id, partner_id, lead_type, customer_id, need, referred_by_email,
                received_at, respond_by, contact_requested, is_hot, status, deal_name, currency, notes, crm_id,
                campaign_id, reason, reason_notes, version, created_at, updated_at)
            SELECT gen_random_uuid(), %(partner)s, 'customer_inquiry', %(customer)s,
                   'We need help moving our servers to the cloud, n° ' || n, 'seller@vendor.example',
                   now() - n * interval '1 second', now() + interval '14 days', false, false, 'received',
                   '', 'USD', '', '', '', '', '', 1, now(), now()
            FROM generate_series(1, %(rows)s) AS n
            """,
            {"partner": org.pk, "customer": customer.pk, "rows": ROWS},
        )
    client.force_login(referrals_admin)
    tracemalloc.start()
    try:
        response = client.get("/leads/marketplace/export.csv")
        lines = size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == ROWS + 1
    # The file itself is far larger than the ceiling: it was never held in memory whole.
    assert size > 2 * MEMORY_CEILING
    assert peak < MEMORY_CEILING, f"peak {peak / 2**20:.1f} MiB"
