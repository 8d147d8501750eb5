"""A bulk runs set-based (leads.services.bulk_set): the same answers and the same side effects as running each item
through its single service, in a number of statements that does not grow with the number of items."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DataError, connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadhub.celery import app as celery_app
from leads import services
from leads.models import Favorite, Lead, LeadEvent, LeadType, Status
from leads.selectors import ListFilters, lead_list_for
from leads.services import Step, leads_bulk_run
from routing.models import PartnerStat
from tests.factories import AcceptedLeadFactory, LeadFactory
from webhooks.models import Delivery
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db
NEXT_MONTH = timezone.localdate() + timedelta(days=30)
COUNTERS = ("offered", "accepted", "declined_not_fit", "declined_other", "expired", "won", "lost")


@pytest.fixture
def celery_eager():
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


def _leads(org, tag: str) -> list[Lead]:
    """Two marketplace leads and one qualified lead (rerouted when declined), the same for each run."""
    kinds = [LeadType.CUSTOMER_INQUIRY, LeadType.CUSTOMER_INQUIRY, LeadType.SALES_QUALIFIED]
    return [
        LeadFactory(partner=org, lead_type=kind, customer__email=f"{tag}{n}@customer.example")
        for n, kind in enumerate(kinds)
    ]


def _effects(org, leads: list[Lead], before: dict) -> dict:
    ids = [lead.pk for lead in leads]
    stats = PartnerStat.objects.filter(partner=org).aggregate(**{name: Sum(name) for name in COUNTERS})
    return {
        "statuses": [Lead.objects.get(pk=pk).status for pk in ids],
        "events": Counter(
            LeadEvent.objects.filter(lead__in=ids).exclude(action="create").values_list("action", "actor")
        ),
        "customers told": sorted(
            message.subject for message in mail.outbox if any(lead.customer.email in message.to for lead in leads)
        ),
        "webhooks": Counter(Delivery.objects.filter(lead__in=ids).values_list("event_type", flat=True)),
        "rerouted": Lead.objects.filter(routed_from__in=ids).count(),
        "routing lessons": {name: (stats[name] or 0) - before.get(name, 0) for name in COUNTERS},
    }


def _stats(org) -> dict:
    stats = PartnerStat.objects.filter(partner=org).aggregate(**{name: Sum(name) for name in COUNTERS})
    return {name: stats[name] or 0 for name in COUNTERS}


def test_a_bulk_decline_has_every_side_effect_of_declining_one_by_one(
    org, partner_admin, celery_eager, django_capture_on_commit_callbacks
):
    endpoint_create(by=partner_admin, url="http://127.0.0.1:9/hook")
    one_by_one, in_bulk = _leads(org, "single"), _leads(org, "bulk")
    before = _stats(org)
    with django_capture_on_commit_callbacks(execute=True):
        for lead in one_by_one:
            services.lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
    single = _effects(org, one_by_one, before)
    before = _stats(org)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = leads_bulk_run(
            by=partner_admin,
            items=[(str(lead.pk), [Step("decline", {"reason": "not_a_fit"})], None) for lead in in_bulk],
        )
    assert all(outcome.ok for outcome in outcomes)
    bulk = _effects(org, in_bulk, before)
    assert bulk["statuses"] == [Status.DECLINED] * 3
    assert bulk["events"] == Counter({("decline", partner_admin.pk): 3})
    assert len(bulk["customers told"]) == 3 and bulk["webhooks"] == Counter({"lead.declined": 3})
    assert bulk["routing lessons"]["declined_not_fit"] > 0
    assert bulk == single


def test_a_bulk_costs_the_same_statements_for_3_items_as_for_30(org, partner_admin):
    endpoint_create(by=partner_admin, url="http://127.0.0.1:9/hook")

    def statements(count: int) -> int:
        items = [(str(LeadFactory(partner=org).pk), [Step("decline", {"reason": "no_budget"})], None)]
        items += [(str(lead.pk), [Step("favorite")], None) for lead in LeadFactory.create_batch(count - 1, partner=org)]
        with CaptureQueriesContext(connection) as queries:
            assert all(outcome.ok for outcome in leads_bulk_run(by=partner_admin, items=items))
        return len(queries)

    assert statements(3) == statements(30)
    assert Favorite.objects.filter(user=partner_admin).count() == 2 + 29


def test_an_item_naming_a_lead_again_sees_what_the_earlier_item_did(org, partner_admin):
    lead = LeadFactory(partner=org)
    deal = {"deal_name": "Migration", "deal_value": "100", "estimated_close_date": NEXT_MONTH.isoformat()}
    outcomes = leads_bulk_run(
        by=partner_admin,
        items=[
            (str(lead.pk), [Step("accept", deal)], None),
            (str(lead.pk), [Step("decline", {"reason": "not_a_fit"})], None),
            (str(lead.pk), [Step("win")], lead.version + 1),
        ],
    )
    assert [(outcome.ok, outcome.status) for outcome in outcomes] == [(True, 200), (False, 409), (True, 200)]
    assert outcomes[1].current_status == Status.ACCEPTED
    lead.refresh_from_db()
    assert lead.status == Status.WON and lead.version == 3 and lead.deal_name == "Migration"
    assert list(lead.events.exclude(action="create").order_by("id").values_list("action", flat=True)) == [
        "accept",
        "win",
    ]


def test_an_item_failing_at_its_second_step_changes_nothing_even_for_a_later_item(org, partner_admin):
    lead = AcceptedLeadFactory(partner=org, deal_name="Old name")
    outcomes = leads_bulk_run(
        by=partner_admin,
        items=[
            (str(lead.pk), [Step("update", {"deal_name": "New name"}), Step("lose", {"reason": "nonsense"})], None),
            (str(lead.pk), [Step("win")], lead.version),  # the failed item left the version as it was
        ],
    )
    assert [(outcome.ok, outcome.status) for outcome in outcomes] == [(False, 422), (True, 200)]
    assert "reason" in outcomes[0].errors
    lead.refresh_from_db()
    assert lead.status == Status.WON and lead.deal_name == "Old name"
    assert list(lead.events.values_list("action", flat=True)) == ["win"]


def test_a_bulk_edit_of_a_deal_name_is_found_by_search_and_adds_team_members(org, partner_admin):
    edited, accepted = AcceptedLeadFactory(partner=org), LeadFactory(partner=org)
    deal = {"deal_name": "Quetzal rollout", "deal_value": "5", "estimated_close_date": NEXT_MONTH.isoformat()}
    team = [{"name": "Eva Dvořáková", "email": "eva@partner.example"}]
    outcomes = leads_bulk_run(
        by=partner_admin,
        items=[
            (str(edited.pk), [Step("update", {"deal_name": "Zebra upgrade"})], None),
            (str(accepted.pk), [Step("accept", {**deal, "team": team})], None),
        ],
    )
    assert all(outcome.ok for outcome in outcomes)
    found = {lead.pk for lead in lead_list_for(partner_admin, filters=ListFilters(q="zebra"))}
    assert found == {edited.pk}
    assert {lead.pk for lead in lead_list_for(partner_admin, filters=ListFilters(q="quetzal"))} == {accepted.pk}
    assert list(Lead.objects.get(pk=accepted.pk).team.values_list("name", flat=True)) == ["Eva Dvořáková"]
    assert LeadEvent.objects.get(lead=accepted, action="accept").changes["team"] == ["Eva Dvořáková"]


def test_when_the_database_refuses_the_batch_each_item_runs_alone(org, partner_admin, other_org, monkeypatch):
    from leads.services import bulk_set

    def refused(leads):
        raise DataError("refused")

    monkeypatch.setattr(bulk_set, "_update_leads", refused)
    lead, decided, foreign = LeadFactory(partner=org), LeadFactory(partner=org), LeadFactory(partner=other_org)
    services.lead_decline(lead=decided, by=partner_admin, reason="not_a_fit")
    items = [(str(each.pk), [Step("decline", {"reason": "no_budget"})], None) for each in (lead, decided, foreign)]
    outcomes = leads_bulk_run(by=partner_admin, items=items)
    assert [outcome.status for outcome in outcomes] == [200, 409, 404]
    assert Lead.objects.get(pk=lead.pk).status == Status.DECLINED
    assert LeadEvent.objects.filter(lead=lead, action="decline").count() == 1
