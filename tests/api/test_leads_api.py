"""The JSON API of DESIGN §5: every endpoint's happy path, each error status, tenants and roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Favorite, Lead, LeadEvent, Status
from profiles.api_tokens import api_token_issue, api_token_revoke
from profiles.models import ApiToken
from tests.api.conftest import ApiClient
from tests.factories import AcceptedLeadFactory, LeadFactory

pytestmark = pytest.mark.django_db

NEXT_MONTH = (timezone.now() + timedelta(days=30)).date().isoformat()
DEAL = {"deal_name": "Cloud migration", "deal_value": "12500.50", "currency": "EUR", "estimated_close_date": NEXT_MONTH}
NEW_LEAD = {
    "partner": "contoso",
    "lead_type": "marketing_qualified",
    "customer": {
        "company": "Acme s.r.o.",
        "contact_name": "Petr Novák",
        "email": "petr@acme.example",
        "company_size": "50-249",
        "country": "cz",
        "city": "Brno",
    },
    "need": "ERP rollout for 120 people.",
    "contact_requested": True,
    "referred_by_email": "seller@vendor.example",
}


# Authentication


def test_no_token_is_401_with_a_json_body(anonymous_api, lead):
    response = anonymous_api.get(f"/leads/{lead.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]


def test_unknown_token_is_401(client, lead):
    response = ApiClient(client, "lh_not-a-real-token").get(f"/leads/{lead.pk}")
    assert response.status_code == 401


def test_revoked_token_is_401(client, partner_admin, lead):
    token, plain = api_token_issue(user=partner_admin, name="CRM")
    assert ApiClient(client, plain).get(f"/leads/{lead.pk}").status_code == 200
    api_token_revoke(token_id=token.pk, by=partner_admin)
    assert ApiClient(client, plain).get(f"/leads/{lead.pk}").status_code == 401


def test_deactivated_users_token_is_401(client, referrals_admin, lead):
    _token, plain = api_token_issue(user=referrals_admin, name="CRM")
    referrals_admin.is_active = False
    referrals_admin.save()
    assert ApiClient(client, plain).get("/leads").status_code == 401


def test_tokens_are_stored_hashed_and_record_their_last_use(client, partner_admin):
    token, plain = api_token_issue(user=partner_admin, name="CRM")
    assert plain not in token.token_hash and token.last_used_at is None
    ApiClient(client, plain).get("/leads")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert not ApiToken.objects.filter(token_hash=plain).exists()


# Reading


def test_lead_json_carries_every_field_of_design_5(api_as, referrals_admin, org):
    lead = AcceptedLeadFactory(partner=org)
    lead.team.create(name="Eva", email="eva@contoso.example", phone="1")
    response = api_as(referrals_admin).get(f"/leads/{lead.pk}")
    assert response.status_code == 200
    body = response.json()
    for field in (
        "id",
        "partner",
        "lead_type",
        "tab",
        "status",
        "stage",
        "is_hot",
        "contact_requested",
        "received_at",
        "respond_by",
        "customer",
        "need",
        "deal_name",
        "deal_value",
        "currency",
        "estimated_close_date",
        "notes",
        "crm_id",
        "campaign_id",
        "reason",
        "reason_notes",
        "team",
        "is_favorite",
        "updated_at",
        "etag",
    ):
        assert field in body, field
    assert body["partner"] == "contoso" and body["tab"] == "marketplace" and body["stage"] == "accepted"
    assert body["deal_value"] == "12500.00"
    assert body["estimated_close_date"] == lead.estimated_close_date.isoformat()
    assert body["received_at"].endswith("Z") and body["updated_at"].endswith("Z")
    member = lead.team.get()
    assert body["team"] == [{"id": member.pk, "name": "Eva", "email": "eva@contoso.example", "phone": "1"}]
    assert body["customer"]["email"] == lead.customer.email
    assert response["ETag"] == body["etag"] == f'"{lead.version}"'


@pytest.mark.parametrize("lead_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_missing_or_malformed_id_is_404(api_as, partner_admin, lead_id):
    response = api_as(partner_admin).get(f"/leads/{lead_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such lead."}


def test_another_organisations_lead_is_404_on_every_endpoint(api_as, other_admin, org):
    received, accepted = LeadFactory(partner=org), AcceptedLeadFactory(partner=org)
    api = api_as(other_admin)
    calls = [
        api.get(f"/leads/{received.pk}"),
        api.get(f"/leads/{received.pk}/history"),
        api.post(f"/leads/{received.pk}/accept", DEAL),
        api.post(f"/leads/{received.pk}/decline", {"reason": "not_a_fit"}),
        api.post(f"/leads/{accepted.pk}/win"),
        api.post(f"/leads/{accepted.pk}/lose", {"reason": "no_budget"}),
        api.patch(f"/leads/{accepted.pk}", {"notes": "mine now"}),
        api.post(f"/leads/{accepted.pk}/team", {"name": "Mallory", "email": "m@evil.example"}),
        api.put(f"/leads/{received.pk}/favorite"),
        api.delete(f"/leads/{received.pk}/favorite"),
    ]
    assert [response.status_code for response in calls] == [404] * len(calls)
    received.refresh_from_db()
    accepted.refresh_from_db()
    assert (received.status, accepted.status, accepted.notes) == (Status.RECEIVED, Status.ACCEPTED, "")
    assert not Favorite.objects.exists()


def test_list_holds_only_the_callers_organisation(api_as, partner_admin, org, other_org):
    own = LeadFactory(partner=org)
    LeadFactory(partner=other_org)
    body = api_as(partner_admin).get("/leads").json()
    assert [item["id"] for item in body["items"]] == [str(own.pk)]
    assert body["next_cursor"] is None


def test_ops_see_every_partner_and_may_filter_by_partner(api_as, ops_user, org, other_org):
    own, foreign = LeadFactory(partner=org), LeadFactory(partner=other_org)
    api = api_as(ops_user)
    assert {item["id"] for item in api.get("/leads").json()["items"]} == {str(own.pk), str(foreign.pk)}
    assert [item["id"] for item in api.get("/leads", {"partner": "fabrikam"}).json()["items"]] == [str(foreign.pk)]


def test_a_user_of_no_organisation_sees_nothing(api_as, outsider, lead):
    api = api_as(outsider)
    assert api.get("/leads").json()["items"] == []
    assert api.get(f"/leads/{lead.pk}").status_code == 404


def test_list_filters_by_tab_repeated_status_stage_and_search(api_as, referrals_admin, org):
    inquiry = LeadFactory(partner=org, need="Data warehouse")
    qualified = LeadFactory(partner=org, lead_type="sales_qualified")
    won = AcceptedLeadFactory(partner=org, status=Status.WON)
    declined = LeadFactory(partner=org, status=Status.DECLINED, reason="not_a_fit")
    api = api_as(referrals_admin)

    def ids(params):
        response = api.get("/leads", params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["items"]}

    assert ids({"tab": "qualified"}) == {str(qualified.pk)}
    assert ids({"tab": "marketplace", "status": ["won", "declined"]}) == {str(won.pk), str(declined.pk)}
    assert ids({"status": "archived"}) == {str(won.pk), str(declined.pk)}
    assert ids({"q": "warehouse"}) == {str(inquiry.pk)}


def test_list_rejects_bad_parameters_naming_them(api_as, referrals_admin):
    response = api_as(referrals_admin).get("/leads", {"limit": 101, "tab": "inbox", "status": "bogus"})
    assert response.status_code == 422
    assert {"limit", "tab", "status.0"} <= set(response.json()["errors"])


def test_cursor_pagination_walks_every_lead_once_in_order(api_as, referrals_admin, org):
    now = timezone.now()
    leads = [LeadFactory(partner=org, received_at=now - timedelta(hours=hours)) for hours in (1, 2, 2, 3, 4)]
    api = api_as(referrals_admin)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/leads", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = sorted(leads, key=lambda lead: (lead.received_at, lead.pk), reverse=True)
    assert seen == [str(lead.pk) for lead in expected]
    assert pages == 3


def test_cursor_pagination_by_time_left(api_as, referrals_admin, org):
    now = timezone.now()
    leads = [LeadFactory(partner=org, received_at=now - timedelta(hours=hours)) for hours in (5, 1, 3)]
    api = api_as(referrals_admin)
    first = api.get("/leads", {"limit": 2, "sort": "time_left"}).json()
    second = api.get("/leads", {"limit": 2, "sort": "time_left", "cursor": first["next_cursor"]}).json()
    expected = [str(lead.pk) for lead in sorted(leads, key=lambda lead: lead.respond_by)]
    assert [item["id"] for item in first["items"] + second["items"]] == expected


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ0aW1lX2xlZnQiLCAiMjAyNi0wMS0wMVQwMDowMDowMCIsICJ4Il0"])
def test_a_forged_cursor_is_422(api_as, referrals_admin, cursor):
    response = api_as(referrals_admin).get("/leads", {"cursor": cursor})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


# Creating (ops only)


def test_ops_create_a_lead_with_an_import_time(api_as, ops_user, org):
    received_at = timezone.now() - timedelta(days=5)
    response = api_as(ops_user).post("/leads", {**NEW_LEAD, "received_at": received_at.isoformat()})
    assert response.status_code == 201, response.json()
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    assert lead.partner == org and lead.received_at == received_at and lead.customer.country == "CZ"
    assert body["tab"] == "qualified" and body["status"] == "received"
    # Imported older than the hot window: it starts cool.
    assert body["contact_requested"] is True and body["is_hot"] is False
    assert lead.respond_by == received_at + timedelta(days=14)
    assert response["ETag"] == body["etag"]
    assert list(lead.events.values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize("role", ["partner_admin", "referrals_admin"])
def test_partner_members_may_not_create_leads(api_as, request, role, org):
    response = api_as(request.getfixturevalue(role)).post("/leads", NEW_LEAD)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Lead.objects.exists()


def test_create_names_each_invalid_field(api_as, ops_user, org):
    api = api_as(ops_user)
    body = {**NEW_LEAD, "partner": "nobody", "received_at": (timezone.now() + timedelta(days=2)).isoformat()}
    response = api.post("/leads", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"partner", "received_at"}
    response = api.post("/leads", {**NEW_LEAD, "customer": {**NEW_LEAD["customer"], "email": "not-an-email"}})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"customer.email"}
    assert not Lead.objects.exists()


def test_create_rejects_a_missing_customer_and_unknown_fields(api_as, ops_user, org):
    body = {key: value for key, value in NEW_LEAD.items() if key != "customer"}
    response = api_as(ops_user).post("/leads", {**body, "status": "won"})
    assert response.status_code == 422
    assert {"customer", "status"} <= set(response.json()["errors"])


def test_a_body_that_is_not_json_is_422(api_as, ops_user, client, org):
    api = api_as(ops_user)
    response = client.post(
        "/api/v1/leads",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 422
    assert "body" in response.json()["errors"]


# Transitions


@pytest.mark.parametrize("role", ["partner_admin", "referrals_admin", "ops_user"])
def test_each_role_may_accept_with_a_deal_and_team(api_as, request, role, lead):
    body = {**DEAL, "team": [{"name": "Eva Dvořák", "email": "eva@contoso.example"}]}
    response = api_as(request.getfixturevalue(role)).post(f"/leads/{lead.pk}/accept", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "accepted" and data["deal_value"] == "12500.50" and data["currency"] == "EUR"
    assert data["team"][0]["email"] == "eva@contoso.example"
    assert data["etag"] == '"2"' == response["ETag"]


def test_accept_names_each_invalid_field_and_changes_nothing(api_as, referrals_admin, lead):
    body = {
        **DEAL,
        "deal_value": "-5",
        "currency": "XXQ",
        "estimated_close_date": "2001-01-01",
        "team": [{"name": "Eva", "email": "nope"}],
    }
    response = api_as(referrals_admin).post(f"/leads/{lead.pk}/accept", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"deal_value", "currency", "estimated_close_date", "team.0.email"}
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED and lead.version == 1


def test_accept_requires_the_deal_fields(api_as, referrals_admin, lead):
    response = api_as(referrals_admin).post(f"/leads/{lead.pk}/accept", {"deal_value": "abc"})
    assert response.status_code == 422
    assert {"deal_name", "deal_value", "estimated_close_date"} <= set(response.json()["errors"])


def test_accepting_an_accepted_lead_is_409(api_as, referrals_admin, org):
    lead = AcceptedLeadFactory(partner=org)
    response = api_as(referrals_admin).post(f"/leads/{lead.pk}/accept", DEAL)
    assert response.status_code == 409
    assert response.json() == {"detail": "This lead was already accepted.", "status": "accepted"}


def test_if_match_with_a_stale_etag_is_412_and_the_current_one_succeeds(api_as, referrals_admin, lead):
    api = api_as(referrals_admin)
    etag = api.get(f"/leads/{lead.pk}").json()["etag"]
    stale = api.post(f"/leads/{lead.pk}/accept", DEAL, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert "changed" in stale.json()["detail"]
    for unusable in ("banana", '"²"', '"99999999999999999999"'):
        assert api.post(f"/leads/{lead.pk}/accept", DEAL, headers={"If-Match": unusable}).status_code == 412
    fresh = api.post(f"/leads/{lead.pk}/accept", DEAL, headers={"If-Match": etag})
    assert fresh.status_code == 200
    # The etag the client held is now stale for the next write.
    assert api.patch(f"/leads/{lead.pk}", {"notes": "x"}, headers={"If-Match": etag}).status_code == 412
    assert api.patch(f"/leads/{lead.pk}", {"notes": "x"}, headers={"If-Match": fresh["ETag"]}).status_code == 200


def test_decline_with_a_reason(api_as, partner_admin, lead):
    response = api_as(partner_admin).post(
        f"/leads/{lead.pk}/decline", {"reason": "no_budget", "reason_notes": "Maybe next year."}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["stage"], response.json()["reason"]) == (
        "declined",
        "archived",
        "no_budget",
    )


def test_decline_with_an_unknown_reason_is_422(api_as, partner_admin, lead):
    response = api_as(partner_admin).post(f"/leads/{lead.pk}/decline", {"reason": "chose_another_vendor"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["reason"]


def test_declining_an_accepted_lead_is_409(api_as, partner_admin, org):
    lead = AcceptedLeadFactory(partner=org)
    assert api_as(partner_admin).post(f"/leads/{lead.pk}/decline", {"reason": "other"}).status_code == 409


def test_win_and_lose_an_accepted_lead(api_as, referrals_admin, org):
    to_win, to_lose = AcceptedLeadFactory(partner=org), AcceptedLeadFactory(partner=org)
    api = api_as(referrals_admin)
    assert api.post(f"/leads/{to_win.pk}/win").json()["status"] == "won"
    lost = api.post(f"/leads/{to_lose.pk}/lose", {"reason": "chose_another_vendor"})
    assert lost.status_code == 200 and lost.json()["reason"] == "chose_another_vendor"


def test_win_a_received_lead_is_409_and_lose_without_reason_is_422(api_as, referrals_admin, org, lead):
    api = api_as(referrals_admin)
    assert api.post(f"/leads/{lead.pk}/win").status_code == 409
    accepted = AcceptedLeadFactory(partner=org)
    response = api.post(f"/leads/{accepted.pk}/lose", {})
    assert response.status_code == 422 and "reason" in response.json()["errors"]


# Editing an accepted deal, its team, favourites, history


def test_patch_changes_only_the_fields_sent_and_records_them(api_as, partner_admin, org):
    lead = AcceptedLeadFactory(partner=org, notes="keep me")
    response = api_as(partner_admin).patch(f"/leads/{lead.pk}", {"deal_value": 99, "crm_id": "SF-1"})
    assert response.status_code == 200
    body = response.json()
    assert (body["deal_value"], body["crm_id"], body["notes"], body["deal_name"]) == (
        "99.00",
        "SF-1",
        "keep me",
        "Cloud migration",
    )
    event = LeadEvent.objects.get(lead=lead, action="edit")
    assert event.changes == {"deal_value": ["12500.00", "99.00"], "crm_id": ["", "SF-1"]}


def test_patch_invalid_or_unknown_fields_is_422(api_as, partner_admin, org):
    lead = AcceptedLeadFactory(partner=org)
    api = api_as(partner_admin)
    invalid = api.patch(f"/leads/{lead.pk}", {"deal_value": "1.234"})
    assert invalid.status_code == 422 and list(invalid.json()["errors"]) == ["deal_value"]
    unknown = api.patch(f"/leads/{lead.pk}", {"status": "won"})
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["status"]


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.WON])
def test_patch_outside_accepted_is_409(api_as, partner_admin, org, status):
    lead = AcceptedLeadFactory(partner=org, status=status)
    response = api_as(partner_admin).patch(f"/leads/{lead.pk}", {"notes": "late"})
    assert response.status_code == 409
    lead.refresh_from_db()
    assert lead.notes == ""


def test_add_team_member_is_201_with_the_lead(api_as, referrals_admin, org):
    lead = AcceptedLeadFactory(partner=org)
    response = api_as(referrals_admin).post(
        f"/leads/{lead.pk}/team", {"name": "Jan", "email": "jan@contoso.example", "phone": "+420 1"}
    )
    assert response.status_code == 201
    (member,) = lead.team.all()
    assert response.json()["team"] == [
        {"id": member.pk, "name": "Jan", "email": "jan@contoso.example", "phone": "+420 1"}
    ]


def test_team_member_errors_and_conflicts(api_as, referrals_admin, org, lead):
    api = api_as(referrals_admin)
    accepted = AcceptedLeadFactory(partner=org)
    invalid = api.post(f"/leads/{accepted.pk}/team", {"name": "Jan", "email": "jan"})
    assert invalid.status_code == 422 and list(invalid.json()["errors"]) == ["email"]
    assert api.post(f"/leads/{lead.pk}/team", {"name": "Jan", "email": "jan@x.example"}).status_code == 409


def test_favorite_put_and_delete_are_204_and_idempotent(api_as, referrals_admin, partner_admin, lead):
    api = api_as(referrals_admin)
    assert api.put(f"/leads/{lead.pk}/favorite").status_code == 204
    assert api.put(f"/leads/{lead.pk}/favorite").status_code == 204
    assert api.get(f"/leads/{lead.pk}").json()["is_favorite"] is True
    assert [item["id"] for item in api.get("/leads", {"tab": "favorites"}).json()["items"]] == [str(lead.pk)]
    # The heart is per user.
    assert api_as(partner_admin).get(f"/leads/{lead.pk}").json()["is_favorite"] is False
    assert api.delete(f"/leads/{lead.pk}/favorite").status_code == 204
    assert api.get("/leads", {"tab": "favorites"}).json()["items"] == []


def test_history_lists_every_event(api_as, referrals_admin, lead):
    api = api_as(referrals_admin)
    api.post(f"/leads/{lead.pk}/accept", DEAL)
    api.post(f"/leads/{lead.pk}/win")
    response = api.get(f"/leads/{lead.pk}/history")
    assert response.status_code == 200
    events = response.json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("accept", "received", "accepted"),
        ("win", "accepted", "won"),
    ]
    assert events[0]["actor"] == "contoso-referrals" and events[0]["at"].endswith("Z")
    assert events[0]["changes"]["deal_value"] == "12500.50"


def test_the_list_costs_the_same_queries_for_one_lead_or_many(
    api_as, referrals_admin, org, django_assert_max_num_queries
):
    api = api_as(referrals_admin)
    api.get("/leads")  # the token's first use records last_used_at; measure steady state
    for _ in range(30):
        lead = AcceptedLeadFactory(partner=org)
        lead.team.create(name="Eva", email="eva@contoso.example")
    # token + user lookup, the page, its team members
    with django_assert_max_num_queries(3):
        body = api.get("/leads", {"limit": 25}).json()
    assert len(body["items"]) == 25 and all(item["team"] for item in body["items"])
