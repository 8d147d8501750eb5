"""The guarded lifecycle: every action from every status, validation, history, and archived immutability."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from leads import services
from leads.exceptions import LeadChanged, LeadConflict
from leads.models import HistoryIsImmutable, Lead, LeadArchived, LeadEvent, Status, TeamMember
from tests.factories import AcceptedLeadFactory, LeadFactory

FUTURE = (timezone.now() + timedelta(days=30)).date().isoformat()
DEAL = {"deal_name": "Cloud migration", "deal_value": "12500.50", "currency": "EUR", "estimated_close_date": FUTURE}

ACTIONS = {
    "accept": (lambda lead, by: services.lead_accept(lead=lead, by=by, **DEAL), {Status.RECEIVED}),
    "decline": (lambda lead, by: services.lead_decline(lead=lead, by=by, reason="not_a_fit"), {Status.RECEIVED}),
    "win": (lambda lead, by: services.lead_win(lead=lead, by=by), {Status.ACCEPTED}),
    "lose": (lambda lead, by: services.lead_lose(lead=lead, by=by, reason="no_budget"), {Status.ACCEPTED}),
    "edit": (lambda lead, by: services.lead_update_deal(lead=lead, by=by, deal_name="Renamed"), {Status.ACCEPTED}),
    "team": (
        lambda lead, by: services.lead_add_team_member(lead=lead, by=by, name="Ann", email="ann@p.example"),
        {Status.ACCEPTED},
    ),
}
EXPECTED_STATUS = {
    "accept": Status.ACCEPTED,
    "decline": Status.DECLINED,
    "win": Status.WON,
    "lose": Status.LOST,
    "edit": Status.ACCEPTED,
    "team": Status.ACCEPTED,
}


def snapshot(lead):
    lead.refresh_from_db()
    return model_to_dict(lead, exclude=[]) | {"status": lead.status, "version": lead.version}


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_from_each_status(org, partner_admin, status, action):
    run, allowed_from = ACTIONS[action]
    factory = AcceptedLeadFactory if status != Status.RECEIVED else LeadFactory
    lead = factory(partner=org, status=status)
    before = snapshot(lead)
    events_before = LeadEvent.objects.filter(lead=lead).count()
    if status in allowed_from:
        run(lead, partner_admin)
        lead.refresh_from_db()
        assert lead.status == EXPECTED_STATUS[action]
        assert lead.version == before["version"] + 1
        assert LeadEvent.objects.filter(lead=lead).count() == events_before + 1
    else:
        with pytest.raises(LeadConflict) as excinfo:
            run(lead, partner_admin)
        assert excinfo.value.status == status
        assert snapshot(lead) == before
        assert LeadEvent.objects.filter(lead=lead).count() == events_before


@pytest.mark.django_db
def test_conflict_message_names_what_happened(org, partner_admin):
    lead = LeadFactory(partner=org, status=Status.DECLINED)
    with pytest.raises(LeadConflict, match="already declined"):
        services.lead_accept(lead=lead, by=partner_admin, **DEAL)
    received = LeadFactory(partner=org)
    with pytest.raises(LeadConflict, match="not been accepted yet"):
        services.lead_win(lead=received, by=partner_admin)


@pytest.mark.django_db
def test_accept_stores_the_deal_team_and_history(lead, referrals_admin):
    team = [{"name": "Petr", "email": "petr@p.example", "phone": "+420 1"}, {"name": "Eva", "email": "eva@p.example"}]
    services.lead_accept(lead=lead, by=referrals_admin, team=team, notes="Call Monday", crm_id="CRM-7", **DEAL)
    lead.refresh_from_db()
    assert (lead.status, lead.deal_name, lead.deal_value, lead.currency) == (
        Status.ACCEPTED,
        "Cloud migration",
        Decimal("12500.50"),
        "EUR",
    )
    assert lead.estimated_close_date.isoformat() == FUTURE
    assert lead.decided_at is not None
    assert [m.name for m in TeamMember.objects.filter(lead=lead)] == ["Petr", "Eva"]
    event = LeadEvent.objects.get(lead=lead)
    assert (event.actor, event.action, event.from_status, event.to_status) == (
        referrals_admin,
        "accept",
        "received",
        "accepted",
    )
    assert event.changes["deal_value"] == "12500.50"
    assert event.changes["team"] == ["Petr", "Eva"]


@pytest.mark.django_db
def test_every_write_records_who_when_from_to_and_what(org, partner_admin):
    lead = AcceptedLeadFactory(partner=org, deal_name="Old name", deal_value="100.00")
    services.lead_update_deal(lead=lead, by=partner_admin, deal_name="New name", deal_value="250")
    services.lead_add_team_member(lead=lead, by=partner_admin, name="Ann", email="ann@p.example")
    services.lead_lose(lead=lead, by=partner_admin, reason="chose_another_vendor", reason_notes="Cheaper offer")
    events = list(LeadEvent.objects.filter(lead=lead).order_by("id"))
    assert [e.action for e in events] == ["edit", "team", "lose"]
    assert events[0].changes == {"deal_name": ["Old name", "New name"], "deal_value": ["100.00", "250.00"]}
    assert events[1].changes["team_member"]["email"] == "ann@p.example"
    assert (events[2].from_status, events[2].to_status) == ("accepted", "lost")
    assert events[2].changes == {"reason": "chose_another_vendor", "reason_notes": "Cheaper offer"}
    assert all(e.actor == partner_admin and e.at <= timezone.now() for e in events)


@pytest.mark.django_db
def test_edit_without_a_change_records_nothing(org, partner_admin):
    lead = AcceptedLeadFactory(partner=org, deal_name="Same")
    services.lead_update_deal(lead=lead, by=partner_admin, deal_name="Same")
    assert not LeadEvent.objects.filter(lead=lead).exists()


BAD_ACCEPT_INPUT = [
    ({"deal_value": "-1"}, "deal_value", "cannot be negative"),
    ({"deal_value": "10.123"}, "deal_value", "2 decimal places"),
    ({"deal_value": "ten"}, "deal_value", "Enter a number"),
    ({"deal_value": "1e400"}, "deal_value", "too large"),
    ({"deal_value": ""}, "deal_value", "required"),
    ({"currency": "XYZ"}, "currency", "ISO 4217"),
    ({"estimated_close_date": "2020-01-01"}, "estimated_close_date", "past"),
    ({"estimated_close_date": "31/12/2030"}, "estimated_close_date", "YYYY-MM-DD"),
    ({"deal_name": "  "}, "deal_name", "required"),
    ({"deal_name": "x" * 201}, "deal_name", "at most 200"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "field", "message"), BAD_ACCEPT_INPUT)
def test_invalid_accept_input_names_the_field_and_saves_nothing(lead, partner_admin, override, field, message):
    before = snapshot(lead)
    with pytest.raises(ValidationError) as excinfo:
        services.lead_accept(
            lead=lead, by=partner_admin, team=[{"name": "Ann", "email": "ann@p.example"}], **(DEAL | override)
        )
    assert field in excinfo.value.message_dict
    assert message in " ".join(excinfo.value.message_dict[field])
    assert snapshot(lead) == before
    assert not LeadEvent.objects.exists() and not TeamMember.objects.exists()


@pytest.mark.django_db
def test_invalid_team_member_rejects_the_whole_accept(lead, partner_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.lead_accept(lead=lead, by=partner_admin, team=[{"name": "Ann", "email": "not-an-email"}], **DEAL)
    assert excinfo.value.message_dict == {"team.0.email": ["Enter a valid e-mail address."]}
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED and not TeamMember.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("service", "reason"),
    [
        (services.lead_decline, "no_response"),  # a lost reason is not a decline reason
        (services.lead_decline, ""),
        (services.lead_lose, "not_a_fit"),  # a decline reason is not a lost reason
    ],
)
def test_reason_must_come_from_its_list(org, partner_admin, service, reason):
    factory = LeadFactory if service is services.lead_decline else AcceptedLeadFactory
    lead = factory(partner=org)
    before = snapshot(lead)
    with pytest.raises(ValidationError) as excinfo:
        service(lead=lead, by=partner_admin, reason=reason)
    assert "reason" in excinfo.value.message_dict
    assert snapshot(lead) == before


@pytest.mark.django_db
def test_edit_may_set_a_past_close_date_but_not_a_bad_value(org, partner_admin):
    lead = AcceptedLeadFactory(partner=org)
    services.lead_update_deal(lead=lead, by=partner_admin, estimated_close_date="2020-05-01")
    lead.refresh_from_db()
    assert lead.estimated_close_date.isoformat() == "2020-05-01"
    with pytest.raises(ValidationError) as excinfo:
        services.lead_update_deal(lead=lead, by=partner_admin, deal_value="-5", status="won")
    assert set(excinfo.value.message_dict) == {"status"}


@pytest.mark.django_db
def test_stale_version_is_refused(lead, partner_admin):
    with pytest.raises(LeadChanged):
        services.lead_accept(lead=lead, by=partner_admin, if_version=lead.version + 1, **DEAL)
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(s.value for s in (Status.WON, Status.LOST, Status.DECLINED, Status.EXPIRED)))
def test_archived_leads_cannot_change_through_any_path(org, status):
    lead = AcceptedLeadFactory(partner=org, status=status)
    lead.refresh_from_db()
    lead.notes = "sneaky"
    with pytest.raises(LeadArchived):
        lead.save()
    with pytest.raises(IntegrityError, match="archived"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE leads_lead SET notes = 'raw' WHERE id = %s", [lead.pk])
    lead.refresh_from_db()
    assert lead.notes == "" and lead.status == status


@pytest.mark.django_db
def test_history_cannot_be_edited_or_deleted(lead, partner_admin):
    services.lead_decline(lead=lead, by=partner_admin, reason="duplicate_or_spam")
    event = LeadEvent.objects.get(lead=lead)
    event.action = "win"
    with pytest.raises(HistoryIsImmutable):
        event.save()
    with pytest.raises(HistoryIsImmutable):
        event.delete()
    with pytest.raises(HistoryIsImmutable):
        LeadEvent.objects.filter(lead=lead).update(action="win")
    with pytest.raises(HistoryIsImmutable):
        LeadEvent.objects.filter(lead=lead).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_leadevent WHERE lead_id = %s", [lead.pk])
    assert LeadEvent.objects.get(lead=lead).action == "decline"


@pytest.mark.django_db
def test_respond_by_and_hot_flag_are_set_on_creation(org, ops_user, settings):
    customer = {"company": "Northwind", "contact_name": "Anna", "email": "anna@nw.example"}
    fresh = services.lead_create(
        by=ops_user, partner=org, lead_type="sales_qualified", customer=customer, need="ERP", contact_requested=True
    )
    assert fresh.respond_by - fresh.received_at == timedelta(days=settings.LEADHUB_RESPONSE_DAYS)
    assert fresh.is_hot
    old_import = services.lead_create(
        by=ops_user,
        partner=org,
        lead_type="sales_qualified",
        customer=customer,
        need="ERP",
        contact_requested=True,
        received_at=timezone.now() - timedelta(hours=settings.LEADHUB_HOT_HOURS),
    )
    assert not old_import.is_hot
    assert LeadEvent.objects.filter(lead=fresh, action="create", actor=ops_user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"lead_type": "cold_call"}, "lead_type"),
        ({"customer": {"company": "", "contact_name": "A", "email": "a@b.example"}}, "customer.company"),
        ({"customer": {"company": "C", "contact_name": "A", "email": "nope"}}, "customer.email"),
        (
            {"customer": {"company": "C", "contact_name": "A", "email": "a@b.example", "company_size": "7"}},
            "customer.company_size",
        ),
        ({"received_at": "2099-01-01T00:00:00+00:00"}, "received_at"),
        ({"received_at": "2026-01-01T00:00:00"}, "received_at"),
        ({"need": ""}, "need"),
    ],
)
def test_invalid_creation_names_the_field_and_saves_nothing(org, ops_user, override, field):
    data = {
        "partner": org,
        "lead_type": "marketing_qualified",
        "need": "CRM",
        "customer": {"company": "C", "contact_name": "A", "email": "a@b.example"},
    } | override
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(by=ops_user, **data)
    assert field in excinfo.value.message_dict
    assert not org.leads.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["decline", "win", "lose"])
def test_archiving_a_hot_lead_clears_its_flame(org, partner_admin, action):
    factory = LeadFactory if action == "decline" else AcceptedLeadFactory
    lead = factory(partner=org, contact_requested=True)
    Lead.objects.filter(pk=lead.pk).update(is_hot=True)
    ACTIONS[action][0](lead, partner_admin)
    lead.refresh_from_db()
    assert lead.is_archived and not lead.is_hot
