"""Erasure and access requests: every record about a person, and nothing of them left anywhere afterwards."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from leads.models import ARCHIVED_STATUSES, EmailDelivery, EventAction, Lead, LeadEvent, Status, TeamMember
from tests.factories import LeadFactory
from tests.privacy.history import (
    DEAL,
    PERSON,
    TEAM_MATE,
    echoing_crm,
    inquiry_with_follow_up,
    lead_in,
    webhook_endpoint,
    webhooks_send_all,
)

SECOND_PHONE = "+420 601 999 888"
TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "GenericIPAddressField"}


def tables_mentioning(*needles: str) -> dict[str, int]:
    """Every text and JSON column of every table in the database, searched for each needle (case-insensitive)."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                try:
                    field_type = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:  # a type Django has no field for (insights' double precision[]): not text
                    continue
                if field_type not in TEXT_TYPES:
                    continue
                for needle in needles:
                    cursor.execute(
                        f'SELECT count(*) FROM "{table}" WHERE "{column.name}"::text ILIKE %s', [f"%{needle}%"]
                    )
                    count = cursor.fetchone()[0]
                    if count:
                        found[f"{table}.{column.name} ~ {needle}"] = count
    return found


@pytest.fixture
def history(org, partner_admin, ops_user):
    """The person's leads in every status and an inquiry, each change sent to a CRM that echoes the contact back."""
    with echoing_crm() as crm_url:
        webhook_endpoint(partner_admin, url=crm_url)
        leads = [lead_in(status, org=org, partner_user=partner_admin, ops_user=ops_user) for status in Status.values]
        leads.append(inquiry_with_follow_up(org=org))
        webhooks_send_all()
    return leads


