"""POST /api/v1/leads/bulk (DESIGN §11): one result per item in the items' order, each item run alone."""

from datetime import timedelta

from django.utils import timezone

from leads.models import Lead, LeadEvent, Status
from tests.factories import AcceptedLeadFactory, LeadFactory

NEXT_MONTH = (timezone.localdate() + timedelta(days=30)).isoformat()


def test_bulk_answers_each_item_in_order_with_its_own_status(api_as, partner_admin, org, other_org):
    to_accept, to_decline, decided, stale = (LeadFactory(partner=org) for _ in range(4))
    won = AcceptedLeadFactory(partner=org)
    edited = AcceptedLeadFactory(partner=org)
    foreign = LeadFactory(partner=other_org)
    decided.accept()
    decided.save()
    items = [
        {
            "id": str(to_accept.pk),
            "action": "accept",
            "deal_name": "Migration",
            "deal_value": "1200.50",
            "estimated_close_date": NEXT_MONTH,
        },
        {"id": str(foreign.pk), "action": "decline", "reason": "not_a_fit"},
        {"id": str(to_decline.pk), "action": "decline", "reason": "no_budget", "reason_notes": "Next year."},
        {"id": str(decided.pk), "action": "decline", "reason": "not_a_fit"},
        {"id": str(stale.pk), "action": "decline", "reason": "not_a_fit", "if_version": stale.version + 1},
        {"id": str(edited.pk), "action": "update", "deal_value": "-5"},
        {"id": str(won.pk), "action": "win", "etag": f'"{won.version}"'},
        {"id": "not-a-uuid", "action": "win"},
        {"id": str(edited.pk), "action": "explode"},
    ]
    response = api_as(partner_admin).post("/leads/bulk", {"items": items})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [result["id"] for result in results] == [item["id"] for item in items]
    assert [result["ok"] for result in results] == [True, False, True, False, False, False, True, False, False]
    assert [result.get("status") for result in results] == [None, 404, None, 409, 412, 422, None, 404, 422]
    assert results[0]["lead"]["status"] == "accepted" and results[0]["lead"]["deal_value"] == "1200.50"
    assert results[2]["lead"]["status"] == "declined" and results[2]["lead"]["reason"] == "no_budget"
    assert results[6]["lead"]["status"] == "won"
    assert "deal_value" in results[5]["errors"] and "action" in results[8]["errors"]
    assert "lead" not in results[1] and results[1]["error"]
    stale.refresh_from_db()
    foreign.refresh_from_db()
    assert stale.status == Status.RECEIVED and foreign.status == Status.RECEIVED
    assert not LeadEvent.objects.filter(lead=foreign).exclude(action="create").exists()


def test_bulk_of_more_than_1000_items_is_refused_naming_items(api_as, partner_admin, org):
    lead = LeadFactory(partner=org)
    items = [{"id": str(lead.pk), "action": "decline", "reason": "not_a_fit"}] * 1001
    response = api_as(partner_admin).post("/leads/bulk", {"items": items})
    assert response.status_code == 422
    assert "items" in response.json()["errors"]
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED


def test_bulk_needs_a_token(anonymous_api):
    assert anonymous_api.post("/leads/bulk", {"items": []}).status_code == 401


def test_bulk_of_an_empty_list_answers_no_results(api_as, partner_admin):
    response = api_as(partner_admin).post("/leads/bulk", {"items": []})
    assert response.status_code == 200 and response.json() == {"results": []}


def test_bulk_item_with_an_unknown_field_changes_nothing(api_as, partner_admin, org):
    lead = LeadFactory(partner=org)
    response = api_as(partner_admin).post(
        "/leads/bulk", {"items": [{"id": str(lead.pk), "action": "decline", "reason": "not_a_fit", "colour": "red"}]}
    )
    result = response.json()["results"][0]
    assert result["status"] == 422 and "colour" in result["errors"]
    assert Lead.objects.get(pk=lead.pk).status == Status.RECEIVED