def erase(email: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("erase_customer", email, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_erasure_leaves_no_trace_of_the_person_in_any_text_or_json_column(history, org):
    # The deal name and CRM id are the person's too (the deal names their company, the CRM id is their record).
    needles = (
        PERSON["email"],
        PERSON["contact_name"],
        PERSON["phone"],
        SECOND_PHONE,
        DEAL["deal_name"],
        DEAL["crm_id"],
    )
    found = tables_mentioning(*needles)
    assert len(found) >= 8  # the scan finds them where they were ...
    for where in (
        "leads_lead.deal_name",
        "leads_lead.crm_id",
        "webhooks_delivery.payload",
        "leads_leadsearch.text",
        *(f"webhooks_attempt.response_body ~ {PERSON[key]}" for key in ("email", "phone", "contact_name")),
    ):
        assert any(key.startswith(where) for key in found), where
    assert EmailDelivery.objects.filter(recipient=PERSON["email"]).exists()
    bystander = LeadFactory(partner=org)
    statuses = {lead.pk: lead.status for lead in history}

    output = erase(PERSON["email"].upper())

    assert tables_mentioning(*needles) == {}  # ... and nowhere afterwards
    assert f"Erased the personal data held about {PERSON['email'].upper()}" in output
    assert "customers: 7" in output and "leads: 7" in output and "erasure events: 7" in output
    assert "webhook answers: " in output
    for lead in Lead.objects.filter(pk__in=statuses).select_related("customer"):
        assert lead.status == statuses[lead.pk]  # statuses, values, company, size and country stay
        assert (lead.customer.company, lead.customer.company_size, lead.customer.country) == (
            PERSON["company"],
            "10-49",
            "CZ",
        )
        assert lead.events.filter(action=EventAction.ERASE).count() == 1
    won = Lead.objects.get(pk=history[Status.values.index(Status.WON)].pk)
    assert str(won.deal_value) == "12500.00" and (won.deal_name, won.crm_id) == ("", "")
    assert won.campaign_id == DEAL["campaign_id"]  # the partner's campaign is not the person's
    assert TeamMember.objects.filter(email=TEAM_MATE["email"]).count() == 3  # the partner's people stay
    bystander.refresh_from_db()
    assert bystander.customer.email and bystander.need  # nobody else's data changes


@pytest.mark.django_db
def test_a_second_erasure_changes_nothing_and_says_so(history):
    erase(PERSON["email"])
    events = LeadEvent.objects.count()

    assert erase(PERSON["email"]) == f"Nothing held about {PERSON['email']}: nothing changed.\n"
    assert LeadEvent.objects.count() == events


@pytest.mark.django_db
def test_erasing_an_address_nobody_has_says_nothing_is_held():
    assert erase("nobody@example.com") == "Nothing held about nobody@example.com: nothing changed.\n"


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["erase_customer", "export_customer"])
def test_a_malformed_address_exits_2_with_a_clear_message(command):
    with pytest.raises(CommandError) as raised:
        call_command(command, "not-an-address")
    assert raised.value.returncode == 2
    assert "'not-an-address' is not an e-mail address." in str(raised.value)


@pytest.mark.django_db
def test_the_database_refuses_erasure_mode_changes_to_anything_but_personal_data(history):
    from django.db import DataError, IntegrityError, InternalError, transaction

    from privacy.erasure import sanctioned_erasure

    archived = next(lead for lead in history if lead.status in ARCHIVED_STATUSES)
    refused = (IntegrityError, InternalError, DataError)
    for statement in (
        "UPDATE leads_lead SET status = 'received' WHERE id = %s",
        "UPDATE leads_lead SET deal_value = 1 WHERE id = %s",
        "DELETE FROM leads_leadevent WHERE lead_id = %s",
        "UPDATE leads_leadevent SET action = 'win' WHERE lead_id = %s",
    ):
        with pytest.raises(refused), sanctioned_erasure(), connection.cursor() as cursor:
            cursor.execute(statement, [archived.pk])
    for column in ("need", "deal_name", "crm_id", "campaign_id"):
        with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:  # not sanctioned
            cursor.execute(f"UPDATE leads_lead SET {column} = 'x' WHERE id = %s", [archived.pk])
    with sanctioned_erasure(), connection.cursor() as cursor:
        cursor.execute("UPDATE leads_lead SET need = '' WHERE id = %s", [archived.pk])
    with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:  # switched off again
        cursor.execute("UPDATE leads_lead SET notes = '' WHERE id = %s", [archived.pk])


@pytest.mark.django_db
def test_export_prints_every_record_held_about_the_person_as_json(history, capsys):
    call_command("export_customer", PERSON["email"])
    data = json.loads(capsys.readouterr().out)

    assert data["email"] == PERSON["email"]
    assert {customer["contact_name"] for customer in data["customers"]} == {PERSON["contact_name"]}
    assert len(data["leads"]) == 7 and {lead["status"] for lead in data["leads"]} == set(Status.values)
    assert any(event["changes"].get("phone") == SECOND_PHONE for lead in data["leads"] for event in lead["history"])
    assert any(delivery["recipient"] == PERSON["email"] for delivery in data["email_deliveries"])
    assert any(member["email"] == PERSON["email"] for member in data["team_memberships"])
    # What was sent to the partner's CRM about them, and what it answered (it echoed the contact back).
    sent = [delivery for lead in data["leads"] for delivery in lead["webhook_deliveries"]]
    assert any(delivery["payload"]["customer"]["email"] == PERSON["email"] for delivery in sent)  # open leads
    assert any(PERSON["email"] in answer["response_body"] for delivery in sent for answer in delivery["answers"])


@pytest.mark.django_db
def test_export_of_an_address_nobody_has_is_empty(capsys):
    call_command("export_customer", "nobody@example.com")
    captured = capsys.readouterr()
    assert json.loads(captured.out)["customers"] == [] and "Nothing held" in captured.err


def test_the_erasure_trigger_protects_every_column_of_a_lead_but_the_personal_ones():
    from importlib import import_module

    from leads.models import Lead

    columns = {field.column for field in Lead._meta.concrete_fields}
    personal = {"need", "notes", "reason_notes", "deal_name", "crm_id", "campaign_id"}
    assert set(import_module("leads.migrations.0015_erasure_deal_fields").LEAD_KEPT) == columns - personal - {"tab"}
    migration = import_module("leads.migrations.0011_sanctioned_erasure")
    assert set(migration.EVENT_KEPT) == {field.column for field in LeadEvent._meta.concrete_fields} - {"changes"}
